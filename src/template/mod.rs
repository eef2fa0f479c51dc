//! The blank 申报书 (`shenbao template`), written with rust_xlsxwriter.
//!
//! Everything on it comes from the call ([`Call`]): the title, the labels in form
//! order, the drop-down lists, the amounts, the period and the deadline. The
//! workbook has the application sheet first (申报书) and the instructions second
//! (填表说明); when a drop-down list is too long for Excel's inline limit, its
//! options go to a hidden third sheet (选项).
//!
//! The form reader (`form/`) must read a filled copy back, so the layout keeps to
//! `form.md`: one label cell and one value cell per row, nothing else to the right
//! of a label, nothing below the last label, and the instructions never hold a
//! cell that is a bare label. [`layout`] is the single source of the positions,
//! used by the writer and by whoever fills a copy (tests, the integrator).
//!
//! Depends on `config` and `text` only; does no I/O except [`write_template`].

mod describe;
mod dropdown;
mod form_sheet;
mod instructions;
mod layout;

use std::path::Path;

use anyhow::Context;
use rust_xlsxwriter::Workbook;

use crate::config::Call;

pub use layout::{CellRef, TemplateRow, layout};

/// Name of the application sheet.
pub const FORM_SHEET: &str = "申报书";
/// Name of the instructions sheet.
pub const INSTRUCTIONS_SHEET: &str = "填表说明";
/// Name of the hidden sheet holding drop-down options too long to inline.
pub const OPTIONS_SHEET: &str = "选项";

/// The blank 申报书 for `call`, as the bytes of an .xlsx file.
pub fn template_bytes(call: &Call) -> anyhow::Result<Vec<u8>> {
    let dropdowns = dropdown::plan(call);
    let mut workbook = Workbook::new();
    form_sheet::add(&mut workbook, call, &dropdowns).context("writing the application sheet")?;
    instructions::add(&mut workbook, call).context("writing the instructions sheet")?;
    dropdown::add_options_sheet(&mut workbook, &dropdowns).context("writing the options sheet")?;
    workbook
        .save_to_buffer()
        .context("assembling the template workbook")
}

/// Writes the blank 申报书 for `call` to `path`.
pub fn write_template(call: &Call, path: &Path) -> anyhow::Result<()> {
    let bytes = template_bytes(call)?;
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}
