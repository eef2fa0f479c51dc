//! Whole numbers in Chinese numerals: 五, 十二, 一千零五, and the capital
//! numerals of Chinese finance (壹万, 叁仟伍佰), also mixed with digits (3千5百).

/// The value of a digit character, Chinese or ASCII.
fn digit_value(c: char) -> Option<u64> {
    Some(match c {
        '零' | '〇' => 0,
        '一' | '壹' => 1,
        '二' | '贰' | '貳' | '两' | '兩' => 2,
        '三' | '叁' | '參' => 3,
        '四' | '肆' => 4,
        '五' | '伍' => 5,
        '六' | '陆' | '陸' => 6,
        '七' | '柒' => 7,
        '八' | '捌' => 8,
        '九' | '玖' => 9,
        '0'..='9' => u64::from(c as u8 - b'0'),
        _ => return None,
    })
}

/// The multiplier of a unit character below 万.
fn small_unit(c: char) -> Option<u64> {
    match c {
        '十' | '拾' => Some(10),
        '百' | '佰' => Some(100),
        '千' | '仟' => Some(1000),
        _ => None,
    }
}

/// The value of `s`, or `None` when it is not a whole number in Chinese numerals.
pub fn parse_chinese_integer(s: &str) -> Option<u64> {
    let mut total: u64 = 0; // parts already multiplied by 亿
    let mut below_yi: u64 = 0; // parts already multiplied by 万, below 亿
    let mut section: u64 = 0; // below 万
    let mut pending: Option<u64> = None; // digits not yet given a unit
    let mut last_small_unit = u64::MAX;
    let mut seen_wan = false;
    let mut seen_any = false;
    let mut prev_ascii = false;
    for c in s.chars() {
        seen_any = true;
        if let Some(d) = digit_value(c) {
            let ascii = c.is_ascii_digit();
            pending = match (pending, ascii && prev_ascii) {
                (Some(p), true) => Some(p.checked_mul(10)?.checked_add(d)?),
                // "一二" is no number; "零" only keeps places apart.
                (Some(p), false) if d == 0 => Some(p),
                (Some(_), false) => return None,
                (None, _) if d == 0 && !ascii => None,
                (None, _) => Some(d),
            };
            prev_ascii = ascii;
            continue;
        }
        prev_ascii = false;
        if let Some(unit) = small_unit(c) {
            if unit >= last_small_unit {
                return None;
            }
            last_small_unit = unit;
            section = section.checked_add(pending.take().unwrap_or(1).checked_mul(unit)?)?;
            continue;
        }
        let group = section.checked_add(pending.take().unwrap_or(0))?;
        if group == 0 {
            // "万" with nothing before it is no number.
            return None;
        }
        section = 0;
        last_small_unit = u64::MAX;
        match c {
            '万' | '萬' if !seen_wan => {
                below_yi = group.checked_mul(10_000)?;
                seen_wan = true;
            }
            '亿' | '億' => {
                total = total
                    .checked_add(below_yi.checked_add(group)?)?
                    .checked_mul(100_000_000)?;
                below_yi = 0;
                seen_wan = false;
            }
            _ => return None,
        }
    }
    if !seen_any {
        return None;
    }
    total
        .checked_add(below_yi)?
        .checked_add(section)?
        .checked_add(pending.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn common_numbers() {
        for (s, n) in [
            ("零", 0),
            ("五", 5),
            ("十", 10),
            ("十二", 12),
            ("二十", 20),
            ("一千零五", 1005),
            ("两千", 2000),
            ("捌仟", 8000),
            ("叁仟伍佰", 3500),
            ("壹万", 10_000),
            ("壹拾万", 100_000),
            ("壹万伍仟", 15_000),
            ("一亿零五百万", 105_000_000),
            ("3千5百", 3500),
            ("10万", 100_000),
            ("12", 12),
        ] {
            assert_eq!(parse_chinese_integer(s), Some(n), "{s}");
        }
    }

    #[test]
    fn not_numbers() {
        for s in ["", "元", "万", "一二", "十百", "一万万", "五年", "三.五"] {
            assert_eq!(parse_chinese_integer(s), None, "{s}");
        }
    }

    /// Writes `n` < 10^8 the way a finance form does.
    fn capital(n: u64) -> String {
        const DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
        const UNITS: [&str; 4] = ["仟", "佰", "拾", ""];
        let group = |g: u64| {
            let mut out = String::new();
            let mut zero = false;
            for (i, unit) in UNITS.iter().enumerate() {
                let d = (g / 10u64.pow(3 - i as u32) % 10) as usize;
                if d == 0 {
                    zero = !out.is_empty();
                } else {
                    if zero {
                        out.push('零');
                        zero = false;
                    }
                    out.push(DIGITS[d]);
                    out.push_str(unit);
                }
            }
            out
        };
        match (n / 10_000, n % 10_000) {
            (0, 0) => "零".to_string(),
            (0, low) => group(low),
            (high, 0) => format!("{}万", group(high)),
            (high, low) if low < 1000 => format!("{}万零{}", group(high), group(low)),
            (high, low) => format!("{}万{}", group(high), group(low)),
        }
    }

    proptest! {
        #[test]
        fn capital_numerals_read_back(n in 0u64..100_000_000) {
            prop_assert_eq!(parse_chinese_integer(&capital(n)), Some(n));
        }

        #[test]
        fn never_panics(s in "[零一二三四五六七八九十百千万亿壹贰叁仟佰拾0-9两〇]{0,12}") {
            let _ = parse_chinese_integer(&s);
        }
    }
}
