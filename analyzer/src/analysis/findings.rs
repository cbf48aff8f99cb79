//! The finding pass: reads the solved flow and turns every registration whose client lost the
//! tracker of the facade it came from into a [`Finding`] with its whole path.
//!
//! Invariant: a finding needs a concrete tracker that the registering client's chain lacks;
//! registrations inside the facade's own impl (its plumbing) are never findings. Findings are
//! deduplicated by (bypass point, registration site) and sorted, so output is deterministic.

use super::flow::{Flow, Instance};
use super::objects::*;
use super::sites::Sites;

use crate::index::{DefId, FnOwner, Ty};
use crate::source::Span;
use std::collections::{BTreeMap, BTreeSet};

/// A tracker as the finding pass sees it: an object, or the unseen tracker of a facade whose
/// tracker field nothing read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TrackerId {
    Obj(ObjId),
    Unseen(ObjId),
}

#[derive(Clone, Debug)]
pub enum FindingKind {
    /// A derivation step dropped the facade (delegation, raw accessor, field read).
    Dropped,
    /// Auto-deref into the inner client.
    Deref,
    /// A re-wrap with a fresh tracker.
    FreshTracker,
    /// A registration inside a facade-holding recipe through a client from elsewhere.
    Foreign,
}

#[derive(Clone, Debug)]
pub struct Finding {
    pub kind: FindingKind,
    pub bypass: Span,
    pub registration: Span,
    pub facade_created: Option<Span>,
    pub obtained: Option<(Span, String)>,
    /// The facade type that was dropped and its tracker type.
    pub facade_ty: String,
    pub tracker_ty: String,
    /// Type of what the bypassing client was built from (`CuratorFrameworkImpl`).
    pub built_from: String,
    pub chain_before: Vec<String>,
    pub chain_after: Vec<String>,
    pub flow: Vec<String>,
    /// Other paths (facade, obtaining site) that reach the same bypass and registration.
    pub other_paths: usize,
    /// The facade entered from outside the analysed code.
    pub facade_is_entry: bool,
    /// Facade object and the bypass function, for fix suggestions.
    pub facade_def: Option<DefId>,
    pub bypass_body: Option<BodyId>,
    /// How the bypass point derived the client (a call result can be re-wrapped in place).
    pub bypass_step: StepKind,
    /// The functions holding the bypass point and the registration (stable across edits).
    pub bypass_item: String,
    pub registration_item: String,
}

/// The findings, and the bodies whose registrations could not be checked (a panic inside
/// facadelint, with its message).
pub fn collect(flow: &Flow) -> (Vec<Finding>, BTreeMap<BodyId, String>) {
    // One finding per bypass point, obtaining site and registration: two places that obtain
    // the bypassing client are two places to fix.
    let mut found: BTreeMap<(u32, u32, Option<Span>, Span), Vec<Finding>> = BTreeMap::new();
    let mut failed = BTreeMap::new();
    let lookup = Sites::build(flow);
    for site in flow.registrations.values() {
        if inside_facade_impl(flow, site.instance) {
            continue;
        }
        let checked = crate::guard::guarded(|| {
            if let BodyId::Fn(f) = site.instance.body {
                crate::guard::maybe_inject("findings", || flow.index.fn_name(f));
            }
            let mut out = Vec::new();
            for recv in flow.peek_var(site.instance, site.receiver) {
                if !is_registration_call(flow, recv.obj, &site.method) {
                    continue;
                }
                if never_watches(flow, recv.obj, &site.method) {
                    continue;
                }
                for client in registering_clients(flow, recv) {
                    out.extend(check(flow, &lookup, site.instance, site.span, client));
                }
            }
            out
        });
        match checked {
            Ok(findings) => {
                for f in findings {
                    found
                        .entry((
                            f.bypass.file as u32,
                            f.bypass.start,
                            f.obtained.as_ref().map(|o| o.0),
                            f.registration,
                        ))
                        .or_default()
                        .push(f);
                }
            }
            Err(message) => {
                failed.entry(site.instance.body).or_insert(message);
            }
        }
    }
    let findings = found
        .into_values()
        .map(|mut group| {
            // Prefer a facade the analysis saw being created, around a client whose concrete
            // type it saw, then the earliest path. The widest expression at a bypass point
            // names it best.
            group.sort_by_key(|f| {
                (
                    std::cmp::Reverse(f.bypass.end),
                    f.facade_is_entry,
                    f.built_from.starts_with("dyn "),
                    f.facade_created,
                    f.obtained.as_ref().map(|o| o.0),
                )
            });
            let distinct: BTreeSet<_> = group
                .iter()
                .map(|f| (f.facade_created, f.obtained.as_ref().map(|o| o.0)))
                .collect();
            let mut best = group.swap_remove(0);
            best.other_paths = distinct.len().saturating_sub(1);
            best
        })
        .collect();
    (findings, failed)
}

