//! UID sets as IMAP writes them (`1:3,5,7:9`) and the batches fetched at once. Pure.
//!
//! # Format
//!
//! `sequence-set` of RFC 3501 §9: comma-separated numbers and `a:b` ranges, here always
//! ascending and with each run of consecutive UIDs written as one range, so a batch of
//! consecutive UIDs costs a few bytes however large it is.

/// The UIDs of `uids` (any order, duplicates allowed) as a compact sequence set; empty for none.
pub fn compact(uids: &[u32]) -> String {
    let mut sorted = uids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut parts: Vec<String> = Vec::new();
    let mut index = 0;
    while index < sorted.len() {
        let start = sorted[index];
        let mut end = start;
        while index + 1 < sorted.len() && sorted[index + 1] == end.wrapping_add(1) {
            index += 1;
            end = sorted[index];
        }
        parts.push(if start == end {
            start.to_string()
        } else {
            format!("{start}:{end}")
        });
        index += 1;
    }
    parts.join(",")
}

/// The first batch to fetch: the `batch_size` lowest UIDs above `after_uid` (ascending).
///
/// A search for `UID n:*` also answers the highest UID when every UID is below `n` (RFC 3501
/// §6.4.8: `*` is the largest UID in use), so UIDs not above `after_uid` are dropped here.
pub fn next_batch(found: &[u32], after_uid: u32, batch_size: usize) -> Vec<u32> {
    let mut above: Vec<u32> = found
        .iter()
        .copied()
        .filter(|uid| *uid > after_uid)
        .collect();
    above.sort_unstable();
    above.dedup();
    above.truncate(batch_size.max(1));
    above
}

/// The longest prefix of `uids` whose sizes add up to at most `byte_budget`, and at least the
/// first UID whatever its size.
pub fn within_budget(uids: &[u32], size_of: impl Fn(u32) -> u64, byte_budget: u64) -> Vec<u32> {
    let mut n_bytes = 0u64;
    let mut taken = Vec::with_capacity(uids.len());
    for &uid in uids {
        let size = size_of(uid);
        if !taken.is_empty() && n_bytes.saturating_add(size) > byte_budget {
            break;
        }
        n_bytes = n_bytes.saturating_add(size);
        taken.push(uid);
    }
    taken
}

/// The search range for UIDs above `after_uid` (`n:*`), or `None` when no UID can be above it.
pub fn search_range_after(after_uid: u32) -> Option<String> {
    after_uid.checked_add(1).map(|first| format!("{first}:*"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_stops_at_its_byte_budget_but_takes_one_large_message() {
        let size = |uid: u32| u64::from(uid) * 10;
        assert_eq!(within_budget(&[1, 2, 3, 4], size, 60), vec![1, 2, 3]);
        assert_eq!(within_budget(&[1, 2, 3, 4], size, 1000), vec![1, 2, 3, 4]);
        assert_eq!(
            within_budget(&[9, 1], size, 50),
            vec![9],
            "alone, however large"
        );
        assert!(within_budget(&[], size, 50).is_empty());
    }

    #[test]
    fn compaction_from_table() {
        let table: &[(&[u32], &str)] = &[
            (&[], ""),
            (&[7], "7"),
            (&[1, 2, 3], "1:3"),
            (&[1, 2, 3, 5, 7, 8], "1:3,5,7:8"),
            (&[8, 7, 5, 3, 2, 1], "1:3,5,7:8"),
            (&[4, 4, 5], "4:5"),
            (&[1, 3, 5], "1,3,5"),
            (&[u32::MAX - 1, u32::MAX], "4294967294:4294967295"),
            (&[u32::MAX, 1], "1,4294967295"),
        ];
        for (uids, expected) in table {
            assert_eq!(compact(uids), *expected, "{uids:?}");
        }
    }

    #[test]
    fn batches_from_table() {
        let table: &[(&[u32], u32, usize, &[u32])] = &[
            // found, after_uid, batch size, batch
            (&[], 0, 20, &[]),
            (&[1, 2, 3, 4, 5], 0, 2, &[1, 2]),
            (&[1, 2, 3, 4, 5], 2, 2, &[3, 4]),
            (&[5, 3, 9, 4], 3, 20, &[4, 5, 9]),
            (&[12], 20, 20, &[]), // `21:*` answered the highest UID, 12: nothing new
            (&[30, 31], 0, 0, &[30]), // a zero batch size still makes progress
        ];
        for (found, after, size, expected) in table {
            assert_eq!(
                next_batch(found, *after, *size),
                *expected,
                "{found:?} after {after} by {size}"
            );
        }
    }

    #[test]
    fn search_range_stops_at_the_last_uid() {
        assert_eq!(search_range_after(0).as_deref(), Some("1:*"));
        assert_eq!(search_range_after(41).as_deref(), Some("42:*"));
        assert_eq!(search_range_after(u32::MAX), None);
    }
}
