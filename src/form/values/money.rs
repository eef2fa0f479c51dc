//! Money in whole yuan: a number cell, or text 8000, 8,000, 8000元, ￥8,000.00,
//! 0.8万元, or capital numerals (捌仟元整). The label's unit (万元) applies
//! unless the text names its own. Fen are dropped only when zero.

use std::sync::LazyLock;

use regex::Regex;

use super::numerals::parse_chinese_integer;
use super::text::cell_text;
use super::{invalid, is_placeholder};
use crate::config::MoneyUnit;
use crate::form::Outcome;
use crate::text::fold_full_width;
use crate::verdict::FieldValue;
use crate::workbook::CellValue;

pub(crate) const NOT_MONEY: &str = "不是有效的金额（应为如8000、8,000元、0.8万元或捌仟元整的金额）";
pub(crate) const NOT_WHOLE: &str = "金额应为整元，不含角、分";
pub(crate) const NEGATIVE: &str = "金额不能为负数";
pub(crate) const TOO_LARGE: &str = "金额过大，请核对金额和单位";

/// More than this many yuan is surely a slip of the unit (and keeps f64 exact).
const MAX_YUAN: i64 = 1_000_000_000_000;

static DECIMAL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([0-9]{1,15})(?:\.([0-9]*))?$").expect("static regex"));
/// What may follow 元 in capital numerals: 伍角, 零伍分, 伍角陆分.
static JIAO_FEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:(\p{Han}|[0-9])角)?零?(?:(\p{Han}|[0-9])分)?$").expect("static regex")
});

fn multiplier(unit: MoneyUnit) -> i64 {
    match unit {
        MoneyUnit::Yuan => 1,
        MoneyUnit::Wan => 10_000,
    }
}

/// A money field; `label_unit` is the unit the label gave ("（万元）").
pub fn read_money(value: &CellValue, label_unit: MoneyUnit) -> Outcome {
    let found = cell_text(value);
    let parsed = match value {
        CellValue::Number(n) => number_money(*n, label_unit),
        CellValue::Text(s) => match text_money(s, label_unit) {
            Ok(None) => return Outcome::Empty,
            Ok(Some(yuan)) => Ok(yuan),
            Err(problem) => Err(problem),
        },
        _ => Err(NOT_MONEY),
    };
    match parsed {
        Ok(yuan) => Outcome::Value(FieldValue::Integer(yuan)),
        Err(problem) => invalid(found, problem),
    }
}

/// A number cell, rounded to the fen so that 0.6 × 10000 is 6000.
fn number_money(n: f64, unit: MoneyUnit) -> Result<i64, &'static str> {
    if !n.is_finite() {
        return Err(NOT_MONEY);
    }
    if n < 0.0 {
        return Err(NEGATIVE);
    }
    let yuan = n * multiplier(unit) as f64;
    if yuan > MAX_YUAN as f64 {
        return Err(TOO_LARGE);
    }
    let fen = (yuan * 100.0).round();
    if (yuan * 100.0 - fen).abs() > 1e-3 || fen % 100.0 != 0.0 {
        return Err(NOT_WHOLE);
    }
    Ok((fen / 100.0) as i64)
}

/// A text cell; `Ok(None)` for an empty one or 无.
fn text_money(s: &str, label_unit: MoneyUnit) -> Result<Option<i64>, &'static str> {
    let compact: String = fold_full_width(s)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ',')
        .collect();
    if is_placeholder(&compact) {
        return Ok(None);
    }
    if compact.starts_with('-') {
        return Err(NEGATIVE);
    }
    let body = ["￥", "¥", "人民币", "RMB", "rmb"]
        .iter()
        .fold(compact.as_str(), |t, prefix| {
            t.strip_prefix(prefix).unwrap_or(t)
        });
    let body = body.trim_end_matches(['整', '正']);
    let (amount, after_yuan) = match body.find(['元', '圆']) {
        Some(at) => (&body[..at], Some(&body[at + '元'.len_utf8()..])),
        None => (body, None),
    };
    if let Some(tail) = after_yuan {
        check_jiao_fen(tail)?;
    }
    // Text that names 元 is in yuan whatever the label says; "万" names 万元.
    let (number, unit) = match amount.strip_suffix(['万', '萬']) {
        Some(n) if DECIMAL.is_match(n) => (n, MoneyUnit::Wan),
        _ if after_yuan.is_some() => (amount, MoneyUnit::Yuan),
        _ => (amount, label_unit),
    };
    if let Some(yuan) = decimal_money(number, unit) {
        return yuan.map(Some);
    }
    match parse_chinese_integer(amount) {
        // Capital numerals spell the whole amount in yuan.
        Some(yuan) => i64::try_from(yuan)
            .ok()
            .filter(|y| *y <= MAX_YUAN)
            .map(Some)
            .ok_or(TOO_LARGE),
        None => Err(NOT_MONEY),
    }
}

/// 角 and 分 after 元 are fine only when zero.
fn check_jiao_fen(tail: &str) -> Result<(), &'static str> {
    if tail.is_empty() {
        return Ok(());
    }
    let caps = JIAO_FEN.captures(tail).ok_or(NOT_MONEY)?;
    for m in [caps.get(1), caps.get(2)].into_iter().flatten() {
        match parse_chinese_integer(m.as_str()) {
            Some(0) => {}
            Some(_) => return Err(NOT_WHOLE),
            None => return Err(NOT_MONEY),
        }
    }
    Ok(())
}

