//! The summary workbook (汇总表) staff work from in Excel: every current
//! application on one sheet, one sheet per category, and the counts against
//! the quotas. Attached to every digest and written by `shenbao export`.
//!
//! Every sheet has its header row frozen and an autofilter; widths fit the
//! Chinese text; dates are date cells and money is numbers, so staff can sort
//! and sum. Applicants' text is written as text, never as a formula (see
//! [`cells`]). Depends on `config` and the staff rows; no store, no I/O.

pub mod cells;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use rust_xlsxwriter::{RowNum, Workbook, XlsxError};

use super::progress::Progress;
use super::quota::QuotaLine;
use super::rows::{ApplicationRow, status_name};
use crate::config::Call;
use cells::{Formats, SheetWriter};

/// The sheet of every application.
pub const ALL_SHEET: &str = "全部申报";
/// The sheet of counts against quotas.
pub const QUOTA_SHEET: &str = "名额统计";
/// The sheet of applications under a category the call does not know.
pub const OTHER_SHEET: &str = "其他类别";

/// Columns of the application sheets, in order.
pub const APPLICATION_COLUMNS: [&str; 16] = [
    "受理编号",
    "学会名称",
    "申报类别",
    "项目子类",
    "项目名称",
    "申请金额（元）",
    "开始日期",
    "结束日期",
    "联系人",
    "手机",
    "电子邮箱",
    "状态",
    "问题",
    "收到时间",
    "版本",
    "校验码",
];

const QUOTA_COLUMNS: [&str; 12] = [
    "类别",
    "子类",
    "名额",
    "单位",
    "计入名额",
    "已受理",
    "待审核",
    "待补正",
    "逾期",
    "合计",
    "申请金额（元）",
    "超出名额",
];

/// The attachment's name: ASCII, dated in the call's time zone (`summary-2020-08-20.xlsx`).
pub fn summary_filename(call: &Call, now: Timestamp) -> String {
    let day = now.to_zoned(call.time_zone.clone()).date();
    format!("summary-{day}.xlsx")
}

/// The workbook as .xlsx bytes.
pub fn summary_workbook(
    call: &Call,
    rows: &[ApplicationRow],
    quotas: &[QuotaLine],
    progress: &mut dyn Progress,
) -> Result<Vec<u8>, XlsxError> {
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    progress.start("写入汇总表", rows.len() as u64 * 2);

    let sheet = workbook.add_worksheet().set_name(ALL_SHEET)?;
    application_sheet(sheet, &formats, call, rows.iter(), progress)?;

    let mut used_names = vec![ALL_SHEET.to_string(), QUOTA_SHEET.to_string()];
    for category in &call.categories {
        let name = unique_sheet_name(&category.name, &mut used_names);
        let sheet = workbook.add_worksheet().set_name(name)?;
        let in_category = rows.iter().filter(|row| row.category == category.key);
        application_sheet(sheet, &formats, call, in_category, progress)?;
    }
    let other = |row: &&ApplicationRow| call.category(&row.category).is_none();
    if rows.iter().any(|row| other(&row)) {
        let name = unique_sheet_name(OTHER_SHEET, &mut used_names);
        let sheet = workbook.add_worksheet().set_name(name)?;
        application_sheet(sheet, &formats, call, rows.iter().filter(other), progress)?;
    }

    let sheet = workbook.add_worksheet().set_name(QUOTA_SHEET)?;
    quota_sheet(sheet, &formats, quotas)?;
    progress.finish();
    workbook.save_to_buffer()
}

fn application_sheet<'r>(
    sheet: &mut rust_xlsxwriter::Worksheet,
    formats: &Formats,
    call: &Call,
    rows: impl Iterator<Item = &'r ApplicationRow> + Clone,
    progress: &mut dyn Progress,
) -> Result<(), XlsxError> {
    let mut writer = SheetWriter::new(sheet, formats);
    writer.header(&APPLICATION_COLUMNS, rows.clone().count())?;
    for (row, application) in (1..).zip(rows) {
        application_row(&mut writer, row, application, &call.time_zone)?;
        progress.advance();
    }
    writer.finish()
}

fn application_row(
    writer: &mut SheetWriter<'_>,
    row: RowNum,
    application: &ApplicationRow,
    zone: &TimeZone,
) -> Result<(), XlsxError> {
    writer.text(row, 0, &application.receipt)?;
    writer.text(row, 1, &application.society)?;
    writer.text(row, 2, &application.category_name)?;
    writer.text(
        row,
        3,
        application.subcategory_name.as_deref().unwrap_or_default(),
    )?;
    writer.text(row, 4, &application.project)?;
    writer.money(row, 5, application.amount)?;
    writer.date(row, 6, application.start_date)?;
    writer.date(row, 7, application.end_date)?;
    writer.text(row, 8, &application.contact)?;
    writer.text(row, 9, &application.mobile)?;
    writer.text(row, 10, &application.email)?;
    writer.text(row, 11, status_name(application.status))?;
    writer.long_text(row, 12, &application.deficiency_lines().join("\n"))?;
    let received = application.received_at.to_zoned(zone.clone()).datetime();
    writer.date_time(row, 13, received)?;
    writer.count(row, 14, application.version)?;
    writer.text(row, 15, &application.fingerprint)
}

fn quota_sheet(
    sheet: &mut rust_xlsxwriter::Worksheet,
    formats: &Formats,
    quotas: &[QuotaLine],
) -> Result<(), XlsxError> {
    let mut writer = SheetWriter::new(sheet, formats);
    writer.header(&QUOTA_COLUMNS, quotas.len())?;
    for (row, line) in (1..).zip(quotas) {
        writer.text(row, 0, &line.category_name)?;
        writer.text(row, 1, line.subcategory_name.as_deref().unwrap_or_default())?;
        if let Some(quota) = line.quota {
            writer.count(row, 2, quota)?;
        }
        writer.text(row, 3, &line.unit)?;
        writer.count(row, 4, line.counted)?;
        writer.count(row, 5, line.counts.accepted)?;
        writer.count(row, 6, line.counts.review)?;
        writer.count(row, 7, line.counts.deficient)?;
        writer.count(row, 8, line.counts.rejected)?;
        writer.count(row, 9, line.counts.total())?;
        writer.money(row, 10, Some(line.amount))?;
        if line.over_quota() {
            writer
                .sheet
                .write_string_with_format(row, 11, "超出", &formats.alert)?;
        }
    }
    writer.finish()
}

/// A sheet name Excel accepts (31 characters, none of `[]:*?/\`), unique in the workbook.
fn unique_sheet_name(wanted: &str, used: &mut Vec<String>) -> String {
    let cleaned: String = wanted
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .collect();
    let cleaned = cleaned.trim_matches('\'').trim();
    let base: String = if cleaned.is_empty() {
        "类别"
    } else {
        cleaned
    }
    .chars()
    .take(28)
    .collect();
    let mut name = base.clone();
    let mut n = 2;
    while used.iter().any(|taken| taken.eq_ignore_ascii_case(&name)) {
        name = format!("{base}({n})");
        n += 1;
    }
    used.push(name.clone());
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_cleaned_cut_and_unique() {
        let mut used = vec![ALL_SHEET.to_string()];
        assert_eq!(unique_sheet_name("a/b:c", &mut used), "a_b_c");
        assert_eq!(unique_sheet_name("全部申报", &mut used), "全部申报(2)");
        let long = "很".repeat(40);
        assert_eq!(unique_sheet_name(&long, &mut used).chars().count(), 28);
        assert_eq!(unique_sheet_name("''", &mut used), "类别");
    }
}
