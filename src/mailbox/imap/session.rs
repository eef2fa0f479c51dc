//! After login: SELECT or EXAMINE (the only reader of UIDVALIDITY and UIDNEXT), fetching new messages in
//! batches, and what happens to a message after filing.

use std::collections::HashMap;

use futures::TryStreamExt;

use super::connect::ImapSession;
use super::names::encode_mailbox_name;
use super::uid_set;
use crate::mailbox::config::{AfterFiling, BATCH_BYTES};
use crate::mailbox::{MailboxError, MailboxErrorKind, RawMessage};

/// Fetched per message: `BODY.PEEK[]` so that fetching never sets `\Seen` behind the staff's back.
const FETCH_ITEMS: &str = "(UID INTERNALDATE BODY.PEEK[])";
/// Fetched before a batch's bodies, to keep the batch within its byte budget.
const SIZE_ITEMS: &str = "(UID RFC822.SIZE)";

/// What the server can do, from CAPABILITY after login.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ServerCapabilities {
    pub idle: bool,
    pub move_command: bool,
    pub uidplus: bool,
}

/// A session with the configured mailbox selected.
#[derive(Debug)]
pub struct SelectedSession {
    pub session: ImapSession,
    pub capabilities: ServerCapabilities,
    /// As configured (not encoded).
    mailbox: String,
    access: Access,
    pub uid_validity: u32,
    /// One past the highest UID known to exist: from SELECT, raised by what searches find.
    pub uid_next: u32,
    /// The last search for new UIDs: those found at or above `searched_from`. Spares a search per
    /// batch when thousands of messages wait; dropped with the session.
    search_cache: Option<SearchCache>,
}

#[derive(Debug)]
struct SearchCache {
    searched_from: u32,
    uids: Vec<u32>,
}

/// How a mailbox is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// SELECT: flagging `\Seen` and moving need it.
    ReadWrite,
    /// EXAMINE, when filing changes nothing in the mailbox (`after_filing = "leave"`).
    /// The server then changes nothing either: the staff's clients keep their `\Recent`
    /// flags. (Dovecot also skips moving every new message from `new/` to `cur/`, ~0.3 s
    /// per 10,000 before the first fetch, but then serves them from `new/` as much slower:
    /// no speed-up on the whole.)
    ReadOnly,
}

/// Reads CAPABILITY and selects (or examines) `mailbox`.
pub async fn select(
    mut session: ImapSession,
    mailbox: &str,
    access: Access,
) -> Result<SelectedSession, MailboxError> {
    let capabilities = session
        .capabilities()
        .await
        .map_err(|error| imap_error("CAPABILITY", error))?;
    let capabilities = ServerCapabilities {
        idle: capabilities.has_str("IDLE"),
        move_command: capabilities.has_str("MOVE"),
        uidplus: capabilities.has_str("UIDPLUS"),
    };
    let (uid_validity, uid_next) = open(&mut session, mailbox, access).await?;
    Ok(SelectedSession {
        session,
        capabilities,
        mailbox: mailbox.to_string(),
        access,
        uid_validity,
        uid_next,
        search_cache: None,
    })
}

/// SELECT or EXAMINE: the mailbox's UIDVALIDITY and UIDNEXT.
async fn open(
    session: &mut ImapSession,
    mailbox: &str,
    access: Access,
) -> Result<(u32, u32), MailboxError> {
    let name = encode_mailbox_name(mailbox);
    let (command, opened) = match access {
        Access::ReadWrite => ("SELECT", session.select(name).await),
        Access::ReadOnly => ("EXAMINE", session.examine(name).await),
    };
    let opened = opened.map_err(|error| imap_error(format!("{command} {mailbox}"), error))?;
    let Some(uid_validity) = opened.uid_validity else {
        return Err(MailboxError::new(
            MailboxErrorKind::Server,
            format!("{command} {mailbox}: no UIDVALIDITY"),
        ));
    };
    let uid_next = match opened.uid_next {
        Some(uid_next) => uid_next,
        // Servers before RFC 3501 may omit UIDNEXT: ask for the highest UID instead.
        None => highest_uid(session)
            .await?
            .map_or(1, |uid| uid.saturating_add(1)),
    };
    Ok((uid_validity, uid_next))
}

async fn highest_uid(session: &mut ImapSession) -> Result<Option<u32>, MailboxError> {
    let uids = session
        .uid_search("ALL")
        .await
        .map_err(|error| imap_error("UID SEARCH ALL", error))?;
    Ok(uids.into_iter().max())
}

