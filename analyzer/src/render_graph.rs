//! `--graph dot|mermaid FILE`: each finding as a subgraph of its path (facade created →
//! obtained by the builder → bypass → registered) beside the wrapper chains before and after,
//! with the bypass edge highlighted. Invariant: built from the public `Diagnostic` model.

use crate::diag::Diagnostic;
use crate::source::SourceDb;
use std::fmt::Write;

fn at(db: &SourceDb, d: &crate::diag::Label) -> String {
    let file = db.get(d.span.file);
    let (line, col) = file.line_col(d.span.start as usize);
    format!("{}:{line}:{col}", file.name)
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn findings(diagnostics: &[Diagnostic]) -> impl Iterator<Item = &Diagnostic> {
    diagnostics.iter().filter(|d| d.is_finding)
}

pub fn dot(db: &SourceDb, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::from(
        "digraph facadelint {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n",
    );
    for (i, d) in findings(diagnostics).enumerate() {
        let primary = d.labels.iter().find(|l| l.primary);
        let title = primary.map(|p| at(db, p)).unwrap_or_default();
        let _ = writeln!(
            out,
            "  subgraph cluster_{i} {{\n    label=\"{}: {}\";",
            escape(&d.code),
            escape(&title)
        );
        let steps = d.flow_order();
        for (j, l) in steps.iter().enumerate() {
            let style = if l.primary {
                ", color=red, penwidth=2"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "    f{i}_{j} [label=\"{}\\n{}\"{style}];",
                escape(&l.message),
                escape(&at(db, l))
            );
        }
        for (j, step) in steps.iter().enumerate().skip(1) {
            let into_bypass = step.primary;
            let style = if into_bypass {
                " [color=red, penwidth=2, label=\"bypass\"]"
            } else {
                ""
            };
            let _ = writeln!(out, "    f{i}_{} -> f{i}_{j}{style};", j - 1);
        }
        if let Some((before, after)) = &d.chains {
            for (name, chain) in [("before", before), ("after", after)] {
                for (k, t) in chain.iter().enumerate() {
                    let _ = writeln!(
                        out,
                        "    c{i}_{name}{k} [label=\"{}\", shape=ellipse];",
                        escape(t)
                    );
                    if k > 0 {
                        let _ = writeln!(
                            out,
                            "    c{i}_{name}{} -> c{i}_{name}{k} [label=\"wraps\"];",
                            k - 1
                        );
                    }
                }
            }
            if !before.is_empty() && !after.is_empty() {
                let _ = writeln!(out, "    c{i}_before0 -> c{i}_after0 [style=dashed, color=red, label=\"derived, tracker lost\"];");
            }
        }
        out.push_str("  }\n");
    }
    out.push_str("}\n");
    out
}

pub fn mermaid(db: &SourceDb, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::from("flowchart LR\n");
    let mut edge = 0usize;
    let mut red_edges = Vec::new();
    let quote = |s: &str| s.replace('"', "#quot;").replace('`', "'");
    for (i, d) in findings(diagnostics).enumerate() {
        let primary = d.labels.iter().find(|l| l.primary);
        let title = primary.map(|p| at(db, p)).unwrap_or_default();
        let _ = writeln!(
            out,
            "  subgraph f{i}[\"{}: {}\"]",
            quote(&d.code),
            quote(&title)
        );
        let steps = d.flow_order();
        for (j, l) in steps.iter().enumerate() {
            let _ = writeln!(
                out,
                "    f{i}_{j}[\"{}<br/>{}\"]",
                quote(&l.message),
                quote(&at(db, l))
            );
        }
        for (j, step) in steps.iter().enumerate().skip(1) {
            if step.primary {
                let _ = writeln!(out, "    f{i}_{} -->|bypass| f{i}_{j}", j - 1);
                red_edges.push(edge);
            } else {
                let _ = writeln!(out, "    f{i}_{} --> f{i}_{j}", j - 1);
            }
            edge += 1;
        }
        if let Some((before, after)) = &d.chains {
            for (name, chain) in [("before", before), ("after", after)] {
                for (k, t) in chain.iter().enumerate() {
                    let _ = writeln!(out, "    c{i}_{name}{k}([\"{}\"])", quote(t));
                    if k > 0 {
                        let _ = writeln!(out, "    c{i}_{name}{} -->|wraps| c{i}_{name}{k}", k - 1);
                        edge += 1;
                    }
                }
            }
            if !before.is_empty() && !after.is_empty() {
                let _ = writeln!(
                    out,
                    "    c{i}_before0 -.->|derived, tracker lost| c{i}_after0"
                );
                red_edges.push(edge);
                edge += 1;
            }
        }
        for (j, step) in steps.iter().enumerate() {
            if step.primary {
                let _ = writeln!(out, "    style f{i}_{j} stroke:#d00,stroke-width:3px");
            }
        }
        out.push_str("  end\n");
    }
    for e in red_edges {
        let _ = writeln!(out, "  linkStyle {e} stroke:#d00,stroke-width:3px");
    }
    out
}
