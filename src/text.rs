//! Text normalization shared by labels, roster names and values.

/// Folds full-width ASCII (U+FF01..U+FF5E) to half-width and U+3000 to a space.
pub fn fold_full_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

/// Normalizes a label or a name for matching (`form.md`, "What a label may look like"):
/// full-width folded, all white space and line breaks removed, colons and
/// required-markers (* ※) dropped at either end.
pub fn normalize_label(s: &str) -> String {
    let folded: String = fold_full_width(s)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let is_edge = |c: char| matches!(c, ':' | '*' | '※');
    folded.trim_matches(is_edge).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_normalize() {
        assert_eq!(normalize_label("学　会　名　称："), "学会名称");
        assert_eq!(
            normalize_label("*申请资助金额（万元）"),
            "申请资助金额(万元)"
        );
        assert_eq!(normalize_label("※ 联系人:"), "联系人");
        assert_eq!(normalize_label("项目\n简介"), "项目简介");
    }
}
