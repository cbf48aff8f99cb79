//! SARIF 2.1.0 output for code scanning: one rule per facadelint rule (with its docs as help),
//! one result per diagnostic, the bypass path as a `codeFlow`, file locations relative to
//! `%SRCROOT%` (the working directory). Invariant: built only from the public [`Diagnostic`]
//! model, the rules and the source database.

use crate::diag::{Diagnostic, Label, Level};
use crate::rules::{Rule, RuleLevel};
use crate::source::SourceDb;
use serde_json::{json, Value};
use std::io::Write;
use std::path::Path;

pub fn render_sarif(
    out: &mut dyn Write,
    db: &SourceDb,
    diagnostics: &[Diagnostic],
    rules: &[Rule],
    root: &Path,
) -> std::io::Result<()> {
    let rule_objects: Vec<Value> = rules.iter().map(rule).collect();
    let results: Vec<Value> = diagnostics
        .iter()
        .map(|d| result(db, d, rules.iter().position(|r| r.id == d.code)))
        .collect();
    let root_uri = format!(
        "file://{}/",
        root.display().to_string().trim_end_matches('/')
    );
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "facadelint",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://crates.io/crates/facadelint",
                "rules": rule_objects,
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": root_uri}},
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    });
    let text = serde_json::to_string_pretty(&doc).map_err(std::io::Error::other)?;
    writeln!(out, "{text}")
}

fn level(l: RuleLevel) -> &'static str {
    match l {
        RuleLevel::Error => "error",
        RuleLevel::Warning => "warning",
        RuleLevel::Allow => "none",
    }
}

fn rule(r: &Rule) -> Value {
    json!({
        "id": r.id,
        "name": r.id,
        "shortDescription": {"text": r.summary},
        "fullDescription": {"text": r.summary},
        "help": {"text": r.docs, "markdown": r.docs},
        "defaultConfiguration": {"level": level(r.level)},
    })
}

fn result(db: &SourceDb, d: &Diagnostic, rule_index: Option<usize>) -> Value {
    let mut message = d.message.clone();
    for n in &d.notes {
        message.push_str(&format!("\nnote: {n}"));
    }
    for h in &d.helps {
        message.push_str(&format!("\nhelp: {h}"));
    }
    let mut r = json!({
        "ruleId": d.code,
        "level": match d.level { Level::Error => "error", Level::Warning => "warning", Level::Note => "note" },
        "message": {"text": message},
    });
    if let Some(i) = rule_index {
        r["ruleIndex"] = json!(i);
    }
    if let Some(key) = &d.key {
        r["partialFingerprints"] = json!({"facadelint/v1": key});
    }
    if let Some(primary) = d.labels.iter().find(|l| l.primary) {
        r["locations"] = json!([location(db, primary)]);
    }
    let related: Vec<Value> = d
        .labels
        .iter()
        .filter(|l| !l.primary)
        .enumerate()
        .map(|(i, l)| {
            let mut loc = location(db, l);
            loc["id"] = json!(i + 1);
            loc
        })
        .collect();
    if !related.is_empty() {
        r["relatedLocations"] = json!(related);
    }
    if d.is_finding && d.labels.len() > 1 {
        let steps: Vec<Value> = d
            .flow_order()
            .into_iter()
            .map(|l| json!({"location": location(db, l)}))
            .collect();
        r["codeFlows"] = json!([{"threadFlows": [{"locations": steps}]}]);
    }
    r
}

fn location(db: &SourceDb, l: &Label) -> Value {
    let file = db.get(l.span.file);
    let (start_line, start_col) = file.line_col(l.span.start as usize);
    let (end_line, end_col) = file.line_col(l.span.end as usize);
    let relative = !Path::new(&file.name).is_absolute();
    let artifact = if relative {
        json!({"uri": file.name, "uriBaseId": "%SRCROOT%"})
    } else {
        json!({"uri": format!("file://{}", file.name)})
    };
    json!({
        "physicalLocation": {
            "artifactLocation": artifact,
            "region": {
                "startLine": start_line,
                "startColumn": start_col,
                "endLine": end_line,
                "endColumn": end_col,
            },
        },
        "message": {"text": l.message},
    })
}