impl SelectedSession {
    /// UIDs above `after_uid` (all of them, ascending), from the cache when it covers them.
    pub async fn uids_after(&mut self, after_uid: u32) -> Result<Vec<u32>, MailboxError> {
        if let Some(cache) = &self.search_cache {
            let covered = after_uid.saturating_add(1) >= cache.searched_from;
            let has_more = cache.uids.last().is_some_and(|last| *last > after_uid);
            if covered && has_more {
                return Ok(cache
                    .uids
                    .iter()
                    .copied()
                    .filter(|uid| *uid > after_uid)
                    .collect());
            }
        }
        let Some(range) = uid_set::search_range_after(after_uid) else {
            return Ok(Vec::new());
        };
        // No CHARSET argument: 163 and some Exchange servers refuse `CHARSET UTF-8` outright.
        let found = self
            .session
            .uid_search(format!("UID {range}"))
            .await
            .map_err(|error| imap_error(format!("UID SEARCH UID {range}"), error))?;
        let mut uids: Vec<u32> = found.into_iter().filter(|uid| *uid > after_uid).collect();
        uids.sort_unstable();
        if let Some(highest) = uids.last() {
            self.uid_next = self.uid_next.max(highest.saturating_add(1));
        }
        self.search_cache = Some(SearchCache {
            searched_from: after_uid.saturating_add(1),
            uids: uids.clone(),
        });
        Ok(uids)
    }

    /// True when a message at or above the known UIDNEXT exists (used by polling and before IDLE).
    pub async fn has_unseen_uids(&mut self) -> Result<bool, MailboxError> {
        // NOOP first: Dovecot brings the selected mailbox's view up to date at NOOP, not before a
        // SEARCH, so without it a poll sees a new message one interval late.
        self.session
            .noop()
            .await
            .map_err(|error| imap_error("NOOP", error))?;
        let known_next = self.uid_next;
        self.search_cache = None;
        let uids = self.uids_after(known_next.saturating_sub(1)).await?;
        Ok(!uids.is_empty())
    }

    /// The next batch of up to `batch_size` messages above `after_uid`, ascending by UID.
    pub async fn fetch_batch(
        &mut self,
        after_uid: u32,
        batch_size: usize,
        mailbox_name: &str,
    ) -> Result<Vec<RawMessage>, MailboxError> {
        let found = self.uids_after(after_uid).await?;
        let batch = uid_set::next_batch(&found, after_uid, batch_size);
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let batch = self.within_budget(batch).await?;
        let set = uid_set::compact(&batch);
        let fetches: Vec<async_imap::types::Fetch> = self
            .session
            .uid_fetch(&set, FETCH_ITEMS)
            .await
            .map_err(|error| imap_error(format!("UID FETCH {set}"), error))?
            .try_collect()
            .await
            .map_err(|error| imap_error(format!("UID FETCH {set}"), error))?;
        let mut messages: Vec<RawMessage> = fetches
            .iter()
            .filter_map(|fetch| {
                // Unsolicited FETCHes (flag changes by other clients) come without a body: skip.
                let uid = fetch.uid.filter(|uid| batch.binary_search(uid).is_ok())?;
                let bytes = fetch.body()?.to_vec();
                let internal_date = fetch
                    .internal_date()
                    .and_then(|date| jiff::Timestamp::from_second(date.timestamp()).ok());
                Some(RawMessage {
                    mailbox: mailbox_name.to_string(),
                    uid_validity: self.uid_validity,
                    uid,
                    internal_date,
                    bytes,
                })
            })
            .collect();
        messages.sort_by_key(|message| message.uid);
        messages.dedup_by_key(|message| message.uid);
        if messages.len() < batch.len() {
            // Expunged by another client between SEARCH and FETCH.
            tracing::warn!(requested = %set, got = messages.len(), "some messages vanished before they were fetched");
        }
        Ok(messages)
    }

    /// The longest prefix of `uids` within [`BATCH_BYTES`] by their RFC822.SIZE (at least
    /// one): one small round trip, so a batch of large messages cannot fill the memory.
    async fn within_budget(&mut self, uids: Vec<u32>) -> Result<Vec<u32>, MailboxError> {
        if uids.len() <= 1 {
            return Ok(uids);
        }
        let set = uid_set::compact(&uids);
        let fetches: Vec<async_imap::types::Fetch> = self
            .session
            .uid_fetch(&set, SIZE_ITEMS)
            .await
            .map_err(|error| imap_error(format!("UID FETCH {set} {SIZE_ITEMS}"), error))?
            .try_collect()
            .await
            .map_err(|error| imap_error(format!("UID FETCH {set} {SIZE_ITEMS}"), error))?;
        let sizes: HashMap<u32, u64> = fetches
            .iter()
            .filter_map(|fetch| Some((fetch.uid?, u64::from(fetch.size?))))
            .collect();
        let size_of = |uid| sizes.get(&uid).copied().unwrap_or(0);
        Ok(uid_set::within_budget(&uids, size_of, BATCH_BYTES))
    }

