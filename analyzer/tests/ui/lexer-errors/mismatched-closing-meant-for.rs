// The call's parenthesis is never closed: the `}` was meant for the function's `{`.
pub fn half_written(c: &[u8]) -> usize {
    let n = c.len(
    n
}
