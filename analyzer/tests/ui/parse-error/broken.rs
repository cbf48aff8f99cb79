// A half-written file with a syntax error: reported at its position, the other files still analysed.
pub fn half_written(client: &dyn crate::leak::CuratorFramework) -> usize {
    let n = client.len(
    n
}