    /// Leaves, flags `\Seen`, or moves messages, with one command for all of them (a UID set).
    /// Never deletes otherwise.
    pub async fn after_filing(
        &mut self,
        uids: &[u32],
        action: &AfterFiling,
    ) -> Result<(), MailboxError> {
        if uids.is_empty() {
            return Ok(());
        }
        if !matches!(action, AfterFiling::Leave) {
            self.open_read_write().await?;
        }
        let set = uid_set::compact(uids);
        match action {
            AfterFiling::Leave => Ok(()),
            AfterFiling::Seen => self.store_flag(&set, "\\Seen").await,
            AfterFiling::Move(folder) => {
                let folder = encode_mailbox_name(folder);
                // The moved UID leaves this mailbox: the cached search result would still list it.
                self.search_cache = None;
                if self.capabilities.move_command {
                    self.transfer_creating_folder(&set, &folder, Transfer::Move)
                        .await
                } else if self.capabilities.uidplus {
                    self.transfer_creating_folder(&set, &folder, Transfer::Copy)
                        .await?;
                    self.store_flag(&set, "\\Deleted").await?;
                    self.expunge_only(&set).await
                } else {
                    Err(MailboxError::new(
                        MailboxErrorKind::Unsupported,
                        "after_filing = move needs MOVE or UIDPLUS; the server has neither \
                         (a plain EXPUNGE would also remove other clients' \\Deleted messages)",
                    ))
                }
            }
        }
    }

    /// Reopens a mailbox opened read-only with SELECT, for an action that changes it (the
    /// configured `after_filing` opens it read-write from the start). The UIDs to act on are
    /// only valid if UIDVALIDITY did not change in between.
    async fn open_read_write(&mut self) -> Result<(), MailboxError> {
        if self.access == Access::ReadWrite {
            return Ok(());
        }
        let (uid_validity, uid_next) =
            open(&mut self.session, &self.mailbox, Access::ReadWrite).await?;
        self.access = Access::ReadWrite;
        if uid_validity != self.uid_validity {
            self.uid_validity = uid_validity;
            self.uid_next = uid_next;
            self.search_cache = None;
            return Err(MailboxError::new(
                MailboxErrorKind::StaleUid,
                format!(
                    "{}: UIDVALIDITY changed to {uid_validity} before filing could act on it",
                    self.mailbox
                ),
            ));
        }
        self.uid_next = self.uid_next.max(uid_next);
        Ok(())
    }

    async fn store_flag(&mut self, set: &str, flag: &str) -> Result<(), MailboxError> {
        let command = format!("+FLAGS.SILENT ({flag})");
        let stored = self.session.uid_store(set, &command).await;
        let updates: Result<Vec<_>, _> = match stored {
            Ok(stream) => stream.try_collect().await,
            Err(error) => Err(error),
        };
        updates
            .map(|_| ())
            .map_err(|error| imap_error(format!("UID STORE {set} {command}"), error))
    }

    /// UID EXPUNGE (UIDPLUS) touches only `set`, not other clients' `\Deleted` messages.
    async fn expunge_only(&mut self, set: &str) -> Result<(), MailboxError> {
        let expunge = self.session.uid_expunge(set).await;
        let expunged: Result<Vec<u32>, _> = match expunge {
            Ok(stream) => stream.try_collect().await,
            Err(error) => Err(error),
        };
        expunged
            .map(|_| ())
            .map_err(|error| imap_error(format!("UID EXPUNGE {set}"), error))
    }

    /// Copies or moves; when the server answers `[TRYCREATE]`, creates the folder and retries once.
    async fn transfer_creating_folder(
        &mut self,
        set: &str,
        folder: &str,
        how: Transfer,
    ) -> Result<(), MailboxError> {
        let context = format!("{how:?} {set} to {folder}");
        match self.transfer(set, folder, how).await {
            Ok(()) => Ok(()),
            Err(async_imap::error::Error::No(text))
                if text.to_ascii_lowercase().contains("trycreate") =>
            {
                self.session
                    .create(folder)
                    .await
                    .map_err(|error| imap_error(format!("CREATE {folder}"), error))?;
                self.transfer(set, folder, how)
                    .await
                    .map_err(|error| imap_error(context, error))
            }
            Err(error) => Err(imap_error(context, error)),
        }
    }

    async fn transfer(
        &mut self,
        set: &str,
        folder: &str,
        how: Transfer,
    ) -> async_imap::error::Result<()> {
        match how {
            Transfer::Move => self.session.uid_mv(set, folder).await,
            Transfer::Copy => self.session.uid_copy(set, folder).await,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Transfer {
    Move,
    Copy,
}

/// Maps async-imap's errors: NO/BAD are the server's answer (session still usable), anything
/// else means the connection cannot be trusted any more.
pub fn imap_error(context: impl Into<String>, error: async_imap::error::Error) -> MailboxError {
    use async_imap::error::Error;
    let kind = match &error {
        Error::No(_) | Error::Bad(_) | Error::Validate(_) | Error::Append => {
            MailboxErrorKind::Server
        }
        _ => MailboxErrorKind::Network,
    };
    MailboxError::with_source(kind, context, error)
}
