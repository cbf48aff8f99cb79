//! The facade audit: for every facade a rule names, and every other client type that wraps an
//! inner client (the rule-free heuristic: a client type with a field that holds a client), what
//! each of its methods does with the facade — read off the same flow the findings come from.
//!
//! Verdicts: `keeps` (the result still passes through this facade, or shares its tracker),
//! `drops` (a client built from the inner client only: a bypass waiting to be used), `raw` (the
//! inner client itself, or a lower handle taken from it), `not a client`. Methods of the client
//! traits that the type does not override are listed too when they reach the inner client
//! through `Deref` or run as a trait default on it.

use super::findings::{chain_names, chain_objects, trackers, TrackerId};
use super::flow::{Flow, Instance};
use super::objects::*;
use crate::hir::{Inst, Local};
use crate::index::{DefId, DefKind, FnId, FnOwner};
use crate::source::Span;
use std::collections::BTreeSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    Drops,
    Raw,
    Keeps,
    NotAClient,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Keeps => "keeps",
            Verdict::Drops => "drops",
            Verdict::Raw => "raw",
            Verdict::NotAClient => "not a client",
        }
    }
}

#[derive(Clone, Debug)]
pub struct AuditRow {
    pub method: String,
    pub verdict: Verdict,
    /// The wrapper chain of what it returns, or the returned type.
    pub returns: String,
    /// How the method reaches the type: its own impl, a trait default, or `Deref`.
    pub via: &'static str,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct FacadeAudit {
    pub facade: String,
    /// The tracker type when a rule names the facade; `None` for the heuristic wrappers.
    pub tracker: Option<String>,
    pub span: Span,
    pub rows: Vec<AuditRow>,
}

pub fn audit(flow: &Flow) -> Vec<FacadeAudit> {
    let index = flow.index;
    let mut out = Vec::new();
    let wrappers: Vec<DefId> = flow
        .model
        .client_types
        .iter()
        .copied()
        .filter(|t| {
            flow.model.facades.contains_key(t)
                || index
                    .fields(*t)
                    .iter()
                    .any(|f| holds_client(flow, *t, &f.ty))
        })
        .collect();
    for ty in wrappers {
        let Some(me) = entry_self(flow, ty) else {
            continue;
        };
        let tracker = flow.model.facades.get(&ty).map(|_| tracker_name(flow, ty));
        let mut rows: Vec<AuditRow> = Vec::new();
        for f in index.receiver_methods(ty) {
            let via = match index.fn_info(f).owner {
                FnOwner::Trait(_) => "trait default",
                FnOwner::Impl { self_def: None, .. } => "blanket impl",
                _ => "own",
            };
            if let Some(row) = classify(flow, ty, me, f, via) {
                rows.push(row);
            }
        }
        // Client-API methods the type does not have, reached through `Deref`: the client
        // traits' methods and those of the type it derefs to.
        if let Some(deref) = index.deref_fn(ty) {
            let own: BTreeSet<String> = rows.iter().map(|r| r.method.clone()).collect();
            let info = index.fn_info(deref);
            let target = index.resolve_type(info.module, &info.def.ret, Some(ty), &info.generics);
            let mut reached: Vec<FnId> = Vec::new();
            for t in &flow.model.client_traits {
                if let DefKind::Trait { methods, .. } = &index.def(*t).kind {
                    reached.extend(methods);
                }
            }
            if let crate::index::Ty::Adt(target) = target {
                reached.extend(index.receiver_methods(target));
            }
            {
                {
                    for m in reached {
                        let name = &index.fn_info(m).def.name;
                        if !own.contains(name.as_str()) && index.methods_of(ty, name).is_empty() {
                            rows.push(AuditRow {
                                method: name.to_string(),
                                verdict: Verdict::Raw,
                                returns: "runs on the inner client".into(),
                                via: "Deref",
                                span: index.fn_info(deref).def.span,
                            });
                        }
                    }
                }
            }
        }
        rows.sort_by(|a, b| (a.verdict, &a.method).cmp(&(b.verdict, &b.method)));
        rows.dedup_by(|a, b| a.method == b.method);
        out.push(FacadeAudit {
            facade: index.def(ty).name.to_string(),
            tracker,
            span: index.def(ty).span,
            rows,
        });
    }
    out.sort_by(|a, b| (a.tracker.is_none(), &a.facade).cmp(&(b.tracker.is_none(), &b.facade)));
    out
}

