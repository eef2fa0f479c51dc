//! Value normalizers, one small pure function per field kind (`form.md`, "What a
//! value may look like"). Each takes what a cell holds and returns an
//! [`Outcome`]; none looks at the sheet's layout or at files. Malformed input is
//! an [`Outcome::Invalid`] whose problem is in Chinese, never a panic.

pub mod checkbox;
pub mod choice;
pub mod credit_code;
pub mod date;
pub mod date_range;
pub mod email;
pub mod money;
pub mod numerals;
pub mod phone;
pub mod text;
pub mod years;

use super::Outcome;

/// An [`Outcome::Invalid`] quoting what was found.
pub(crate) fn invalid(found: impl Into<String>, problem: impl Into<String>) -> Outcome {
    Outcome::Invalid {
        found: found.into(),
        problem: problem.into(),
    }
}

/// What a secretary writes for "nothing here": treated as an empty cell where
/// an empty value is allowed (money, sub-category).
pub(crate) fn is_placeholder(compact: &str) -> bool {
    matches!(
        compact,
        "" | "无" | "/" | "-" | "—" | "——" | "－" | "\\" | "不适用" | "n/a" | "N/A"
    )
}
