//! The `shenbao-uids` file: the UIDs this source gave the Maildir's messages, so that a
//! message keeps its `(uid_validity, uid)` across restarts, as on an IMAP server.
//!
//! # Format
//!
//! ```text
//! shenbao-uids 1
//! uidvalidity 1732881234
//! nextuid 4
//! 1 1732881200.M5P77.host
//! 3 1732881230.M9P77.host
//! ```
//!
//! One line per message: its UID and its unique base name (the file name before `:`), which
//! readers keep when they move a file to `cur/` and add flags. A file that cannot be read gets a
//! fresh UIDVALIDITY instead of being guessed at: reusing a UID for another message would make
//! the store believe the new message was already filed.

use std::collections::{BTreeMap, HashMap};

const HEADER: &str = "shenbao-uids 1";

/// UID assignments of one Maildir.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UidList {
    pub uid_validity: u32,
    pub next_uid: u32,
    base_by_uid: BTreeMap<u32, String>,
    uid_by_base: HashMap<String, u32>,
}

impl UidList {
    pub fn new(uid_validity: u32) -> UidList {
        UidList {
            uid_validity: uid_validity.max(1),
            next_uid: 1,
            base_by_uid: BTreeMap::new(),
            uid_by_base: HashMap::new(),
        }
    }

    /// Reads the file's text; `None` when it is not a well-formed list (then start afresh with a
    /// new UIDVALIDITY).
    pub fn parse(text: &str) -> Option<UidList> {
        let mut lines = text.lines();
        if lines.next()? != HEADER {
            return None;
        }
        let uid_validity: u32 = lines.next()?.strip_prefix("uidvalidity ")?.parse().ok()?;
        let next_uid: u32 = lines.next()?.strip_prefix("nextuid ")?.parse().ok()?;
        let mut list = UidList::new(uid_validity);
        for line in lines.filter(|line| !line.is_empty()) {
            let (uid, base) = line.split_once(' ')?;
            let uid: u32 = uid.parse().ok()?;
            let known_twice =
                list.uid_by_base.contains_key(base) || list.base_by_uid.contains_key(&uid);
            if uid == 0 || uid >= next_uid || known_twice {
                return None;
            }
            list.insert(uid, base.to_string());
        }
        list.next_uid = next_uid;
        (uid_validity != 0 && next_uid != 0).then_some(list)
    }

    pub fn render(&self) -> String {
        let mut text = format!(
            "{HEADER}\nuidvalidity {}\nnextuid {}\n",
            self.uid_validity, self.next_uid
        );
        for (uid, base) in &self.base_by_uid {
            text.push_str(&format!("{uid} {base}\n"));
        }
        text
    }

    pub fn uid_of(&self, base: &str) -> Option<u32> {
        self.uid_by_base.get(base).copied()
    }

    pub fn base_of(&self, uid: u32) -> Option<&str> {
        self.base_by_uid.get(&uid).map(String::as_str)
    }

    /// Gives `base` the next UID; `None` when UIDs are exhausted (after 4 billion messages).
    pub fn assign(&mut self, base: &str) -> Option<u32> {
        if let Some(uid) = self.uid_of(base) {
            return Some(uid);
        }
        let uid = self.next_uid;
        self.next_uid = uid.checked_add(1)?;
        self.insert(uid, base.to_string());
        Some(uid)
    }

    pub fn remove(&mut self, uid: u32) {
        if let Some(base) = self.base_by_uid.remove(&uid) {
            self.uid_by_base.remove(&base);
        }
    }

    /// UIDs above `after_uid`, ascending, at most `limit`.
    pub fn uids_after(&self, after_uid: u32, limit: usize) -> Vec<u32> {
        self.base_by_uid
            .range(after_uid.saturating_add(1)..)
            .map(|(uid, _)| *uid)
            .filter(|uid| *uid > after_uid)
            .take(limit)
            .collect()
    }

    pub fn uids(&self) -> Vec<u32> {
        self.base_by_uid.keys().copied().collect()
    }

    fn insert(&mut self, uid: u32, base: String) {
        self.uid_by_base.insert(base.clone(), uid);
        self.base_by_uid.insert(uid, base);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_then_parse_round_trips() {
        let mut list = UidList::new(1_700_000_000);
        assert_eq!(list.assign("a.M1.host"), Some(1));
        assert_eq!(list.assign("b.M2.host"), Some(2));
        assert_eq!(
            list.assign("a.M1.host"),
            Some(1),
            "a known base keeps its UID"
        );
        list.remove(1);
        let parsed = UidList::parse(&list.render()).expect("well-formed");
        assert_eq!(parsed, list);
        assert_eq!(parsed.next_uid, 3, "a removed UID is never given again");
        assert_eq!(parsed.uid_of("b.M2.host"), Some(2));
    }

    #[test]
    fn malformed_lists_are_refused_not_guessed() {
        for text in [
            "",
            "shenbao-uids 2\nuidvalidity 1\nnextuid 1\n",
            "shenbao-uids 1\nuidvalidity x\nnextuid 1\n",
            "shenbao-uids 1\nuidvalidity 5\nnextuid 3\n3 a\n", // UID not below nextuid
            "shenbao-uids 1\nuidvalidity 5\nnextuid 9\n1 a\n2 a\n", // one base twice
            "shenbao-uids 1\nuidvalidity 5\nnextuid 9\n1 a\n1 b\n", // one UID twice
            "shenbao-uids 1\nuidvalidity 0\nnextuid 9\n",
        ] {
            assert_eq!(UidList::parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn uids_after_is_ascending_and_bounded() {
        let mut list = UidList::new(7);
        for base in ["a", "b", "c", "d", "e"] {
            list.assign(base);
        }
        list.remove(2);
        assert_eq!(list.uids_after(0, 10), vec![1, 3, 4, 5]);
        assert_eq!(list.uids_after(1, 2), vec![3, 4]);
        assert_eq!(list.uids_after(5, 10), Vec::<u32>::new());
        assert_eq!(list.uids_after(u32::MAX, 10), Vec::<u32>::new());
    }
}
