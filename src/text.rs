//! Text normalization shared by labels, roster names and values.

/// Folds full-width ASCII (U+FF01..U+FF5E) to half-width and U+3000 to a space.
pub fn fold_full_width(s: &str) -> String {
    s.chars().map(fold_char).collect()
}

fn fold_char(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Normalizes a label or a name for matching (`form.md`, "What a label may look like"):
/// full-width folded, all white space and line breaks removed, colons and
/// required-markers (* ※) dropped at either end.
///
/// One pass and one allocation (folding never lengthens the text): every text
/// cell of every form goes through it.
pub fn normalize_label(s: &str) -> String {
    let is_edge = |c: char| matches!(c, ':' | '*' | '※');
    let mut label = String::with_capacity(s.len());
    for c in s.chars().map(fold_char).filter(|c| !c.is_whitespace()) {
        if !(label.is_empty() && is_edge(c)) {
            label.push(c);
        }
    }
    let kept = label.trim_end_matches(is_edge).len();
    label.truncate(kept);
    label
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
        // Markers go at either end, through white space; inside they stay.
        assert_eq!(normalize_label("：* 学会名称 ※ ："), "学会名称");
        assert_eq!(normalize_label("电话：手机"), "电话:手机");
        assert_eq!(normalize_label(" ※： "), "");
    }
}
