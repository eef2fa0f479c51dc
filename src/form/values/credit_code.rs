//! The unified social credit code (统一社会信用代码, GB 32100-2015): 18
//! characters from 0-9 A-H J-N P-R T-U W-Y, the last a check character.

use super::invalid;
use super::text::cell_text;
use crate::form::Outcome;
use crate::text::fold_full_width;
use crate::verdict::FieldValue;
use crate::workbook::CellValue;

/// The code's alphabet; a character's value is its index.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
const LENGTH: usize = 18;

/// What is wrong with a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreditCodeProblem {
    /// It has this many characters, not 18.
    Length(usize),
    /// This character (at this 1-based position) is not in the alphabet.
    Character { position: usize, character: char },
    /// The 18th character does not match the other 17.
    CheckCharacter,
}

impl CreditCodeProblem {
    /// The problem in Chinese, for the notice.
    pub fn message(self) -> String {
        match self {
            CreditCodeProblem::Length(n) => {
                format!("统一社会信用代码应为18位（现为{n}位）")
            }
            CreditCodeProblem::Character {
                position,
                character,
            } => format!(
                "统一社会信用代码第{position}位“{character}”不是允许的字符（只含数字和除I、O、S、V、Z外的大写字母）"
            ),
            CreditCodeProblem::CheckCharacter => {
                "统一社会信用代码校验位不符（请逐位核对营业执照或登记证书上的代码）".to_string()
            }
        }
    }
}

/// Upper-cased, full-width folded, spaces removed.
pub fn normalize_credit_code(s: &str) -> String {
    fold_full_width(s)
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn value_of(c: char) -> Option<u32> {
    let byte = u8::try_from(c).ok()?;
    ALPHABET
        .iter()
        .position(|&a| a == byte)
        .and_then(|i| u32::try_from(i).ok())
}

/// The check character for the first 17 characters, `None` if they are not 17 from the alphabet.
pub fn check_character(first17: &str) -> Option<char> {
    let values: Vec<u32> = first17.chars().map(value_of).collect::<Option<_>>()?;
    if values.len() != WEIGHTS.len() {
        return None;
    }
    let sum: u32 = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    let check = (31 - sum % 31) % 31;
    Some(char::from(ALPHABET[check as usize]))
}

/// What is wrong with a normalized code, or `None` when it is valid.
pub fn credit_code_problem(code: &str) -> Option<CreditCodeProblem> {
    let length = code.chars().count();
    if length != LENGTH {
        return Some(CreditCodeProblem::Length(length));
    }
    if let Some((i, c)) = code
        .chars()
        .enumerate()
        .find(|&(_, c)| value_of(c).is_none())
    {
        return Some(CreditCodeProblem::Character {
            position: i + 1,
            character: c,
        });
    }
    let (first17, last) = code.split_at(LENGTH - 1);
    (check_character(first17) != last.chars().next()).then_some(CreditCodeProblem::CheckCharacter)
}

/// True when `s`, normalized, is a valid code.
pub fn credit_code_is_valid(s: &str) -> bool {
    credit_code_problem(&normalize_credit_code(s)).is_none()
}

/// A credit code field; the value is the normalized code.
pub fn read_credit_code(value: &CellValue) -> Outcome {
    let found = cell_text(value);
    if found.is_empty() {
        return Outcome::Empty;
    }
    let code = normalize_credit_code(&found);
    match credit_code_problem(&code) {
        None => Outcome::Value(FieldValue::Text(code)),
        Some(problem) => {
            let mut message = problem.message();
            if matches!(value, CellValue::Number(_)) {
                // 18 digits do not fit a number cell: Excel rounds the last ones away.
                message.push_str("；单元格为数字格式会丢失末几位，请设为文本格式后重新填写");
            }
            invalid(found, message)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sample_codes_are_valid() {
        for code in [
            "513204005087858067",
            "51320400MJ58601481",
            "51320400508785371J",
            "52320412MJ5873627Y",
            "91350100M000100Y43",
        ] {
            assert!(credit_code_is_valid(code), "{code}");
        }
        assert!(credit_code_is_valid(" 51320400mj5860 1481 "));
    }

    #[test]
    fn each_problem_is_named() {
        assert_eq!(
            credit_code_problem("5132040050878580"),
            Some(CreditCodeProblem::Length(16))
        );
        assert_eq!(
            credit_code_problem("51320400O08785806X"),
            Some(CreditCodeProblem::Character {
                position: 9,
                character: 'O'
            })
        );
        assert_eq!(
            credit_code_problem("513204005087858068"),
            Some(CreditCodeProblem::CheckCharacter)
        );
        match read_credit_code(&CellValue::Text("513204005087858068".into())) {
            Outcome::Invalid { found, problem } => {
                assert_eq!(found, "513204005087858068");
                assert!(problem.contains("校验位"), "{problem}");
            }
            other => panic!("{other:?}"),
        }
        match read_credit_code(&CellValue::Number(513204005087858067.0)) {
            Outcome::Invalid { problem, .. } => assert!(problem.contains("文本格式"), "{problem}"),
            other => panic!("{other:?}"),
        }
    }

    fn alphabet_string(len: usize) -> impl Strategy<Value = String> {
        prop::collection::vec(0usize..31, len)
            .prop_map(|v| v.into_iter().map(|i| char::from(ALPHABET[i])).collect())
    }

    proptest! {
        #[test]
        fn a_computed_check_character_makes_a_valid_code(first17 in alphabet_string(17)) {
            let check = check_character(&first17).unwrap();
            let code = format!("{first17}{check}");
            prop_assert!(credit_code_is_valid(&code));
            prop_assert_eq!(read_credit_code(&CellValue::Text(code.to_lowercase())), Outcome::Value(FieldValue::Text(code)));
        }

        #[test]
        fn changing_one_character_is_caught(first17 in alphabet_string(17), at in 0usize..18, shift in 1usize..31) {
            let check = check_character(&first17).unwrap();
            let mut chars: Vec<char> = format!("{first17}{check}").chars().collect();
            let old = ALPHABET.iter().position(|&a| char::from(a) == chars[at]).unwrap();
            chars[at] = char::from(ALPHABET[(old + shift) % 31]);
            let changed: String = chars.into_iter().collect();
            prop_assert_eq!(credit_code_problem(&changed), Some(CreditCodeProblem::CheckCharacter));
        }

        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = read_credit_code(&CellValue::Text(s));
        }
    }
}
