//! Check-box rows: "□自身建设突出学会 ☑学术创新特色学会 …", the chosen option
//! marked ☑ ✓ ✔ √ ■ ▣ ☒ and the others □ ☐. The boxes may stand before or after
//! their options.

/// Characters that mark the chosen option.
pub const MARKED: [char; 7] = ['☑', '✓', '✔', '√', '■', '▣', '☒'];
/// Characters of an option left blank.
pub const UNMARKED: [char; 2] = ['□', '☐'];

fn is_box(c: char) -> bool {
    MARKED.contains(&c) || UNMARKED.contains(&c)
}

/// True when `s` holds any box, marked or not.
pub fn has_boxes(s: &str) -> bool {
    s.chars().any(is_box)
}

/// The options of a check-box row, by mark.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CheckboxRow {
    /// Texts of the marked options, in order.
    pub marked: Vec<String>,
    /// Texts of the options left blank.
    pub unmarked: Vec<String>,
}

/// The options of `s`, or `None` when it holds no box at all.
pub fn parse_checkbox_row(s: &str) -> Option<CheckboxRow> {
    if !has_boxes(s) {
        return None;
    }
    let boxes_lead = s.trim_start().starts_with(is_box);
    let mut row = CheckboxRow::default();
    let mut text = String::new();
    let mut mark: Option<char> = None;
    for c in s.chars() {
        if !is_box(c) {
            text.push(c);
            continue;
        }
        if boxes_lead {
            // This box opens the next option: the text so far belongs to the previous box.
            if let Some(m) = mark.replace(c) {
                push_option(&mut row, m, &text);
            }
        } else {
            push_option(&mut row, c, &text);
        }
        text.clear();
    }
    if let (true, Some(m)) = (boxes_lead, mark) {
        push_option(&mut row, m, &text);
    }
    Some(row)
}

fn push_option(row: &mut CheckboxRow, mark: char, text: &str) {
    let is_separator = |c: char| c.is_whitespace() || "；;,，、。".contains(c);
    let option = text.trim_matches(is_separator).to_string();
    if MARKED.contains(&mark) {
        row.marked.push(option);
    } else {
        row.unmarked.push(option);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn boxes_before_options() {
        let row =
            parse_checkbox_row("□自身建设突出学会  □学术创新特色学会  ☑现代社团工作者培育项目")
                .unwrap();
        assert_eq!(row.marked, ["现代社团工作者培育项目"]);
        assert_eq!(row.unmarked, ["自身建设突出学会", "学术创新特色学会"]);
    }

    #[test]
    fn boxes_after_options() {
        let row = parse_checkbox_row("自身建设□；学术创新√；科技服务□").unwrap();
        assert_eq!(row.marked, ["学术创新"]);
        assert_eq!(row.unmarked, ["自身建设", "科技服务"]);
    }

    #[test]
    fn no_boxes_no_row() {
        assert_eq!(parse_checkbox_row("学术创新特色学会"), None);
    }

    proptest! {
        #[test]
        fn exactly_the_marked_options_come_back(
            options in prop::collection::vec(("[\\p{Han}]{1,8}", any::<bool>()), 1..8),
            mark in prop::sample::select(MARKED.to_vec()),
            blank in prop::sample::select(UNMARKED.to_vec()),
        ) {
            let row: String = options
                .iter()
                .map(|(t, m)| format!("{}{t} ", if *m { mark } else { blank }))
                .collect();
            let parsed = parse_checkbox_row(&row).unwrap();
            let want: Vec<String> = options.iter().filter(|(_, m)| *m).map(|(t, _)| t.clone()).collect();
            prop_assert_eq!(parsed.marked, want);
            prop_assert_eq!(parsed.unmarked.len(), options.iter().filter(|(_, m)| !m).count());
        }

        #[test]
        fn never_panics(s in "[□☑√■ a-z\\p{Han}]{0,30}") {
            let _ = parse_checkbox_row(&s);
        }
    }
}
