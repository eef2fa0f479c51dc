//! A local Maildir as the source (the embedded default): the local MTA delivers into `new/`,
//! this source hands the messages out with UIDs it keeps in `shenbao-uids`, and after filing
//! moves each to `cur/` (with `:2,` info), flags it `S`, or moves it to a `.Folder`.
//!
//! The mailbox is `new/` plus `cur/`, like an IMAP folder: a message keeps its UID when it
//! moves from `new/` to `cur/`, so what was processed is known from the store's UIDs, never
//! from where a file sits or from its flags.
//!
//! New mail is found by listing `new/` every second rather than with inotify: no extra
//! dependency, no lost events on network or overlay file systems, and the listing is cheap
//! because `new/` only holds mail not yet filed. A second's latency is nothing for mail.

mod after_filing;
mod files;
mod uid_list;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::time::Instant;

use self::files::{MaildirFile, ReadMessage, Subdir};
use self::uid_list::UidList;
use super::config::{AfterFiling, BATCH_BYTES, MaildirConfig};
use super::{MailboxError, MailboxErrorKind, MessageKey, RawMessage, Wake};

/// How often `new/` is listed while waiting for mail.
pub const MAILDIR_POLL_INTERVAL: Duration = Duration::from_secs(1);
const UID_LIST_FILE: &str = "shenbao-uids";

/// A Maildir being watched; see the module doc.
#[derive(Debug)]
pub struct MaildirSource {
    root: PathBuf,
    name: String,
    uids: UidList,
    /// Where each known UID's file was last seen.
    paths: HashMap<u32, PathBuf>,
    batch_size: usize,
    after_filing: AfterFiling,
}

impl MaildirSource {
    /// Opens (creating `tmp/`, `new/`, `cur/` when missing, so the MTA can deliver) and gives
    /// every message already there a UID.
    pub async fn open(config: &MaildirConfig) -> Result<MaildirSource, MailboxError> {
        if let AfterFiling::Move(folder) = &config.after_filing {
            files::check_folder_name(folder)?;
        }
        for subdir in [Subdir::Tmp, Subdir::New, Subdir::Cur] {
            files::create_dir_all(&config.path.join(subdir.name())).await?;
        }
        // The name goes into every store key: `./Maildir` and `/srv/x/Maildir` must not differ.
        let root = tokio::fs::canonicalize(&config.path)
            .await
            .map_err(|error| files::io_error(&config.path, "resolve", error))?;
        let uids = load_uid_list(&root).await?;
        let mut source = MaildirSource {
            name: format!("maildir:{}", root.display()),
            root,
            uids,
            paths: HashMap::new(),
            batch_size: config.batch_size.max(1) as usize,
            after_filing: config.after_filing.clone(),
        };
        source.rescan_all().await?;
        Ok(source)
    }

    /// The name put in [`RawMessage::mailbox`].
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn uid_validity(&self) -> u32 {
        self.uids.uid_validity
    }

    /// The UID the next new message will get.
    pub fn uid_next(&self) -> u32 {
        self.uids.next_uid
    }

    pub fn configured_after_filing(&self) -> &AfterFiling {
        &self.after_filing
    }

    /// Up to `batch_size` messages with a UID above `after` (all of them when `after` is of
    /// another UIDVALIDITY), ascending by UID, and no more than [`BATCH_BYTES`] beyond the
    /// first.
    pub async fn fetch_new(&mut self, after: MessageKey) -> Result<Vec<RawMessage>, MailboxError> {
        let after_uid = if after.uid_validity == self.uids.uid_validity {
            after.uid
        } else {
            0
        };
        // New files get UIDs above every known one: through a backlog, `new/` is listed again
        // only when the known UIDs run short of a batch, not for every batch.
        if self.uids.uids_after(after_uid, self.batch_size).len() < self.batch_size {
            self.pick_up_new().await?;
        }
        let uids = self.uids.uids_after(after_uid, self.batch_size);
        let paths: Vec<PathBuf> = uids
            .iter()
            .map(|uid| self.paths.get(uid).cloned().unwrap_or_default())
            .collect();
        let read = files::read_messages(paths.clone(), BATCH_BYTES).await?;
        let mut messages = Vec::with_capacity(uids.len());
        let mut vanished = false;
        for ((uid, tried), read) in uids.into_iter().zip(paths).zip(read) {
            let read = match read {
                Some(read) => Some(read),
                None => self.read_moved(uid, tried).await?,
            };
            let Some((bytes, internal_date)) = read else {
                tracing::warn!(uid, maildir = %self.root.display(), "message file vanished before it was read");
                self.uids.remove(uid);
                vanished = true;
                continue;
            };
            messages.push(RawMessage {
                mailbox: self.name.clone(),
                uid_validity: self.uids.uid_validity,
                uid,
                internal_date,
                bytes,
            });
        }
        if vanished {
            save_uid_list(&self.root, &self.uids).await?;
        }
        Ok(messages)
    }

