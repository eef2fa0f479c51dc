//! Limits that make hostile input harmless. Defaults from `check-json.md`.

/// Size and shape limits, checked before the expensive work they guard.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// A whole message, in bytes.
    pub max_message_bytes: u64,
    /// One attachment, decoded, in bytes.
    pub max_attachment_bytes: u64,
    /// A workbook's total uncompressed size (sum over the zip's central directory).
    pub max_uncompressed_bytes: u64,
    /// Largest compression ratio allowed for any zip entry over `ratio_applies_above_bytes`.
    pub max_compression_ratio: u64,
    pub ratio_applies_above_bytes: u64,
    pub max_sheets: usize,
    /// Used range per sheet.
    pub max_rows: u32,
    pub max_cols: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        const MIB: u64 = 1024 * 1024;
        Limits {
            max_message_bytes: 50 * MIB,
            max_attachment_bytes: 30 * MIB,
            max_uncompressed_bytes: 200 * MIB,
            max_compression_ratio: 200,
            ratio_applies_above_bytes: MIB,
            max_sheets: 50,
            max_rows: 100_000,
            max_cols: 256,
        }
    }
}
