//! Renders the facade audit: a terminal table, JSON, or Markdown for a pull-request comment.
//! Invariant: reads the audit and the source database only.

use crate::analysis::audit::FacadeAudit;
use crate::source::{SourceDb, Span};
use serde_json::json;
use std::io::Write;

fn location(db: &SourceDb, span: Span) -> String {
    let span = db.original_span(span);
    let file = db.get(span.file);
    let (line, col) = file.line_col(span.start as usize);
    format!("{}:{line}:{col}", file.name)
}

fn heading(a: &FacadeAudit) -> String {
    match &a.tracker {
        Some(t) => format!("{} (facade; tracker `{t}`)", a.facade),
        None => format!("{} (wraps a client; no rule names it a facade)", a.facade),
    }
}

pub fn render_table(
    out: &mut dyn Write,
    db: &SourceDb,
    audits: &[(String, FacadeAudit)],
) -> std::io::Result<()> {
    for (rule, a) in audits {
        writeln!(out, "{}  [{rule}]  {}", heading(a), location(db, a.span))?;
        let width = a
            .rows
            .iter()
            .map(|r| r.method.len())
            .max()
            .unwrap_or(6)
            .max(6);
        writeln!(
            out,
            "  {:<width$}  {:<12}  {:<13}  {:<40}  at",
            "method", "verdict", "via", "returns"
        )?;
        for r in &a.rows {
            writeln!(
                out,
                "  {:<width$}  {:<12}  {:<13}  {:<40}  {}",
                r.method,
                r.verdict.as_str(),
                r.via,
                r.returns,
                location(db, r.span)
            )?;
        }
        writeln!(out)?;
    }
    Ok(())
}

pub fn render_markdown(
    out: &mut dyn Write,
    db: &SourceDb,
    audits: &[(String, FacadeAudit)],
) -> std::io::Result<()> {
    writeln!(out, "## facadelint audit\n")?;
    for (rule, a) in audits {
        writeln!(
            out,
            "### {} — `{rule}` — `{}`\n",
            heading(a),
            location(db, a.span)
        )?;
        writeln!(
            out,
            "| method | verdict | via | returns | at |\n|---|---|---|---|---|"
        )?;
        for r in &a.rows {
            writeln!(
                out,
                "| `{}` | **{}** | {} | {} | `{}` |",
                r.method,
                r.verdict.as_str(),
                r.via,
                r.returns.replace('|', "\\|"),
                location(db, r.span)
            )?;
        }
        writeln!(out)?;
    }
    Ok(())
}

pub fn render_json(
    out: &mut dyn Write,
    db: &SourceDb,
    audits: &[(String, FacadeAudit)],
) -> std::io::Result<()> {
    let facades: Vec<_> = audits
        .iter()
        .map(|(rule, a)| {
            json!({
                "rule": rule,
                "facade": a.facade,
                "tracker": a.tracker,
                "location": location(db, a.span),
                "methods": a.rows.iter().map(|r| json!({
                    "method": r.method,
                    "verdict": r.verdict.as_str(),
                    "via": r.via,
                    "returns": r.returns,
                    "location": location(db, r.span),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    writeln!(
        out,
        "{}",
        serde_json::to_string_pretty(&json!({ "facades": facades }))
            .map_err(std::io::Error::other)?
    )
}