fn inside_facade_impl(flow: &Flow, inst: Instance) -> bool {
    let BodyId::Fn(f) = inst.body else {
        return false;
    };
    match flow.index.fn_info(f).owner {
        FnOwner::Impl {
            self_def: Some(d), ..
        } => flow.model.facades.contains_key(&d),
        _ => false,
    }
}

fn is_registration_call(flow: &Flow, recv: ObjId, method: &str) -> bool {
    let candidates = flow.dispatch_peek(recv, method);
    if candidates.is_empty() {
        return flow
            .model
            .rule
            .registrations
            .iter()
            .any(|p| p.method == method && p.owner.is_none());
    }
    candidates
        .iter()
        .any(|f| flow.is_registration_fn(*f, method))
}

/// Whether a registration through `recv` registers nothing: its rule names the watcher
/// field, and every value that field can hold is a `None` the workspace made. A field whose
/// values the analysis does not know (set by callers outside) may hold a watcher.
fn never_watches(flow: &Flow, recv: ObjId, method: &str) -> bool {
    let fields: Vec<&str> = flow
        .model
        .rule
        .registrations
        .iter()
        .filter(|p| p.method == method)
        .filter_map(|p| p.watcher.as_deref())
        .collect();
    !fields.is_empty()
        && fields.iter().all(|field| {
            let held = flow.peek_field(recv, field);
            !held.is_empty()
                && held
                    .iter()
                    .all(|v| matches!(flow.kind_of(v.obj), ObjKind::Presence(false)))
        })
}

/// The clients a registration goes through: the receiver, or the clients its fields hold.
fn registering_clients(flow: &Flow, recv: Value) -> Vec<Value> {
    if flow.is_client(recv.obj) {
        return vec![recv];
    }
    let Some(ty) = flow.ty_of(recv.obj) else {
        return Vec::new();
    };
    let mut out: Vec<Value> = flow
        .index
        .fields(ty)
        .iter()
        .flat_map(|f| flow.peek_field(recv.obj, &f.name))
        .filter(|v| flow.is_client(v.obj))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Every object of `o`'s wrapper chain (all alternatives), `o` first.
pub fn chain_objects(flow: &Flow, o: ObjId) -> Vec<ObjId> {
    let mut seen = Vec::new();
    let mut todo = vec![o];
    while let Some(x) = todo.pop() {
        if seen.contains(&x) || seen.len() > 64 {
            continue;
        }
        seen.push(x);
        todo.extend(flow.inner_clients_peek(x).into_iter().rev());
    }
    seen
}

pub fn trackers(flow: &Flow, o: ObjId) -> BTreeSet<TrackerId> {
    let mut out = BTreeSet::new();
    for x in chain_objects(flow, o) {
        let Some(ty) = flow.ty_of(x) else { continue };
        let Some(fields) = flow.model.facades.get(&ty) else {
            continue;
        };
        let mut any = false;
        for f in fields {
            for v in flow.peek_field(x, f) {
                out.insert(TrackerId::Obj(v.obj));
                any = true;
            }
        }
        if !any {
            out.insert(TrackerId::Unseen(x));
        }
    }
    out
}

/// The type names along one wrapper chain: `WatcherRemovalFacade -> CuratorFrameworkImpl`.
pub fn chain_names(flow: &Flow, o: ObjId) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut cur = Some(o);
    while let Some(x) = cur {
        if !seen.insert(x) || out.len() > 8 {
            break;
        }
        out.push(obj_name(flow, x));
        cur = flow.inner_clients_peek(x).into_iter().next();
    }
    out
}

