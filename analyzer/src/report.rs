//! Report: turns findings into diagnostics (labels across files, notes, a suggested fix).
//!
//! Invariant: reads findings and source text only; the suggested code is generated with
//! `quote` from the facade's real declarations and is never applied here.

use crate::analysis::findings::{Finding, FindingKind};
use crate::diag::{Applicability, Diagnostic, Level, Suggestion};
use crate::index::{DefId, DefKind, FnOwner, Index, Ty};
use crate::rules::{Rule, RuleLevel};
use crate::source::SourceDb;

pub fn finding_diagnostic(db: &SourceDb, index: &Index, rule: &Rule, f: &Finding) -> Diagnostic {
    let level = match rule.level {
        RuleLevel::Warning => Level::Warning,
        _ => Level::Error,
    };
    let facade = &f.facade_ty;
    let message = format!(
        "{} through a client that bypasses `{facade}`",
        registration_noun(rule)
    );
    let primary = match f.kind {
        FindingKind::Dropped => format!(
            "returns a client built from the inner `{}`, dropping `{facade}`",
            f.built_from
        ),
        FindingKind::Deref => format!(
            "auto-deref through `impl Deref for {facade}` reaches the inner `{}`, dropping `{facade}`",
            f.built_from
        ),
        FindingKind::FreshTracker => format!(
            "re-wraps with a fresh `{}` instead of sharing this facade's tracker",
            f.tracker_ty
        ),
        FindingKind::Foreign => format!(
            "this `{}` comes from elsewhere, not from the `{facade}` the enclosing code holds",
            f.built_from
        ),
    };
    let mut d = Diagnostic::new(level, rule.id.clone(), message).with_primary(f.bypass, primary);
    d.is_finding = true;
    d.key = Some(format!(
        "{}|{}|{}|{}",
        rule.id,
        db.get(db.original_span(f.bypass).file).name,
        f.bypass_item,
        f.registration_item
    ));
    if let Some(created) = f.facade_created {
        d = d.with_secondary(
            created,
            format!("`{facade}` created here; its tracker is `{}`", f.tracker_ty),
        );
    }
    if let Some((span, owner)) = &f.obtained {
        if *span != f.bypass {
            d = d.with_secondary(
                *span,
                format!("`{owner}` obtains the bypassing client here"),
            );
        }
    }
    d = d.with_secondary(
        f.registration,
        format!(
            "registered here, outside `{}`: it will never be removed with the facade's watches",
            f.tracker_ty
        ),
    );
    let holder = match f.kind {
        FindingKind::Foreign => "chain the enclosing code holds",
        _ => "chain before the bypass",
    };
    d = d
        .with_note(format!("{holder}: {}", f.chain_before.join(" -> ")))
        .with_note(format!(
            "chain at registration: {}",
            f.chain_after.join(" -> ")
        ))
        .with_note(format!("path: {}", f.flow.join(" -> ")));
    let unseen: Vec<&String> = f
        .chain_before
        .iter()
        .chain(&f.chain_after)
        .filter(|n| n.starts_with("dyn "))
        .collect();
    if let Some(name) = unseen.first() {
        d = d.with_note(format!(
            "`{name}` stands for a client whose concrete type comes from outside the analysed code"
        ));
    }
    if f.facade_is_entry {
        d = d.with_note(format!(
            "the `{facade}` comes from a caller outside the analysed code (analysed as an entry point)"
        ));
    }
    if f.other_paths > 0 {
        d = d.with_note(format!(
            "{} more path{} this registration through the same bypass point",
            f.other_paths,
            if f.other_paths == 1 {
                " reaches"
            } else {
                "s reach"
            }
        ));
    }
    let _ = db;
    d.chains = Some((f.chain_before.clone(), f.chain_after.clone()));
    match suggestion(db, index, f) {
        Some(code) => {
            let applicability = if is_whole_return(db, f.bypass) {
                Applicability::MachineApplicable
            } else {
                Applicability::MaybeIncorrect
            };
            d.suggestion = Some(Suggestion {
                span: f.bypass,
                replacement: code.clone(),
                applicability,
            });
            d.with_help(format!(
                "re-wrap the result so that it shares this facade's tracker:\n    {code}"
            ))
        }
        None => d.with_help(match f.kind {
            FindingKind::Foreign => format!(
                "obtain the client from the enclosing `{facade}` (or re-wrap it with the same `{}`)",
                f.tracker_ty
            ),
            FindingKind::Deref => format!(
                "override this method on `{facade}` and re-wrap its result so that it shares the tracker"
            ),
            _ => format!(
                "re-wrap the result in a `{facade}` that shares this facade's `{}`",
                f.tracker_ty
            ),
        }),
    }
}

