//! Benchmarks for facadelint.
//!
//! - [`floor`]: the parse-only baseline (`parse-floor`): walk, read and `syn::parse_file`
//!   every `.rs` file in parallel, nothing else. facadelint cannot be faster than this.
//! - [`gen`]: a generator of Curator-style Cargo workspaces of a given size with planted
//!   CURATOR-710 leaks and a manifest of them (`gen-workspace`).

pub mod floor;
pub mod gen;
