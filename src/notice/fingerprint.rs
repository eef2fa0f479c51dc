//! The short fingerprint of an application's values, printed on every answer.
//!
//! The call demands a printed 申报书 identical to the e-mailed one. Staff match
//! a paper copy to the filed version by this print: they type the values into
//! nothing, they compare eight characters. It is a checksum for people, not a
//! security measure, so 32 bits suffice: among a few hundred applications a
//! chance collision is about one in a hundred thousand, and staff would still
//! see the differing receipt number.

use sha2::{Digest, Sha256};

use crate::verdict::FieldValue;

/// Names the hashed encoding. A change to it must change this tag, so two
/// prints made under different rules can never look alike by accident.
const FINGERPRINT_VERSION: &[u8] = b"shenbao-fingerprint-v1";

/// A short print of normalized field values, e.g. `7F3A-9C21`.
///
/// The print is of the values, not of their layout. Fields are taken in
/// ascending order of their keys, so the order of `fields` does not matter:
/// societies move rows around, and a reread of the same form must give the
/// same print. Each value is hashed as [`FieldValue::display`] shows it, the
/// normalized form (`8000`, not `0.8万元`), so the print survives retyping a
/// value in another accepted spelling but not a change of the value itself.
/// Keys and values are length-prefixed, so no two different field lists can
/// encode to the same bytes.
///
/// The print is the first 4 bytes of SHA-256 over that encoding, as 8
/// upper-case hex digits in two groups of four (hyphen between: easy to read
/// aloud over the phone, no 0/O or 1/l trouble within hex).
pub fn fingerprint(fields: &[(String, FieldValue)]) -> String {
    let mut canonical: Vec<(&str, String)> = fields
        .iter()
        .map(|(key, value)| (key.as_str(), value.display()))
        .collect();
    // Sorting by value too makes a (malformed) repeated key order-independent as well.
    canonical.sort();

    let mut hasher = Sha256::new();
    hasher.update(FINGERPRINT_VERSION);
    for (key, value) in &canonical {
        hash_length_prefixed(&mut hasher, key.as_bytes());
        hash_length_prefixed(&mut hasher, value.as_bytes());
    }
    let digest = hasher.finalize();
    let hex = hex::encode_upper(&digest[..4]);
    format!("{}-{}", &hex[..4], &hex[4..])
}

fn hash_length_prefixed(hasher: &mut Sha256, bytes: &[u8]) {
    hasher.update((bytes.len() as u64).to_be_bytes());
    hasher.update(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn sample_fields() -> Vec<(String, FieldValue)> {
        vec![
            ("society".into(), FieldValue::Text("常州市营养学会".into())),
            ("category".into(), FieldValue::Text("academic".into())),
            ("amount".into(), FieldValue::Integer(8000)),
            ("start_date".into(), FieldValue::Date(date(2019, 10, 12))),
        ]
    }

    #[test]
    fn print_has_the_grouped_shape() {
        let print = fingerprint(&sample_fields());
        assert_eq!(print.len(), 9, "{print}");
        assert_eq!(&print[4..5], "-");
        assert!(
            print
                .chars()
                .filter(|c| *c != '-')
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase()),
            "{print}"
        );
    }

    #[test]
    fn same_values_give_the_same_print_in_any_order() {
        let fields = sample_fields();
        let mut reversed = fields.clone();
        reversed.reverse();
        assert_eq!(fingerprint(&fields), fingerprint(&fields));
        assert_eq!(fingerprint(&fields), fingerprint(&reversed));
    }

    #[test]
    fn a_changed_value_changes_the_print() {
        let fields = sample_fields();
        let mut changed = fields.clone();
        changed[2].1 = FieldValue::Integer(8001);
        assert_ne!(fingerprint(&fields), fingerprint(&changed));

        let mut dated = fields.clone();
        dated[3].1 = FieldValue::Date(date(2019, 10, 13));
        assert_ne!(fingerprint(&fields), fingerprint(&dated));
    }

    #[test]
    fn a_missing_or_moved_value_changes_the_print() {
        let fields = sample_fields();
        assert_ne!(fingerprint(&fields), fingerprint(&fields[..3]));
        // The same text under another key is another application.
        let mut moved = fields.clone();
        moved[0].0 = "contact".into();
        assert_ne!(fingerprint(&fields), fingerprint(&moved));
    }

    #[test]
    fn field_boundaries_cannot_be_shifted() {
        // Plain concatenation would give "abc" for both.
        let key_longer = vec![("ab".to_string(), FieldValue::Text("c".into()))];
        let value_longer = vec![("a".to_string(), FieldValue::Text("bc".into()))];
        assert_ne!(fingerprint(&key_longer), fingerprint(&value_longer));
    }

    #[test]
    fn print_of_nothing_is_stable() {
        assert_eq!(fingerprint(&[]), fingerprint(&[]));
    }
}
