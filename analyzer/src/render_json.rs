//! Machine-readable output: one JSON object per line in cargo's envelope
//! (`{"reason":"compiler-message", …, "message": <rustc diagnostic JSON>}`), then a
//! `build-finished` line, so editors (rust-analyzer's `check.overrideCommand`) show findings
//! inline. Invariant: built only from the public [`Diagnostic`] model and the source database.

use crate::diag::{render_plain, Diagnostic, Label};
use crate::load::LoadedCrate;
use crate::source::SourceDb;
use serde_json::{json, Value};
use std::io::Write;

/// Which crate each file belongs to, for the envelope's `package_id` and `target`.
pub struct Owners<'a> {
    pub crates: &'a [LoadedCrate],
    pub file_owner: &'a [Option<usize>],
}

pub fn render_json(
    out: &mut dyn Write,
    db: &SourceDb,
    owners: &Owners,
    diagnostics: &[Diagnostic],
    explanation: &dyn Fn(&str) -> Option<String>,
) -> std::io::Result<()> {
    for d in diagnostics {
        let krate = d
            .primary_span()
            .and_then(|s| owners.file_owner.get(s.file).copied().flatten())
            .and_then(|c| owners.crates.get(c));
        let envelope = json!({
            "reason": "compiler-message",
            "package_id": krate.and_then(|c| c.package_id.clone()),
            "manifest_path": krate.and_then(|c| c.manifest.as_ref()).map(|m| m.display().to_string()),
            "target": krate.map(|c| target(db, c)),
            "message": message(db, d, explanation),
        });
        writeln!(out, "{envelope}")?;
    }
    let success = !diagnostics
        .iter()
        .any(|d| d.level == crate::diag::Level::Error);
    writeln!(
        out,
        "{}",
        json!({"reason": "build-finished", "success": success})
    )
}

fn target(db: &SourceDb, c: &LoadedCrate) -> Value {
    let kind = if c.kind == "file" {
        "lib"
    } else {
        c.kind.as_str()
    };
    json!({
        "kind": [kind],
        "crate_types": [if kind == "lib" { "lib" } else { "bin" }],
        "name": c.target_name,
        "src_path": db.get(c.root).path.display().to_string(),
        "edition": c.edition,
        "doc": kind == "lib",
        "doctest": kind == "lib",
        "test": true,
    })
}

fn message(db: &SourceDb, d: &Diagnostic, explanation: &dyn Fn(&str) -> Option<String>) -> Value {
    let children: Vec<Value> = d
        .notes
        .iter()
        .map(|n| child("note", n))
        .chain(d.helps.iter().map(|h| {
            let mut c = child("help", h);
            if let Some(s) = &d.suggestion {
                let label = Label {
                    span: s.span,
                    message: String::new(),
                    primary: true,
                };
                let mut sp = span(db, &label);
                sp["suggested_replacement"] = Value::from(s.replacement.clone());
                sp["suggestion_applicability"] = Value::from(s.applicability.as_str());
                c["spans"] = Value::Array(vec![sp]);
            }
            c
        }))
        .collect();
    json!({
        "$message_type": "diagnostic",
        "message": d.message,
        "code": {"code": d.code, "explanation": explanation(&d.code)},
        "level": d.level.as_str(),
        "spans": d.labels.iter().map(|l| span(db, l)).collect::<Vec<_>>(),
        "children": children,
        "rendered": render_plain(db, d),
    })
}

fn child(level: &str, text: &str) -> Value {
    json!({
        "message": text,
        "code": null,
        "level": level,
        "spans": [],
        "children": [],
        "rendered": null,
    })
}

fn span(db: &SourceDb, label: &Label) -> Value {
    let file = db.get(label.span.file);
    let (line_start, column_start) = file.line_col(label.span.start as usize);
    let (line_end, column_end) = file.line_col(label.span.end as usize);
    let text: Vec<Value> = (line_start..=line_end)
        .map(|line| {
            let start = file.line_start(line - 1);
            let end = file.line_start(line).min(file.text.len());
            let line_text = file.text.get(start..end).unwrap_or("").trim_end_matches(['\n', '\r']);
            let highlight_start = if line == line_start { column_start } else { 1 };
            let highlight_end = if line == line_end {
                column_end
            } else {
                line_text.chars().count() + 1
            };
            json!({"text": line_text, "highlight_start": highlight_start, "highlight_end": highlight_end})
        })
        .collect();
    json!({
        "file_name": file.name,
        "byte_start": label.span.start,
        "byte_end": label.span.end,
        "line_start": line_start,
        "line_end": line_end,
        "column_start": column_start,
        "column_end": column_end,
        "is_primary": label.primary,
        "label": if label.message.is_empty() { Value::Null } else { Value::from(label.message.clone()) },
        "text": text,
        "expansion": null,
        "suggested_replacement": null,
        "suggestion_applicability": null,
    })
}