fn holds_client(flow: &Flow, ty: DefId, t: &crate::hir::TypeRef) -> bool {
    let index = flow.index;
    let module = index.def(ty).module;
    let resolved = index.resolve_type(module, t, Some(ty), index.generics_of(ty));
    ty_is_client(flow, &resolved)
}

fn ty_is_client(flow: &Flow, t: &crate::index::Ty) -> bool {
    use crate::index::Ty;
    match t {
        Ty::Adt(d) => flow.model.is_client_type(*d),
        Ty::Bounds(b) => flow.model.is_client_bounds(b),
        Ty::External(_, args) | Ty::Tuple(args) => args.iter().any(|a| ty_is_client(flow, a)),
        Ty::Unknown => false,
    }
}

/// The value a type's methods were analysed with as an entry point.
fn entry_self(flow: &Flow, ty: DefId) -> Option<ObjId> {
    flow.objs.iter().find_map(|(id, o)| {
        let is_entry = matches!(
            flow.kinds.get(o.kind),
            ObjKind::Sym { ty: t, origin: SymOrigin::EntrySelf, .. } if *t == ty
        );
        (is_entry && o.heap_ctx.is_empty()).then_some(id)
    })
}

fn tracker_name(flow: &Flow, ty: DefId) -> String {
    let fields = flow.model.facades.get(&ty).cloned().unwrap_or_default();
    flow.index
        .fields(ty)
        .iter()
        .filter(|f| fields.iter().any(|n| *n == f.name))
        .find_map(|f| match crate::index::strip_refs(&f.ty) {
            crate::hir::TypeRef::Path(p) => Some(innermost_name(p)),
            _ => None,
        })
        .unwrap_or_else(|| "tracker".into())
}

fn innermost_name(p: &crate::hir::PathRef) -> String {
    match p.args.first() {
        Some(crate::hir::TypeRef::Path(inner)) => innermost_name(inner),
        _ => p.last().to_string(),
    }
}

fn classify(flow: &Flow, ty: DefId, me: ObjId, f: FnId, via: &'static str) -> Option<AuditRow> {
    let index = flow.index;
    let info = index.fn_info(f);
    let body = info.def.lowered()?;
    let inst = Instance {
        body: BodyId::Fn(f),
        ctx: Some(me),
        tag: None,
    };
    let returned: Vec<Value> = flow
        .peek_var(inst, body.ret)
        .into_iter()
        .filter(|v| flow.is_client(v.obj))
        .collect();
    let my_trackers: BTreeSet<TrackerId> = trackers(flow, me);
    let inner: BTreeSet<ObjId> = flow.inner_clients_peek(me).into_iter().collect();
    let row = |verdict, returns: String| AuditRow {
        method: info.def.name.to_string(),
        verdict,
        returns,
        via,
        span: info.def.span,
    };
    if returned.is_empty() {
        // Not a client: but a value taken from the inner client is a lower handle.
        let module = info.module;
        let ret = index.resolve_type(module, &info.def.ret, Some(ty), &info.generics);
        let handle = !is_plain_in(index, &ret);
        if handle && returns_from_inner(flow, ty, body) {
            return Some(row(
                Verdict::Raw,
                format!(
                    "a handle from the inner client ({})",
                    type_text(&info.def.ret)
                ),
            ));
        }
        return Some(row(Verdict::NotAClient, type_text(&info.def.ret)));
    }
    let mut worst = Verdict::Keeps;
    let mut shown = String::new();
    for v in &returned {
        let chain = chain_names(flow, v.obj);
        let keeps = chain_objects(flow, v.obj).contains(&me)
            || (!my_trackers.is_empty() && !trackers(flow, v.obj).is_disjoint(&my_trackers));
        let verdict = if keeps {
            Verdict::Keeps
        } else if inner.contains(&v.obj) {
            Verdict::Raw
        } else {
            Verdict::Drops
        };
        if verdict < worst || shown.is_empty() {
            worst = worst.min(verdict);
            shown = chain.join(" -> ");
        }
    }
    Some(row(worst, shown))
}