pub fn obj_name(flow: &Flow, o: ObjId) -> String {
    match flow.kind_of(o) {
        ObjKind::Alloc { ty, .. } | ObjKind::Sym { ty, .. } => flow.index.def(*ty).name.to_string(),
        ObjKind::Opaque { traits, .. } => {
            let names: Vec<String> = traits
                .iter()
                .map(|t| flow.index.def(*t).name.to_string())
                .collect();
            format!("dyn {}", names.join(" + "))
        }
        ObjKind::Closure { .. } | ObjKind::CallSite { .. } => "closure".into(),
        ObjKind::Presence(true) => "Some".into(),
        ObjKind::Presence(false) => "None".into(),
    }
}

fn first_facade(flow: &Flow, o: ObjId) -> Option<(ObjId, DefId)> {
    chain_objects(flow, o).into_iter().find_map(|x| {
        let ty = flow.ty_of(x)?;
        flow.model.facades.contains_key(&ty).then_some((x, ty))
    })
}

fn tracker_type_name(flow: &Flow, facade_ty: DefId) -> String {
    let fields = flow
        .model
        .facades
        .get(&facade_ty)
        .cloned()
        .unwrap_or_default();
    let module = flow.index.def(facade_ty).module;
    for f in flow.index.fields(facade_ty) {
        if fields.iter().any(|n| *n == f.name) {
            let t = flow.index.resolve_type(module, &f.ty, Some(facade_ty), &[]);
            if let Some(d) = innermost_adt(&t) {
                return flow.index.def(d).name.to_string();
            }
        }
    }
    "tracker".into()
}

fn innermost_adt(t: &Ty) -> Option<DefId> {
    match t {
        Ty::Adt(d) => Some(*d),
        Ty::External(_, args) | Ty::Tuple(args) => args.iter().find_map(innermost_adt),
        _ => None,
    }
}

/// The trackers of `o` itself, when it is a facade.
fn own_trackers(flow: &Flow, o: ObjId) -> BTreeSet<TrackerId> {
    let mut out = BTreeSet::new();
    let Some(fields) = flow.ty_of(o).and_then(|ty| flow.model.facades.get(&ty)) else {
        return out;
    };
    for f in fields {
        out.extend(
            flow.peek_field(o, f)
                .into_iter()
                .map(|v| TrackerId::Obj(v.obj)),
        );
    }
    if out.is_empty() {
        out.insert(TrackerId::Unseen(o));
    }
    out
}

/// A tagged value on one of the client's wrapper paths whose facade's trackers appear
/// neither above it on that path nor in its own chain: the tracker was lost there. A wrapper
/// around a lost client does not hide the loss (a namespace facade re-rooted on the raw
/// client the removal facade handed out); the deepest loss is the root cause.
fn lost_on_path(flow: &Flow, client: Value) -> Option<(Value, Vec<ObjId>)> {
    let mut todo = vec![(client, Vec::<ObjId>::new(), BTreeSet::<TrackerId>::new())];
    let mut seen = BTreeSet::new();
    let mut deepest: Option<(Value, Vec<ObjId>)> = None;
    while !todo.is_empty() {
        let (v, path, above) = todo.remove(0);
        if !seen.insert(v) || path.len() > 8 {
            continue;
        }
        if let Some(t) = v.tag {
            let before = trackers(flow, flow.tags.get(t).facade);
            let mut kept = above.clone();
            kept.extend(trackers(flow, v.obj));
            let deeper = deepest.as_ref().is_none_or(|d| path.len() > d.1.len());
            if !before.is_empty() && before.is_disjoint(&kept) && deeper {
                deepest = Some((v, path.clone()));
            }
        }
        let mut below = above.clone();
        below.extend(own_trackers(flow, v.obj).into_iter().filter(|_| {
            flow.ty_of(v.obj)
                .is_some_and(|t| flow.model.facades.contains_key(&t))
        }));
        let mut next_path = path.clone();
        next_path.push(v.obj);
        for inner in inner_client_values(flow, v.obj) {
            todo.push((inner, next_path.clone(), below.clone()));
        }
    }
    deepest
}

