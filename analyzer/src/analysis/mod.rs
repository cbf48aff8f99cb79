//! Flow analysis: for each rule, bind it to the index ([`model`]), solve the value flow
//! ([`flow`]) and read off the findings ([`findings`]).
//!
//! Invariant: pure: from the index and the rules to findings; no IO, no threads.

pub mod audit;
mod declared;
pub mod findings;
pub mod flow;
pub mod model;
pub mod objects;
pub mod sites;
pub mod small_set;

use crate::index::Index;
use crate::rules::Rule;
use crate::source::Span;

pub struct RuleResult<'r> {
    pub rule: &'r Rule,
    pub findings: Vec<findings::Finding>,
    pub instances: usize,
    pub steps: u64,
    /// Time spent solving the value flow (the rest of the rule's time is the finding pass).
    pub solve_time: std::time::Duration,
    /// Functions whose analysis panicked inside facadelint: (where, item, message).
    pub internal_errors: Vec<(Span, String, String)>,
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
            internal_errors: Vec::new(),
            audits: Vec::new(),
        };
    }
    let clock = std::time::Instant::now();
    let mut flow = flow::Flow::new(index, &model);
    flow.solve();
    let solve_time = clock.elapsed();
    let (findings, mut failed) = findings::collect(&flow);
    for (body, message) in &flow.failed {
        failed.entry(*body).or_insert_with(|| message.clone());
    }
    let internal_errors = failed
        .into_iter()
        .map(|(body, message)| {
            let span = match body {
                objects::BodyId::Fn(f) => index.fn_info(f).def.span,
                objects::BodyId::Static(s) => index.def(index.statics[s as usize].def).span,
            };
            (span, findings::body_name(&flow, body), message)
        })
        .collect();
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
        internal_errors,
        audits,
    }
}
