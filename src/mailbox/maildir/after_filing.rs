//! What becomes of filed messages: moved to `cur/` (Leave), flagged `S` (Seen), or moved into
//! a `.Folder` subfolder (Move). A batch is renamed in one go on a blocking thread, and the UID
//! list written once for it.

use std::path::{Path, PathBuf};

use super::files::{self, MaildirFile, Subdir};
use super::{MaildirSource, save_uid_list};
use crate::mailbox::config::AfterFiling;
use crate::mailbox::{MailboxError, MailboxErrorKind, MessageKey};

impl MaildirSource {
    /// Applies `action` to each message. A message no longer here is not an error: filing may
    /// be retried after a crash. Every message is tried and the first failure returned; keys
    /// of another UIDVALIDITY are refused (StaleUid).
    pub async fn after_filing_many(
        &mut self,
        keys: &[MessageKey],
        action: &AfterFiling,
    ) -> Result<(), MailboxError> {
        let mut first_error = keys
            .iter()
            .find(|key| key.uid_validity != self.uids.uid_validity)
            .map(|stale| {
                MailboxError::new(
                    MailboxErrorKind::StaleUid,
                    format!(
                        "{}: UID {} is of UIDVALIDITY {}, the Maildir's is now {}",
                        self.name, stale.uid, stale.uid_validity, self.uids.uid_validity
                    ),
                )
            });
        let current: Vec<u32> = keys
            .iter()
            .filter(|key| key.uid_validity == self.uids.uid_validity)
            .map(|key| key.uid)
            .collect();
        let target = self.target_dir(action).await?;
        let mut planned = Vec::with_capacity(keys.len());
        for uid in current {
            let from = match self.paths.get(&uid) {
                Some(path) => path.clone(),
                None => match self.locate_again(uid).await? {
                    Some(path) => path,
                    None => continue,
                },
            };
            match destination(&from, &target, action) {
                Some(to) if to != from => planned.push((uid, from, to)),
                _ => {}
            }
        }
        let moves = planned
            .iter()
            .map(|(_, from, to)| (from.clone(), to.clone()))
            .collect();
        let renamed = files::rename_all(moves).await?;
        let mut n_moved = 0;
        for ((uid, from, to), result) in planned.into_iter().zip(renamed) {
            let moved = match result {
                Ok(()) => Ok(Some(to)),
                // Another reader renamed it meanwhile: find it again.
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                    self.move_again(uid, &target, action).await
                }
                Err(error) => Err(files::io_error(&from, "move", error)),
            };
            match moved {
                Ok(Some(to)) => {
                    self.record_move(uid, to, action);
                    n_moved += 1;
                }
                Ok(None) => tracing::debug!(uid, "after_filing: message already gone"),
                Err(error) => {
                    first_error.get_or_insert(error);
                }
            }
        }
        if n_moved > 0 && matches!(action, AfterFiling::Move(_)) {
            save_uid_list(&self.root, &self.uids).await?;
        }
        first_error.map_or(Ok(()), Err)
    }

    /// `cur/` of the Maildir, or of the Move folder (created when missing).
    async fn target_dir(&self, action: &AfterFiling) -> Result<PathBuf, MailboxError> {
        let AfterFiling::Move(folder) = action else {
            return Ok(self.root.join(Subdir::Cur.name()));
        };
        files::check_folder_name(folder)?;
        let folder_root = self.root.join(format!(".{folder}"));
        for subdir in [Subdir::Tmp, Subdir::New, Subdir::Cur] {
            files::create_dir_all(&folder_root.join(subdir.name())).await?;
        }
        Ok(folder_root.join(Subdir::Cur.name()))
    }

    /// Looks for the message again and moves it alone; `None` when it is gone.
    async fn move_again(
        &mut self,
        uid: u32,
        target: &Path,
        action: &AfterFiling,
    ) -> Result<Option<PathBuf>, MailboxError> {
        let Some(from) = self.locate_again(uid).await? else {
            return Ok(None);
        };
        let Some(to) = destination(&from, target, action) else {
            return Ok(None);
        };
        files::rename(&from, &to).await?;
        Ok(Some(to))
    }

    fn record_move(&mut self, uid: u32, to: PathBuf, action: &AfterFiling) {
        if matches!(action, AfterFiling::Move(_)) {
            // Out of this mailbox: the UID is not handed out again.
            self.uids.remove(uid);
            self.paths.remove(&uid);
        } else {
            self.paths.insert(uid, to);
        }
    }
}

/// Where the file at `from` goes in `target`, with the `S` flag added for Seen; `None` for a
/// name that is not a message's.
fn destination(from: &Path, target: &Path, action: &AfterFiling) -> Option<PathBuf> {
    let file = MaildirFile::from_path(from)?;
    let flags = match action {
        AfterFiling::Seen => files::add_flag(&file.flags, 'S'),
        AfterFiling::Leave | AfterFiling::Move(_) => file.flags,
    };
    Some(target.join(format!("{}:2,{flags}", file.base)))
}
