//! Lookups the finding pass needs over the whole solved flow, built once per rule: which call
//! and path expressions hold each object, and which objects each allocation kind produced.
//!
//! Invariant: built after the flow is solved and never updated; every answer equals a scan
//! of all instances (or all objects), so the finding pass stays linear in the program size
//! instead of scanning everything once per candidate finding.

use super::flow::{Flow, Instance};
use super::objects::{KindId, ObjId};
use crate::hir::Inst;
use crate::source::Span;
use std::collections::HashMap;

/// A call or path expression of one analysed instance whose result may hold an object.
#[derive(Clone, Copy, Debug)]
pub struct ResultSite {
    pub inst: Instance,
    pub span: Span,
    /// A path expression (`CLIENT`, `Self::shared`) rather than a call.
    pub is_path: bool,
    /// The object reaches the site without a provenance tag.
    pub untagged: bool,
}

pub struct Sites {
    holding: HashMap<ObjId, Vec<ResultSite>>,
    objs_by_kind: HashMap<KindId, Vec<ObjId>>,
}

impl Sites {
    pub fn build(flow: &Flow) -> Self {
        let mut holding: HashMap<ObjId, Vec<ResultSite>> = HashMap::new();
        for (_, inst) in flow.instances.iter() {
            let Some(body) = flow.body(inst.body) else {
                continue;
            };
            for ins in &body.insts {
                let (dst, span, is_path) = match ins {
                    Inst::CallPath { dst, span, .. } | Inst::CallMethod { dst, span, .. } => {
                        (*dst, *span, false)
                    }
                    Inst::PathValue { dst, span, .. } => (*dst, *span, true),
                    _ => continue,
                };
                for v in flow.peek_var(*inst, dst) {
                    holding.entry(v.obj).or_default().push(ResultSite {
                        inst: *inst,
                        span,
                        is_path,
                        untagged: v.tag.is_none(),
                    });
                }
            }
        }
        let mut objs_by_kind: HashMap<KindId, Vec<ObjId>> = HashMap::new();
        for (id, obj) in flow.objs.iter() {
            objs_by_kind.entry(obj.kind).or_default().push(id);
        }
        Sites {
            holding,
            objs_by_kind,
        }
    }

    /// The result sites whose value may be `o` (once per distinct tag it arrives with).
    pub fn holding(&self, o: ObjId) -> &[ResultSite] {
        self.holding.get(&o).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The receivers whose methods allocated `o`: objects of the outermost kind of its heap
    /// context, themselves created under the rest of that context. Ascending ids.
    pub fn creators(&self, flow: &Flow, o: ObjId) -> Vec<ObjId> {
        let obj = flow.obj(o);
        let Some((first, rest)) = obj.heap_ctx.split_first() else {
            return Vec::new();
        };
        self.objs_by_kind
            .get(first)
            .into_iter()
            .flatten()
            .copied()
            .filter(|c| flow.obj(*c).heap_ctx.starts_with(rest))
            .collect()
    }
}