/// Values that cannot be a handle on anything: numbers, text, flags, time, unit, and
/// standard wrappers of those.
fn is_plain(t: &crate::index::Ty) -> bool {
    use crate::index::Ty;
    const PLAIN: &[&str] = &[
        "String",
        "str",
        "bool",
        "char",
        "u8",
        "u16",
        "u32",
        "u64",
        "u128",
        "usize",
        "i8",
        "i16",
        "i32",
        "i64",
        "i128",
        "isize",
        "f32",
        "f64",
        "Duration",
        "Instant",
        "SystemTime",
        "PathBuf",
        "Path",
        "OsString",
        "Cow",
    ];
    const WRAPPERS: &[&str] = &["Option", "Result", "Vec", "Box", "Arc", "Rc", "Cow"];
    match t {
        Ty::External(name, args) if PLAIN.contains(&name.as_str()) => args.iter().all(is_plain),
        Ty::External(name, args) if WRAPPERS.contains(&name.as_str()) => args.iter().all(is_plain),
        Ty::Tuple(e) => e.iter().all(is_plain),
        Ty::Unknown => true,
        Ty::Adt(_) | Ty::Bounds(_) => false,
        Ty::External(..) => false,
    }
}

/// A fieldless enum (a state, a kind) is a plain value too.
fn is_plain_in(index: &crate::index::Index, t: &crate::index::Ty) -> bool {
    match t {
        crate::index::Ty::Adt(d) => {
            matches!(index.def(*d).kind, DefKind::Enum { .. }) && index.fields(*d).is_empty()
        }
        other => is_plain(other),
    }
}

/// Whether the body returns something obtained from `self.<inner client field>`.
fn returns_from_inner(flow: &Flow, ty: DefId, body: &crate::hir::Body) -> bool {
    let Some(me) = body.self_local else {
        return false;
    };
    let client_fields: BTreeSet<String> = flow
        .index
        .fields(ty)
        .iter()
        .filter(|f| holds_client(flow, ty, &f.ty))
        .map(|f| f.name.to_string())
        .collect();
    let mut from_inner: BTreeSet<Local> = BTreeSet::new();
    loop {
        let before = from_inner.len();
        for ins in &body.insts {
            match ins {
                Inst::Field {
                    dst, base, field, ..
                } if *base == me && client_fields.contains(field) => {
                    from_inner.insert(*dst);
                }
                Inst::Field { dst, base, .. } | Inst::Copy { dst, src: base }
                    if from_inner.contains(base) =>
                {
                    from_inner.insert(*dst);
                }
                Inst::CallMethod { dst, recv, .. } if from_inner.contains(recv) => {
                    from_inner.insert(*dst);
                }
                Inst::CallPath { dst, args, .. } if args.iter().any(|a| from_inner.contains(a)) => {
                    from_inner.insert(*dst);
                }
                _ => {}
            }
        }
        if from_inner.len() == before {
            break;
        }
    }
    from_inner.contains(&body.ret)
}

fn type_text(t: &crate::hir::TypeRef) -> String {
    use crate::hir::TypeRef;
    match t {
        TypeRef::Path(p) => {
            let args: Vec<String> = p.args.iter().map(type_text).collect();
            if args.is_empty() {
                p.last().to_string()
            } else {
                format!("{}<{}>", p.last(), args.join(", "))
            }
        }
        TypeRef::Ref(inner) => format!("&{}", type_text(inner)),
        TypeRef::Bounds(b) => format!(
            "dyn {}",
            b.iter()
                .map(|p| p.last().to_string())
                .collect::<Vec<_>>()
                .join(" + ")
        ),
        TypeRef::Tuple(e) => format!(
            "({})",
            e.iter().map(type_text).collect::<Vec<_>>().join(", ")
        ),
        TypeRef::Slice(inner) => format!("[{}]", type_text(inner)),
        TypeRef::SelfType => "Self".into(),
        TypeRef::Unknown => "_".into(),
    }
}