    /// A message not at the path tried (another reader renamed it): read where it is now;
    /// `None` when it is gone.
    async fn read_moved(
        &mut self,
        uid: u32,
        tried: PathBuf,
    ) -> Result<Option<ReadMessage>, MailboxError> {
        let known = self.paths.get(&uid).filter(|path| **path != tried).cloned();
        if let Some(path) = known
            && let Some(read) = files::read_message(&path).await?
        {
            return Ok(Some(read));
        }
        match self.locate_again(uid).await? {
            Some(path) => files::read_message(&path).await,
            None => Ok(None),
        }
    }

    /// Returns [`Wake::Changed`] as soon as `new/` holds a message without a UID, else
    /// [`Wake::TimedOut`] after `timeout`.
    pub async fn wait_for_change(&mut self, timeout: Duration) -> Result<Wake, MailboxError> {
        let deadline = Instant::now() + timeout;
        loop {
            if self.new_has_unknown_file().await? {
                return Ok(Wake::Changed);
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(Wake::TimedOut);
            }
            tokio::time::sleep(MAILDIR_POLL_INTERVAL.min(deadline - now)).await;
        }
    }

    /// Gives UIDs to files that arrived in `new/`, oldest first.
    async fn pick_up_new(&mut self) -> Result<(), MailboxError> {
        let listed = files::list(&self.root, Subdir::New).await?;
        let unknown = self.note_known(listed);
        if unknown.is_empty() {
            return Ok(());
        }
        self.number(unknown).await?;
        // Durable before any of these UIDs is handed out (see uid_list's module doc).
        save_uid_list(&self.root, &self.uids).await
    }

    /// Lists `new/` and `cur/` afresh: forgets UIDs whose file is gone, numbers unknown files.
    async fn rescan_all(&mut self) -> Result<(), MailboxError> {
        let mut listed = files::list(&self.root, Subdir::Cur).await?;
        listed.extend(files::list(&self.root, Subdir::New).await?);
        self.paths.clear();
        let unknown = self.note_known(listed);
        self.number(unknown).await?;
        for uid in self.uids.uids() {
            if !self.paths.contains_key(&uid) {
                self.uids.remove(uid);
            }
        }
        save_uid_list(&self.root, &self.uids).await
    }

    /// Records where the listed files with a UID are; returns the others.
    fn note_known(&mut self, listed: Vec<MaildirFile>) -> Vec<MaildirFile> {
        let mut unknown = Vec::new();
        for file in listed {
            match self.uids.uid_of(&file.base) {
                Some(uid) => {
                    self.paths.insert(uid, file.path);
                }
                None => unknown.push(file),
            }
        }
        unknown
    }

    /// Numbers files without a UID in delivery order (mtime, then name).
    async fn number(&mut self, unknown: Vec<MaildirFile>) -> Result<(), MailboxError> {
        if unknown.is_empty() {
            return Ok(());
        }
        let mut unknown = files::with_modified_times(unknown).await;
        unknown.sort_by(|a, b| (a.modified, &a.file_name).cmp(&(b.modified, &b.file_name)));
        for file in unknown {
            let uid = self.assign(&file.base)?;
            self.paths.insert(uid, file.path);
        }
        Ok(())
    }

    /// The current path of a UID's file, after listing `new/` and `cur/` again.
    async fn locate_again(&mut self, uid: u32) -> Result<Option<PathBuf>, MailboxError> {
        if self.uids.base_of(uid).is_none() {
            return Ok(None);
        }
        self.rescan_all().await?;
        Ok(self.paths.get(&uid).cloned())
    }

    async fn new_has_unknown_file(&self) -> Result<bool, MailboxError> {
        let found = files::list(&self.root, Subdir::New).await?;
        Ok(found
            .iter()
            .any(|file| self.uids.uid_of(&file.base).is_none()))
    }

    fn assign(&mut self, base: &str) -> Result<u32, MailboxError> {
        self.uids.assign(base).ok_or_else(|| {
            MailboxError::new(
                MailboxErrorKind::Io,
                format!("{}: UIDs exhausted; delete {UID_LIST_FILE}", self.name),
            )
        })
    }
}

async fn load_uid_list(root: &Path) -> Result<UidList, MailboxError> {
    let path = root.join(UID_LIST_FILE);
    match tokio::fs::read_to_string(&path).await {
        Ok(text) => match UidList::parse(&text) {
            Some(list) => Ok(list),
            None => {
                tracing::warn!(path = %path.display(), "UID list unreadable: starting a new UIDVALIDITY");
                Ok(UidList::new(fresh_uid_validity()))
            }
        },
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            Ok(UidList::new(fresh_uid_validity()))
        }
        Err(error) => Err(files::io_error(&path, "read", error)),
    }
}

async fn save_uid_list(root: &Path, uids: &UidList) -> Result<(), MailboxError> {
    files::write_durably(root, UID_LIST_FILE, uids.render().as_bytes()).await
}

/// Seconds since the epoch, like Dovecot: a list made again after being lost gets another
/// UIDVALIDITY, so old store keys cannot match the new numbering.
fn fresh_uid_validity() -> u32 {
    u32::try_from(jiff::Timestamp::now().as_second())
        .unwrap_or(u32::MAX)
        .max(1)
}
