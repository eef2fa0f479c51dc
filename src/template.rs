//! The blank 申报书 (`shenbao template`), written with rust_xlsxwriter.

/// placeholder until the template branch lands
pub fn write_template(call: &crate::config::Call, path: &std::path::Path) -> anyhow::Result<()> {
    let _ = (call, path);
    anyhow::bail!("not yet")
}
