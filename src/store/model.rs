//! The store's vocabulary: keys, states and the content hash, as plain Rust
//! types any backend can map to its own columns.

use std::fmt;

use sha2::{Digest, Sha256};

/// A filed message's key in the store (not its `Message-ID` header).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageKey(pub i64);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AttachmentKey(pub i64);

/// One application: (call, society, category, project key). Stable across versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ApplicationKey(pub i64);

/// One version of an application (one sheet in one message).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VersionKey(pub i64);

/// One answer in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AnswerKey(pub i64);

/// Where a message was seen: a mailbox, its UIDVALIDITY and the UID in it.
/// A Maildir source makes up stable values of its own.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MailboxKey {
    pub mailbox: String,
    pub uid_validity: u32,
    pub uid: u32,
}

/// SHA-256 of some bytes; names the file the bytes are kept in.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContentHash(pub [u8; 32]);

impl ContentHash {
    pub fn of(bytes: &[u8]) -> ContentHash {
        ContentHash(Sha256::digest(bytes).into())
    }

    /// 64 lower-case hex digits.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    pub fn from_hex(text: &str) -> Option<ContentHash> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text, &mut bytes).ok()?;
        Some(ContentHash(bytes))
    }
}

impl fmt::Display for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ContentHash({})", self.to_hex())
    }
}

/// Declares a state enum with its stable text form (the one the database holds).
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The text the store writes; a stable interface, like the deficiency codes.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            pub fn parse(text: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|v| v.as_str() == text)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum! {
    /// Where a message is in its processing.
    MessageStatus {
        /// Taken by a worker; not yet filed.
        Claimed => "claimed",
        /// Filed, with its answers queued, in one transaction.
        Filed => "filed",
        /// Processing failed; retried while attempts remain, then left for staff.
        Failed => "failed",
    }
}

text_enum! {
    /// What an attachment is to the pipeline.
    AttachmentRole {
        /// A workbook holding at least one application sheet.
        Form => "form",
        /// Supporting material (成果证明, photos, PDFs).
        Evidence => "evidence",
        /// Could not be read (broken, encrypted, unknown format).
        Unreadable => "unreadable",
        /// Kept but not used (signature logos and the like).
        Ignored => "ignored",
    }
}

text_enum! {
    /// Why an answer is sent.
    AnswerKind {
        Confirmation => "confirmation",
        Deficiency => "deficiency",
        Late => "late",
        Review => "review",
        /// The staff digest.
        Digest => "digest",
    }
}

text_enum! {
    /// An answer's place in the outbox.
    ///
    /// queued → sending → sent; sending → queued (retry) or failed.
    /// suppressed is final from the start: the answer is kept to show why it was not sent.
    AnswerState {
        Queued => "queued",
        /// Written before SMTP DATA starts; found at restart, it is queued again.
        Sending => "sending",
        Sent => "sent",
        Failed => "failed",
        Suppressed => "suppressed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_hash_hex_round_trips_and_matches_sha256() {
        let hash = ContentHash::of(b"abc");
        // The FIPS 180-2 test vector for "abc".
        assert_eq!(
            hash.to_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(ContentHash::from_hex(&hash.to_hex()), Some(hash));
        assert_eq!(ContentHash::from_hex("not hex"), None);
        assert_eq!(ContentHash::from_hex("abcd"), None);
    }

    #[test]
    fn state_texts_round_trip() {
        for state in AnswerState::ALL {
            assert_eq!(AnswerState::parse(state.as_str()), Some(*state));
        }
        for kind in AnswerKind::ALL {
            assert_eq!(AnswerKind::parse(kind.as_str()), Some(*kind));
        }
        for role in AttachmentRole::ALL {
            assert_eq!(AttachmentRole::parse(role.as_str()), Some(*role));
        }
        for status in MessageStatus::ALL {
            assert_eq!(MessageStatus::parse(status.as_str()), Some(*status));
        }
        assert_eq!(AnswerState::parse("Sent"), None);
    }
}
