//! E-mail addresses: local@domain with a dot in the domain (the common subset of RFC 5322).

use super::invalid;
use super::text::cell_text;
use crate::form::Outcome;
use crate::text::fold_full_width;
use crate::verdict::FieldValue;
use crate::workbook::CellValue;

pub(crate) const NOT_AN_EMAIL: &str = "不是有效的电子邮箱地址（应为如name@163.com的地址）";

/// An e-mail field; the address is returned as written, trimmed.
pub fn read_email(value: &CellValue) -> Outcome {
    let found = cell_text(value);
    if found.is_empty() {
        return Outcome::Empty;
    }
    let folded = fold_full_width(&found);
    let address = folded.trim();
    let address = address.strip_prefix("mailto:").unwrap_or(address);
    if is_email(address) {
        Outcome::Value(FieldValue::Text(address.to_string()))
    } else {
        invalid(found, NOT_AN_EMAIL)
    }
}

/// True for local@domain: a dot-atom local part and a domain of at least two labels.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    is_local_part(local) && is_domain(domain)
}

fn is_local_part(local: &str) -> bool {
    let atom_char = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
    !local.is_empty()
        && local.len() <= 64
        && local
            .split('.')
            .all(|atom| !atom.is_empty() && atom.chars().all(atom_char))
}

fn is_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    let top_ok = labels
        .last()
        .is_some_and(|t| t.len() >= 2 && t.chars().all(|c| c.is_ascii_alphabetic()));
    domain.len() <= 253 && labels.len() >= 2 && labels.iter().all(label_ok) && top_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn text(s: &str) -> Outcome {
        read_email(&CellValue::Text(s.to_string()))
    }

    #[test]
    fn addresses() {
        for (s, want) in [
            ("czdzxh@163.com", "czdzxh@163.com"),
            (
                " wang.li+cast@mail.cast.org.cn ",
                "wang.li+cast@mail.cast.org.cn",
            ),
            ("czdzxh＠163.com", "czdzxh@163.com"),
            ("mailto:a@qq.com", "a@qq.com"),
        ] {
            assert_eq!(
                text(s),
                Outcome::Value(FieldValue::Text(want.into())),
                "{s}"
            );
        }
    }

    #[test]
    fn not_addresses() {
        for s in [
            "czdzxh",
            "czdzxh@163",
            "@163.com",
            "a@@163.com",
            "a b@163.com",
            "a..b@163.com",
            "a@163.c",
            "a@-x.com",
        ] {
            assert_eq!(text(s), invalid(s, NOT_AN_EMAIL), "{s}");
        }
    }

    proptest! {
        #[test]
        fn generated_addresses_pass(local in "[a-z0-9_]{1,20}(\\.[a-z0-9]{1,5})?", host in "[a-z0-9]{1,10}", top in "[a-z]{2,6}") {
            let address = format!("{local}@{host}.{top}");
            prop_assert_eq!(text(&address), Outcome::Value(FieldValue::Text(address.clone())));
        }

        #[test]
        fn without_at_never_passes(s in "[^@]*") {
            prop_assert!(!is_email(&s));
        }
    }
}
