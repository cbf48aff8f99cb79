//! The execution oracle for facadelint.
//!
//! [`program`] draws a Curator-style program from a seed (a random composition of
//! receivers, derivations, carriers and builders); [`emit`] prints it as a crate or a
//! two-crate workspace; [`exec`] builds and runs it — the program itself reports which
//! recipes' watches outlived their close, the ground truth; [`analyse`] runs facadelint on
//! the same files; [`check`] compares; [`minimize`] shrinks a disagreement; [`tally`] adds up
//! a run. Only programs generated here are ever built or run.

pub mod analyse;
pub mod check;
pub mod emit;
pub mod exec;
pub mod minimize;
pub mod program;
pub mod tally;