fn inner_client_values(flow: &Flow, o: ObjId) -> Vec<Value> {
    let Some(ty) = flow.ty_of(o) else {
        return Vec::new();
    };
    let mut out: Vec<Value> = flow
        .index
        .fields(ty)
        .iter()
        .flat_map(|f| flow.peek_field(o, &f.name))
        .filter(|v| flow.is_client(v.obj))
        .collect();
    out.sort();
    out.dedup();
    out
}

fn check(
    flow: &Flow,
    sites: &Sites,
    inst: Instance,
    registration: Span,
    client: Value,
) -> Option<Finding> {
    let after = trackers(flow, client.obj);
    if let Some((lost, path)) = lost_on_path(flow, client) {
        let tag = flow.tags.get(lost.tag?).clone();
        let (facade_obj, facade_ty) = first_facade(flow, tag.facade)?;
        let before = trackers(flow, tag.facade);
        // A facade of the same type but with other trackers above the loss: a re-wrap that
        // made a fresh tracker. Its construction inside the facade's impl is the bypass point.
        let rewrap = std::iter::once(client.obj)
            .chain(path.iter().copied())
            .chain(std::iter::once(lost.obj))
            .find(|o| {
                flow.ty_of(*o) == Some(facade_ty) && own_trackers(flow, *o).is_disjoint(&before)
            });
        let rewrap_site = rewrap.and_then(|o| construction_in_impl(flow, sites, o, facade_ty));
        let fresh = rewrap.is_some();
        let (bypass, bypass_in) = rewrap_site.unwrap_or((tag.bypass, tag.bypass_in));
        let kind = if fresh {
            FindingKind::FreshTracker
        } else if tag.bypass_kind == StepKind::Deref {
            FindingKind::Deref
        } else {
            FindingKind::Dropped
        };
        let obtained = tag
            .obtained
            .zip(tag.obtained_in)
            .map(|(span, body)| (span, body_owner_name(flow, body)));
        let created = creation_site(flow, sites, facade_obj);
        let mut hops = Vec::new();
        if let Some((_, body)) = created {
            hops.push(body_name(flow, body));
        }
        if let Some(b) = tag.obtained_in {
            hops.push(body_name(flow, b));
        }
        hops.push(body_name(flow, bypass_in));
        hops.push(body_name(flow, inst.body));
        hops.dedup();
        return Some(Finding {
            kind,
            bypass,
            registration,
            facade_created: created.map(|c| c.0),
            obtained,
            facade_ty: flow.index.def(facade_ty).name.to_string(),
            tracker_ty: tracker_type_name(flow, facade_ty),
            built_from: obj_name(flow, tag.built_from),
            chain_before: chain_names(flow, tag.facade),
            chain_after: path
                .iter()
                .map(|o| obj_name(flow, *o))
                .chain(chain_names(flow, lost.obj))
                .collect(),
            flow: hops,
            other_paths: 0,
            facade_is_entry: !matches!(flow.kind_of(facade_obj), ObjKind::Alloc { .. }),
            facade_def: Some(facade_ty),
            bypass_body: Some(bypass_in),
            bypass_step: tag.bypass_kind,
            bypass_item: body_name(flow, bypass_in),
            registration_item: body_name(flow, inst.body),
        });
    }
    foreign_client(flow, sites, inst, registration, client, &after)
}