fn registration_noun(rule: &Rule) -> &'static str {
    if rule
        .registrations
        .iter()
        .any(|r| r.method.contains("watch"))
    {
        "watch registered"
    } else {
        "registration made"
    }
}

/// `Facade::ctor(<bypass expression>, Arc::clone(&self.tracker))` when the facade has a
/// constructor taking an inner client and its tracker; a struct literal when its only fields
/// are those two.
fn suggestion(db: &SourceDb, index: &Index, f: &Finding) -> Option<String> {
    let rewrappable = matches!(f.kind, FindingKind::Dropped | FindingKind::FreshTracker)
        && f.bypass_step == crate::analysis::objects::StepKind::Call;
    // Code a macro wrote cannot be edited where it is reported.
    if !rewrappable || db.is_expansion(f.bypass.file) {
        return None;
    }
    let facade = f.facade_def?;
    let body = f.bypass_body?;
    let crate::analysis::objects::BodyId::Fn(bypass_fn) = body else {
        return None;
    };
    // Only inside the facade's own method can `self.<tracker>` be named.
    match index.fn_info(bypass_fn).owner {
        FnOwner::Impl {
            self_def: Some(d), ..
        } if d == facade => {}
        _ => return None,
    }
    let text = db.get(f.bypass.file).text.get(f.bypass.range())?;
    // The bypass expression must be an expression; it goes into the suggestion as written
    // (only the code around it is generated), so nothing in it is re-spelled.
    syn::parse_str::<syn::Expr>(text).ok()?;
    let expr = quote::format_ident!("{PLACEHOLDER}");
    let module = index.def(facade).module;
    let fields = index.fields(facade);
    let tracker_field = fields.iter().find(|fd| {
        let t = index.resolve_type(module, &fd.ty, Some(facade), &[]);
        type_name(index, &t).is_some_and(|n| n == f.tracker_ty)
    })?;
    let tracker_ident = syn::parse_str::<syn::Ident>(&tracker_field.name).ok()?;
    let tracker_ty = index.resolve_type(module, &tracker_field.ty, Some(facade), &[]);
    let tracker_expr = match shared_pointer(&tracker_ty) {
        Some("Arc") => quote::quote!(std::sync::Arc::clone(&self.#tracker_ident)),
        Some("Rc") => quote::quote!(std::rc::Rc::clone(&self.#tracker_ident)),
        _ => quote::quote!(self.#tracker_ident.clone()),
    };
    let facade_ident = syn::parse_str::<syn::Ident>(&index.def(facade).name).ok()?;
    // The declared return type, through aliases (`type ClientHandle = Arc<dyn ..>`), says
    // how the re-wrapped facade is returned: inside `Ok`/`Some` (the inner call then needs
    // `?`), and boxed in the same smart pointer.
    let info = index.fn_info(bypass_fn);
    let ret = index.resolve_type(info.module, &info.def.ret, Some(facade), &info.generics);
    let (pointer_ty, carrier) = match &ret {
        Ty::External(name, args) if name == "Result" => (args.first(), Some(quote::quote!(Ok))),
        Ty::External(name, args) if name == "Option" => (args.first(), Some(quote::quote!(Some))),
        other => (Some(other), None),
    };
    // What the generated expression already is: the facade itself, or a smart pointer to
    // it when the constructor returns one (`fn sharing(..) -> Arc<Self>`).
    let (built, built_pointer) = match constructor(index, facade, &f.tracker_ty) {
        Some((ctor, tracker_first, ctor_ret)) => {
            let built_pointer = match &ctor_ret {
                Ty::Adt(d) if *d == facade => None,
                Ty::External(_, args)
                    if shared_pointer(&ctor_ret).is_some()
                        && matches!(args.as_slice(), [Ty::Adt(d)] if *d == facade) =>
                {
                    shared_pointer(&ctor_ret)
                }
                // A constructor returning anything else (`Result<Self, _>`) would need more
                // than a re-wrap: no suggestion rather than one that does not type-check.
                _ => return None,
            };
            let ctor = syn::parse_str::<syn::Ident>(&ctor).ok()?;
            let built = if tracker_first {
                quote::quote!(#facade_ident::#ctor(#tracker_expr, #expr))
            } else {
                quote::quote!(#facade_ident::#ctor(#expr, #tracker_expr))
            };
            (built, built_pointer)
        }
        None if fields.len() == 2 => {
            let client_field = fields.iter().find(|fd| fd.name != tracker_field.name)?;
            let client_ident = syn::parse_str::<syn::Ident>(&client_field.name).ok()?;
            let built = quote::quote!(#facade_ident { #client_ident: #expr, #tracker_ident: #tracker_expr });
            (built, None)
        }
        None => return None,
    };
    let wanted_pointer = pointer_ty.and_then(shared_pointer);
    let boxed = match (built_pointer, wanted_pointer) {
        (Some(have), Some(want)) if have == want => built,
        (Some(_), _) => return None,
        (None, Some("Arc")) => quote::quote!(std::sync::Arc::new(#built)),
        (None, Some("Rc")) => quote::quote!(std::rc::Rc::new(#built)),
        (None, Some("Box")) => quote::quote!(Box::new(#built)),
        (None, _) => built,
    };
    let has_carrier = carrier.is_some();
    let code = match carrier {
        Some(carrier) => quote::quote!(#carrier(#boxed)),
        None => boxed,
    };
    let inner = if has_carrier {
        format!("{text}?")
    } else {
        text.to_string()
    };
    Some(tidy(&code.to_string()).replace(PLACEHOLDER, &inner))
}

/// Stands for the bypass expression in generated code until its text is put back.
const PLACEHOLDER: &str = "__facadelint_bypass_expression__";

/// The smart pointer a resolved type is (`Arc<..>`, `Rc<..>`, `Box<..>`), if any.
fn shared_pointer(t: &Ty) -> Option<&'static str> {
    match t {
        Ty::External(name, _) => ["Arc", "Rc", "Box"].into_iter().find(|p| name == p),
        _ => None,
    }
}

/// Whether the span is the whole tail expression of its function body (only blanks and
/// comments between it and the braces): replacing it then changes nothing else.
fn is_whole_return(db: &SourceDb, span: crate::source::Span) -> bool {
    let text = &db.get(span.file).text;
    let before = strip_comments(&text[..span.start as usize]);
    let after = strip_comments(&text[span.end as usize..]);
    before.trim_end().ends_with('{') && after.trim_start().starts_with('}')
}

/// The text with `//` comments blanked (enough for the neighbourhood of one expression).
fn strip_comments(s: &str) -> String {
    s.lines()
        .map(|l| l.split_once("//").map(|(code, _)| code).unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `quote` prints tokens with spaces everywhere; close them up the way rustfmt would.
fn tidy(s: &str) -> String {
    let mut out = s.to_string();
    for (from, to) in [
        (" :: ", "::"),
        (" : ", ": "),
        (" (", "("),
        ("( ", "("),
        (" )", ")"),
        (" ,", ","),
        ("& ", "&"),
        (" . ", "."),
        ("! (", "!("),
        (" ?", "?"),
    ] {
        out = out.replace(from, to);
    }
    out
}

fn type_name(index: &Index, t: &Ty) -> Option<String> {
    match t {
        Ty::Adt(d) => Some(index.def(*d).name.to_string()),
        Ty::External(_, args) => args.iter().find_map(|a| type_name(index, a)),
        _ => None,
    }
}

/// An associated function of the facade taking (client, tracker) or (tracker, client): its
/// name, whether the tracker comes first, and its declared result.
fn constructor(index: &Index, facade: DefId, tracker_ty: &str) -> Option<(String, bool, Ty)> {
    let impls = index.impls_of.get(&facade)?;
    for &i in impls {
        let imp = &index.impls[i];
        if imp.trait_def.is_some() || imp.trait_path.is_some() {
            continue;
        }
        for &m in &imp.methods {
            let info = index.fn_info(m);
            if info.def.has_self || info.def.params.len() != 2 {
                continue;
            }
            let names: Vec<Option<String>> = info
                .def
                .params
                .iter()
                .map(|p| {
                    type_name(
                        index,
                        &index.resolve_type(info.module, &p.ty, Some(facade), &info.generics),
                    )
                })
                .collect();
            let is_tracker = |n: &Option<String>| n.as_deref() == Some(tracker_ty);
            let ret =
                || index.resolve_type(info.module, &info.def.ret, Some(facade), &info.generics);
            if is_tracker(&names[1]) && !is_tracker(&names[0]) {
                return Some((info.def.name.to_string(), false, ret()));
            }
            if is_tracker(&names[0]) && !is_tracker(&names[1]) {
                return Some((info.def.name.to_string(), true, ret()));
            }
        }
    }
    let _ = DefKind::Static;
    None
}
