//! The one diagnostic model every stage emits and every renderer reads.
//!
//! Invariant: diagnostics are plain data (no references into syntax trees); their order in
//! output is decided only by [`Diagnostic::sort_key`], never by the order stages produced them.

use crate::source::{SourceDb, Span};
use codespan_reporting::diagnostic as cs;
use codespan_reporting::term::{self, termcolor::WriteColor};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Error,
    Warning,
    Note,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "note",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
    pub primary: bool,
}

/// Whether a suggested replacement can be applied without a human looking (rustc's terms).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applicability {
    MachineApplicable,
    MaybeIncorrect,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::MachineApplicable => "MachineApplicable",
            Applicability::MaybeIncorrect => "MaybeIncorrect",
        }
    }
}

/// Replace the text of `span` with `replacement`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suggestion {
    pub span: Span,
    pub replacement: String,
    pub applicability: Applicability,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub level: Level,
    /// Rule id or an error code such as `parse-error`.
    pub code: String,
    pub message: String,
    pub labels: Vec<Label>,
    pub notes: Vec<String>,
    pub helps: Vec<String>,
    /// Findings are what the exit code counts; input and internal errors are not findings.
    pub is_finding: bool,
    /// A finding's identity that survives unrelated edits (no line numbers): for baselines
    /// and SARIF fingerprints.
    pub key: Option<String>,
    /// The fix the `help:` describes, when it can be written as a replacement.
    pub suggestion: Option<Suggestion>,
    /// A finding's wrapper chains before the bypass and at the registration (for graphs).
    pub chains: Option<(Vec<String>, Vec<String>)>,
}

impl Diagnostic {
    pub fn new(level: Level, code: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            level,
            code: code.into(),
            message: message.into(),
            labels: Vec::new(),
            notes: Vec::new(),
            helps: Vec::new(),
            is_finding: false,
            key: None,
            suggestion: None,
            chains: None,
        }
    }

    pub fn error(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Level::Error, code, message)
    }

    pub fn warning(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Level::Warning, code, message)
    }

    pub fn with_primary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
            primary: true,
        });
        self
    }

    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
            primary: false,
        });
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.helps.push(help.into());
        self
    }

    /// The labels in the order the finding's path visits them: where the facade was created,
    /// where the client was obtained, the bypass point, then the registration (labels are
    /// stored primary first, then secondaries in path order with the registration last).
    pub fn flow_order(&self) -> Vec<&Label> {
        let primary = self.labels.iter().filter(|l| l.primary);
        let mut secondary: Vec<&Label> = self.labels.iter().filter(|l| !l.primary).collect();
        let last = secondary.pop();
        secondary.into_iter().chain(primary).chain(last).collect()
    }

    /// Points spans inside macro expansions at the code that was written (the invocation);
    /// a suggestion there is dropped, since no text of the expansion can be edited.
    pub fn map_expansions(&mut self, db: &SourceDb) {
        for label in &mut self.labels {
            label.span = db.original_span(label.span);
        }
        if self
            .suggestion
            .as_ref()
            .is_some_and(|s| db.is_expansion(s.span.file))
        {
            self.suggestion = None;
        }
    }

    pub fn primary_span(&self) -> Option<Span> {
        self.labels.iter().find(|l| l.primary).map(|l| l.span)
    }

    /// Output order: by file, line, column (of the primary span), then code and message.
    pub fn sort_key(&self, db: &SourceDb) -> (String, u32, String, String, Vec<Span>) {
        let (file, start) = match self.primary_span() {
            Some(span) => (db.get(span.file).name.clone(), span.start),
            None => (String::new(), 0),
        };
        let others = self.labels.iter().map(|l| l.span).collect();
        (file, start, self.code.clone(), self.message.clone(), others)
    }

    fn to_codespan(&self) -> cs::Diagnostic<usize> {
        let severity = match self.level {
            Level::Error => cs::Severity::Error,
            Level::Warning => cs::Severity::Warning,
            Level::Note => cs::Severity::Note,
        };
        let labels = self
            .labels
            .iter()
            .map(|l| {
                let label = if l.primary {
                    cs::Label::primary(l.span.file, l.span.range())
                } else {
                    cs::Label::secondary(l.span.file, l.span.range())
                };
                label.with_message(l.message.clone())
            })
            .collect();
        let notes = self
            .notes
            .iter()
            .map(|n| format!("note: {n}"))
            .chain(self.helps.iter().map(|h| format!("help: {h}")))
            .collect();
        cs::Diagnostic::new(severity)
            .with_code(self.code.clone())
            .with_message(self.message.clone())
            .with_labels(labels)
            .with_notes(notes)
    }
}

/// The rustc-like look: ASCII frame characters, as rustc prints them.
fn human_config() -> term::Config {
    term::Config {
        chars: term::Chars::ascii(),
        ..term::Config::default()
    }
}

/// Renders diagnostics in rustc's human format.
pub fn render_human(
    out: &mut dyn WriteColor,
    db: &SourceDb,
    diagnostics: &[Diagnostic],
) -> std::io::Result<()> {
    let config = human_config();
    for d in diagnostics {
        term::emit(out, &config, db, &d.to_codespan()).map_err(to_io)?;
    }
    Ok(())
}

/// Renders one diagnostic to a plain string (for JSON `rendered` fields and tests).
pub fn render_plain(db: &SourceDb, diagnostic: &Diagnostic) -> String {
    let mut buf = term::termcolor::NoColor::new(Vec::new());
    let _ = term::emit(&mut buf, &human_config(), db, &diagnostic.to_codespan());
    String::from_utf8_lossy(&buf.into_inner()).into_owned()
}

/// Renders diagnostics one line each: `file:line:col: level[code]: message`.
pub fn render_short(
    out: &mut dyn WriteColor,
    db: &SourceDb,
    diagnostics: &[Diagnostic],
) -> std::io::Result<()> {
    let config = term::Config {
        display_style: term::DisplayStyle::Short,
        ..human_config()
    };
    for d in diagnostics {
        term::emit(out, &config, db, &d.to_codespan()).map_err(to_io)?;
    }
    Ok(())
}

fn to_io(e: codespan_reporting::files::Error) -> std::io::Error {
    match e {
        codespan_reporting::files::Error::Io(io) => io,
        other => std::io::Error::other(other.to_string()),
    }
}