/// Digits with an optional fraction, exactly; `None` when `s` is not such a number.
fn decimal_money(s: &str, unit: MoneyUnit) -> Option<Result<i64, &'static str>> {
    let caps = DECIMAL.captures(s)?;
    let whole: i128 = caps.get(1)?.as_str().parse().ok()?;
    let fraction = caps.get(2).map_or("", |m| m.as_str()).trim_end_matches('0');
    if fraction.len() > 8 {
        return Some(Err(NOT_WHOLE));
    }
    let scale = 10i128.pow(fraction.len() as u32);
    let fraction_digits: i128 = if fraction.is_empty() {
        0
    } else {
        fraction.parse().ok()?
    };
    let scaled = (whole * scale + fraction_digits) * i128::from(multiplier(unit));
    if scaled % scale != 0 {
        return Some(Err(NOT_WHOLE));
    }
    let yuan = scaled / scale;
    Some(if yuan > i128::from(MAX_YUAN) {
        Err(TOO_LARGE)
    } else {
        Ok(yuan as i64)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn text(s: &str, unit: MoneyUnit) -> Outcome {
        read_money(&CellValue::Text(s.to_string()), unit)
    }

    fn yuan(n: i64) -> Outcome {
        Outcome::Value(FieldValue::Integer(n))
    }

    #[test]
    fn written_forms() {
        for s in [
            "8000",
            "8,000",
            "8000元",
            "￥8,000.00",
            "¥8000",
            "８０００元",
            "0.8万元",
            "0.8万",
            "捌仟元整",
            "捌仟元",
            "八千元",
            "人民币捌仟元整",
            "8000.00元",
            "捌仟元零角零分",
        ] {
            assert_eq!(text(s, MoneyUnit::Yuan), yuan(8000), "{s}");
        }
        assert_eq!(text("壹万元整", MoneyUnit::Yuan), yuan(10_000));
        assert_eq!(text("叁仟伍佰元", MoneyUnit::Yuan), yuan(3500));
        assert_eq!(text("0", MoneyUnit::Yuan), yuan(0));
    }

    #[test]
    fn the_labels_unit_applies() {
        assert_eq!(text("0.6", MoneyUnit::Wan), yuan(6000));
        assert_eq!(
            read_money(&CellValue::Number(0.6), MoneyUnit::Wan),
            yuan(6000)
        );
        assert_eq!(
            read_money(&CellValue::Number(0.7), MoneyUnit::Wan),
            yuan(7000)
        );
        // Text naming its own unit wins over the label.
        assert_eq!(text("6000元", MoneyUnit::Wan), yuan(6000));
        assert_eq!(text("捌仟元整", MoneyUnit::Wan), yuan(8000));
    }

    #[test]
    fn empty_and_malformed() {
        for s in ["", " ", "无", "/"] {
            assert_eq!(text(s, MoneyUnit::Yuan), Outcome::Empty, "{s}");
        }
        assert_eq!(
            text("8000.50", MoneyUnit::Yuan),
            invalid("8000.50", NOT_WHOLE)
        );
        assert_eq!(
            text("叁仟元伍角", MoneyUnit::Yuan),
            invalid("叁仟元伍角", NOT_WHOLE)
        );
        assert_eq!(
            text("0.65432", MoneyUnit::Wan),
            invalid("0.65432", NOT_WHOLE)
        );
        assert_eq!(
            text("八千多", MoneyUnit::Yuan),
            invalid("八千多", NOT_MONEY)
        );
        assert_eq!(text("-100", MoneyUnit::Yuan), invalid("-100", NEGATIVE));
        assert_eq!(
            read_money(&CellValue::Number(8000.5), MoneyUnit::Yuan),
            invalid("8000.5", NOT_WHOLE)
        );
        assert_eq!(
            read_money(&CellValue::Number(1e300), MoneyUnit::Yuan),
            invalid(cell_text(&CellValue::Number(1e300)), TOO_LARGE)
        );
    }

    fn with_commas(n: i64) -> String {
        let digits = n.to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    }

    proptest! {
        #[test]
        fn whole_yuan_in_every_form(n in 0i64..1_000_000_000) {
            for s in [
                n.to_string(),
                format!("{n}元"),
                with_commas(n),
                format!("￥{}.00", with_commas(n)),
                format!("{n}元整"),
            ] {
                prop_assert_eq!(text(&s, MoneyUnit::Yuan), yuan(n));
            }
            prop_assert_eq!(read_money(&CellValue::Number(n as f64), MoneyUnit::Yuan), yuan(n));
        }

        #[test]
        fn wan_with_up_to_four_decimals(n in 0i64..10_000_000) {
            let written = format!("{}.{:04}", n / 10_000, n % 10_000);
            prop_assert_eq!(text(&format!("{written}万元"), MoneyUnit::Yuan), yuan(n));
            prop_assert_eq!(text(&written, MoneyUnit::Wan), yuan(n));
            let as_number: f64 = written.parse().unwrap();
            prop_assert_eq!(read_money(&CellValue::Number(as_number), MoneyUnit::Wan), yuan(n));
        }

        #[test]
        fn never_panics(s in "\\PC*", n in proptest::num::f64::ANY) {
            let _ = text(&s, MoneyUnit::Wan);
            let _ = read_money(&CellValue::Number(n), MoneyUnit::Wan);
        }
    }
}
