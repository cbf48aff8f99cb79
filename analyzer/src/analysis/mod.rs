//! Flow analysis: for each rule, bind it to the index ([`model`]), solve the value flow
//! ([`flow`]) and read off the findings ([`findings`]).
//!
//! Invariant: pure: from the index and the rules to findings; no IO, no threads.

pub mod audit;
pub mod findings;
pub mod flow;
pub mod model;
pub mod objects;
pub mod sites;

use crate::index::Index;
use crate::rules::Rule;

pub struct RuleResult<'r> {
    pub rule: &'r Rule,
    pub findings: Vec<findings::Finding>,
    pub instances: usize,
    pub steps: u64,
    /// Time spent solving the value flow (the rest of the rule's time is the finding pass).
    pub solve_time: std::time::Duration,
    /// Filled when asked for: what each facade's methods do with it.
    pub audits: Vec<audit::FacadeAudit>,
}

pub fn analyse<'r>(index: &Index, rule: &'r Rule, with_audit: bool) -> RuleResult<'r> {
    let model = model::RuleModel::new(index, rule);
    if model.client_types.is_empty() && model.client_traits.is_empty() {
        return RuleResult {
            rule,
            findings: Vec::new(),
            instances: 0,
            steps: 0,
            solve_time: std::time::Duration::ZERO,
            audits: Vec::new(),
        };
    }
    let clock = std::time::Instant::now();
    let mut flow = flow::Flow::new(index, &model);
    flow.solve();
    let solve_time = clock.elapsed();
    let findings = findings::collect(&flow);
    let audits = if with_audit {
        audit::audit(&flow)
    } else {
        Vec::new()
    };
    RuleResult {
        rule,
        findings,
        instances: flow.instances.len(),
        steps: flow.steps,
        solve_time,
        audits,
    }
}