/// A registration made inside an object that holds a removal facade, through a client that
/// did not come from anything that object holds.
fn foreign_client(
    flow: &Flow,
    sites: &Sites,
    inst: Instance,
    registration: Span,
    client: Value,
    after: &BTreeSet<TrackerId>,
) -> Option<Finding> {
    let mut enclosing = Vec::new();
    let mut todo: Vec<ObjId> = inst.ctx.into_iter().collect();
    while let Some(o) = todo.pop() {
        if enclosing.contains(&o) || enclosing.len() > 16 {
            continue;
        }
        enclosing.push(o);
        todo.extend(sites.creators(flow, o));
    }
    // Only a client whose source the analysis saw (a constructor, a static) can be called
    // foreign: an entry point's parameters may well be the facade's own inner client. A client
    // with a tracker of its own is not reported here: objects merged by the bounded contexts
    // could make one recipe's facade look like another's.
    if !known_origin(flow, client.obj, 0) || !after.is_empty() {
        return None;
    }
    let client_chain = chain_objects(flow, client.obj);
    for e in enclosing {
        if flow.is_client(e) {
            continue;
        }
        let held = registering_clients(flow, Value { obj: e, tag: None });
        let held_chains: BTreeSet<ObjId> = held
            .iter()
            .flat_map(|h| chain_objects(flow, h.obj))
            .collect();
        let Some(facade) = held.iter().find_map(|h| first_facade(flow, h.obj)) else {
            continue;
        };
        let expected = trackers(flow, facade.0);
        if expected.is_empty() || !expected.is_disjoint(after) {
            continue;
        }
        if client_chain.iter().any(|c| held_chains.contains(c)) {
            continue;
        }
        let (obtained_span, obtained_body) = obtaining_site(flow, sites, e, client.obj)?;
        let owner = flow
            .ty_of(e)
            .map(|t| flow.index.def(t).name.clone())
            .unwrap_or_default();
        let mut hops = vec![body_name(flow, obtained_body), body_name(flow, inst.body)];
        hops.dedup();
        return Some(Finding {
            kind: FindingKind::Foreign,
            bypass: obtained_span,
            registration,
            facade_created: creation_site(flow, sites, facade.0).map(|c| c.0),
            obtained: Some((obtained_span, owner.to_string())),
            facade_ty: flow.index.def(facade.1).name.to_string(),
            tracker_ty: tracker_type_name(flow, facade.1),
            built_from: obj_name(flow, client.obj),
            chain_before: chain_names(flow, facade.0),
            chain_after: chain_names(flow, client.obj),
            flow: hops,
            other_paths: 0,
            facade_is_entry: !matches!(flow.kind_of(facade.0), ObjKind::Alloc { .. }),
            facade_def: None,
            bypass_body: Some(obtained_body),
            bypass_step: StepKind::Call,
            bypass_item: body_name(flow, obtained_body),
            registration_item: body_name(flow, inst.body),
        });
    }
    None
}

fn known_origin(flow: &Flow, o: ObjId, depth: usize) -> bool {
    if depth > 8 {
        return false;
    }
    match flow.kind_of(o) {
        ObjKind::Alloc { .. } => true,
        ObjKind::Sym { origin, .. } | ObjKind::Opaque { origin, .. } => match origin {
            SymOrigin::Static(_) => true,
            SymOrigin::Return(_, Some(r)) => known_origin(flow, *r, depth + 1),
            _ => false,
        },
        ObjKind::Closure { .. } | ObjKind::CallSite { .. } | ObjKind::Presence(_) => false,
    }
}

