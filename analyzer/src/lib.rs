//! facadelint: finds Curator-style facade bypasses (CURATOR-710) in Rust code.
//!
//! The pipeline, one module per stage (see ARCHITECTURE.md):
//! [`discover`] → [`load`] (read + [`parse`] + [`lower`]) → [`index`] (resolve) →
//! [`analysis`] (model → flow → findings) → [`report`] → [`diag`] renderers. [`cli`] owns the
//! command line and exit codes; nothing below it prints or exits.

pub mod alloc;
pub mod analysis;
pub mod baseline;
pub mod cli;
pub mod config;
pub mod diag;
pub mod discover;
pub mod expand;
pub mod fix;
pub mod guard;
pub mod hir;
pub mod index;
pub mod load;
pub mod lower;
pub mod parse;
pub mod pipeline;
pub mod prefilter;
pub mod render_audit;
pub mod render_graph;
pub mod render_json;
pub mod render_sarif;
pub mod report;
pub mod rules;
pub mod source;
pub mod suppress;
