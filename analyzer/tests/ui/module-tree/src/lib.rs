//! Module discovery: `mod.rs`, nested files, `#[path]`, inline modules and a missing file.
pub mod a;
#[path = "other/renamed.rs"]
pub mod x;
pub mod c {
    pub mod d;
}
#[cfg(any())]
pub mod gated;
pub mod gone;
