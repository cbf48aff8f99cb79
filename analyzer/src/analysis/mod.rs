//! Flow analysis: for each rule, bind it to the index ([`model`]), solve the value flow
//! ([`flow`]) and read off the findings ([`findings`]).
//!
//! Invariant: pure: from the index and the rules to findings; no IO, no threads.

pub mod findings;
pub mod flow;
pub mod model;
pub mod objects;

use crate::index::Index;
use crate::rules::Rule;

pub struct RuleResult<'r> {
    pub rule: &'r Rule,
    pub findings: Vec<findings::Finding>,
    pub instances: usize,
    pub steps: u64,
}

pub fn analyse<'r>(index: &Index, rule: &'r Rule) -> RuleResult<'r> {
    let model = model::RuleModel::new(index, rule);
    if model.client_types.is_empty() && model.client_traits.is_empty() {
        return RuleResult {
            rule,
            findings: Vec::new(),
            instances: 0,
            steps: 0,
        };
    }
    let mut flow = flow::Flow::new(index, &model);
    flow.solve();
    let findings = findings::collect(&flow);
    RuleResult {
        rule,
        findings,
        instances: flow.instances.len(),
        steps: flow.steps,
    }
}
