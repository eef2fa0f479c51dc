//! A Maildir on a temp dir, delivered into as an MTA does.

use std::path::{Path, PathBuf};

use shenbao::mailbox::{AfterFiling, MaildirConfig};

/// A Maildir source that leaves filed mail where it is.
pub fn config(path: &Path, batch_size: u32) -> MaildirConfig {
    MaildirConfig {
        path: path.to_path_buf(),
        after_filing: AfterFiling::Leave,
        batch_size,
    }
}

/// Delivers like an MTA: write into tmp/, rename into new/. The message's subject
/// and body are `body`.
pub fn deliver(maildir: &Path, name: &str, body: &str) -> PathBuf {
    std::fs::create_dir_all(maildir.join("tmp")).unwrap();
    std::fs::create_dir_all(maildir.join("new")).unwrap();
    let temporary = maildir.join("tmp").join(name);
    std::fs::write(&temporary, message(body)).unwrap();
    let delivered = maildir.join("new").join(name);
    std::fs::rename(&temporary, &delivered).unwrap();
    delivered
}

pub fn message(body: &str) -> Vec<u8> {
    format!("From: a@example.test\r\nSubject: {body}\r\n\r\n{body}\r\n").into_bytes()
}

/// The file names in `dir`, sorted (none if it does not exist).
pub fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}
