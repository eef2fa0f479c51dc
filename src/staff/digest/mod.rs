//! The staff digest: what happened since the last one, the counts against the
//! quotas, what waits for staff, and the mailbox's health, in Chinese, as
//! text and HTML, with the summary workbook attached.
//!
//! - [`facts`]: read from the store ([`DigestFacts`]).
//! - [`view`]: the facts as display strings ([`DigestView`]).
//! - [`render`]: the view through the built-in templates → [`Notice`].
//! - [`queue`]: composed as mail and queued in the outbox, one copy per staff
//!   address, for a scheduled slot or on demand.

pub mod facts;
pub mod queue;
pub mod view;

use minijinja::{Environment, UndefinedBehavior};

use super::schedule::Slot;
use crate::notice::Notice;

pub use facts::DigestFacts;
pub use view::DigestView;

/// Why a digest is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occasion {
    /// For a slot of the schedule (`due_slot`).
    Scheduled(Slot),
    /// `shenbao digest`.
    OnDemand,
}

const TEXT_TEMPLATE: &str = "digest.txt";
/// The `.html` name turns on minijinja's HTML escaping: applicants' text never becomes markup.
const HTML_TEMPLATE: &str = "digest.html";

/// The digest as subject, plain text and HTML.
pub fn render(view: &DigestView) -> Result<Notice, minijinja::Error> {
    let mut env = Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.add_template(TEXT_TEMPLATE, include_str!("../templates/digest.txt"))?;
    env.add_template(HTML_TEMPLATE, include_str!("../templates/digest.html"))?;
    Ok(Notice {
        subject: view.subject.clone(),
        text: env.get_template(TEXT_TEMPLATE)?.render(view)?,
        html: env.get_template(HTML_TEMPLATE)?.render(view)?,
    })
}