/// What `o` was derived from, root first: results of calls on opaque clients name their
/// receiver; wrappers name their inner clients.
fn ancestry(flow: &Flow, o: ObjId) -> Vec<ObjId> {
    let mut out = vec![o];
    let mut cur = o;
    while out.len() < 8 {
        let next = match flow.kind_of(cur) {
            ObjKind::Sym {
                origin: SymOrigin::Return(_, Some(r)),
                ..
            }
            | ObjKind::Opaque {
                origin: SymOrigin::Return(_, Some(r)),
                ..
            } => Some(*r),
            _ => flow.inner_clients_peek(cur).into_iter().next(),
        };
        match next {
            Some(n) if !out.contains(&n) => {
                out.push(n);
                cur = n;
            }
            _ => break,
        }
    }
    out.reverse();
    out
}

/// Where a method of the facade's own type builds `o` (a call whose result holds it).
fn construction_in_impl(
    flow: &Flow,
    sites: &Sites,
    o: ObjId,
    facade_ty: DefId,
) -> Option<(Span, BodyId)> {
    sites
        .holding(o)
        .iter()
        .filter(|s| !s.is_path)
        .filter(|s| match s.inst.body {
            BodyId::Fn(f) => matches!(
                flow.index.fn_info(f).owner,
                FnOwner::Impl { self_def: Some(d), .. } if d == facade_ty
            ),
            BodyId::Static(_) => false,
        })
        .map(|s| (s.span, s.inst.body))
        .min()
}

/// Where the holder's own methods obtain `client` (or what it was derived from) from a call or
/// a path, the most original value first. Only the holder's own code counts: a builder's
/// method seen under the holder may be shared (by bounded contexts) with builders made
/// elsewhere, and what they obtain is not the holder's doing.
fn obtaining_site(
    flow: &Flow,
    sites: &Sites,
    holder: ObjId,
    client: ObjId,
) -> Option<(Span, BodyId)> {
    let holder_ty = flow.ty_of(holder);
    let own_method = |body: BodyId| match body {
        BodyId::Fn(f) => matches!(
            flow.index.fn_info(f).owner,
            FnOwner::Impl { self_def, .. } if self_def == holder_ty
        ),
        BodyId::Static(_) => false,
    };
    let under_holder = |inst: Instance| {
        inst.ctx == Some(holder)
            || inst
                .ctx
                .is_some_and(|c| sites.creators(flow, c).contains(&holder))
    };
    ancestry(flow, client)
        .into_iter()
        .enumerate()
        .flat_map(|(rank, w)| sites.holding(w).iter().map(move |s| (rank, s)))
        .filter(|(_, s)| s.untagged && own_method(s.inst.body) && under_holder(s.inst))
        .map(|(rank, s)| ((rank, s.span), s.inst.body))
        .min()
        .map(|((_, span), body)| (span, body))
}

/// Where the facade first appears as the result of a call, preferring code outside the
/// clients' own impls: where the recipe created it. Else its constructor's literal.
fn creation_site(flow: &Flow, sites: &Sites, facade: ObjId) -> Option<(Span, BodyId)> {
    let found = sites
        .holding(facade)
        .iter()
        .filter(|s| !s.is_path)
        .map(|s| ((flow.in_client_machinery(s.inst), s.span), s.inst.body))
        .min()
        .map(|((_, span), body)| (span, body));
    found.or_else(|| match flow.kind_of(facade) {
        ObjKind::Alloc { site, body, .. } => Some((*site, *body)),
        _ => None,
    })
}

pub fn body_name(flow: &Flow, b: BodyId) -> String {
    match b {
        BodyId::Fn(f) => flow.index.fn_name(f),
        BodyId::Static(s) => flow
            .index
            .def(flow.index.statics[s as usize].def)
            .name
            .to_string(),
    }
}

fn body_owner_name(flow: &Flow, b: BodyId) -> String {
    match b {
        BodyId::Fn(f) => match flow.index.fn_info(f).owner {
            FnOwner::Impl {
                self_def: Some(d), ..
            }
            | FnOwner::Trait(d) => flow.index.def(d).name.to_string(),
            _ => format!("`{}`", flow.index.fn_name(f)),
        },
        BodyId::Static(_) => body_name(flow, b),
    }
}
