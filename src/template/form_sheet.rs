//! The application sheet (申报书): title, note, one label/value row per field
//! from [`layout`], formats and validations by field kind, print setup.

use anyhow::Context;
use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, DataValidationRule, ExcelDateTime, Format,
    FormatAlign, FormatBorder, Formula, Workbook, Worksheet,
};

use super::describe::{is_period_date, money_unit, value_hint};
use super::dropdown::{DropDown, Source};
use super::layout::{
    LABEL_COL, NOTE_ROW, REQUIRED_MARKER, TITLE_ROW, TemplateRow, VALUE_FIRST_COL, VALUE_LAST_COL,
    layout,
};
use super::{FORM_SHEET, INSTRUCTIONS_SHEET};
use crate::config::{AmountRule, Call, FieldKind, MoneyUnit};

pub(super) const FONT: &str = "宋体";
/// Shown in date cells; calamine and Excel both take it for a date format.
const DATE_FORMAT: &str = "yyyy\"年\"m\"月\"d\"日\"";
const TEXT_FORMAT: &str = "@";
const VALUE_COL_WIDTH: f64 = 14.0;
const ROW_HEIGHT: f64 = 24.0;
const LONG_ROW_HEIGHT: f64 = 120.0;
/// Excel's limits on a validation's input title and message, in UTF-16 units.
const INPUT_TITLE_LIMIT: usize = 32;
const INPUT_MESSAGE_LIMIT: usize = 255;

/// Adds the application sheet; `dropdowns` says where each list's options live.
pub(super) fn add(
    workbook: &mut Workbook,
    call: &Call,
    dropdowns: &[DropDown],
) -> anyhow::Result<()> {
    let rows = layout(call);
    let sheet = workbook.add_worksheet();
    sheet.set_name(FORM_SHEET)?;
    write_heading(sheet, call)?;
    for row in &rows {
        write_row(sheet, row)?;
        if let Some(validation) = validation(call, row, dropdowns)? {
            sheet.add_data_validation(
                row.value_cell.row,
                row.value_cell.col,
                row.value_cell.row,
                row.value_last_col,
                &validation,
            )?;
        }
    }
    set_columns(sheet, &rows)?;
    set_print(sheet, rows.last().map_or(NOTE_ROW, |r| r.label_cell.row))?;
    Ok(())
}

fn write_heading(sheet: &mut Worksheet, call: &Call) -> anyhow::Result<()> {
    let title = Format::new()
        .set_font_name(FONT)
        .set_font_size(16)
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let note = Format::new()
        .set_font_name(FONT)
        .set_font_size(10)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap();
    sheet.merge_range(
        TITLE_ROW,
        LABEL_COL,
        TITLE_ROW,
        VALUE_LAST_COL,
        &format!("{}申报书", call.title),
        &title,
    )?;
    sheet.set_row_height(TITLE_ROW, 40)?;
    let note_text = format!(
        "标{REQUIRED_MARKER}为各类别必填项，其余项目按申报类别填写，详见“{INSTRUCTIONS_SHEET}”工作表。请勿修改左列项目名称；每个申报类别（项目）填写一张申报书。"
    );
    sheet.merge_range(
        NOTE_ROW,
        LABEL_COL,
        NOTE_ROW,
        VALUE_LAST_COL,
        &note_text,
        &note,
    )?;
    sheet.set_row_height(NOTE_ROW, 30)?;
    Ok(())
}

fn write_row(sheet: &mut Worksheet, row: &TemplateRow) -> anyhow::Result<()> {
    let label_format = Format::new()
        .set_font_name(FONT)
        .set_border(FormatBorder::Thin)
        .set_background_color(Color::RGB(0xF2F2F2))
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap();
    let label_font = Format::new().set_font_name(FONT);
    let marker_font = Format::new().set_font_name(FONT).set_font_color(Color::Red);
    let cell = row.label_cell;
    match row.label.strip_prefix(REQUIRED_MARKER) {
        Some(bare) => sheet.write_rich_string_with_format(
            cell.row,
            cell.col,
            &[(&marker_font, REQUIRED_MARKER), (&label_font, bare)],
            &label_format,
        )?,
        None => sheet.write_string_with_format(cell.row, cell.col, &row.label, &label_format)?,
    };
    sheet.merge_range(
        row.value_cell.row,
        row.value_cell.col,
        row.value_cell.row,
        row.value_last_col,
        "",
        &value_format(row),
    )?;
    let height = if row.long_text {
        LONG_ROW_HEIGHT
    } else {
        ROW_HEIGHT
    };
    sheet.set_row_height(cell.row, height)?;
    Ok(())
}

fn value_format(row: &TemplateRow) -> Format {
    let base = Format::new()
        .set_font_name(FONT)
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Left)
        .set_text_wrap();
    let base = if row.long_text {
        base.set_align(FormatAlign::Top)
    } else {
        base.set_align(FormatAlign::VerticalCenter)
    };
    match row.kind {
        FieldKind::Date => base.set_num_format(DATE_FORMAT),
        FieldKind::Money => match money_unit(&row.label) {
            MoneyUnit::Yuan => base.set_num_format("#,##0"),
            MoneyUnit::Wan => base.set_num_format("0.00##"),
        },
        FieldKind::Years => base.set_num_format("0"),
        // Digits stay as typed: no 1.39E+10 for a mobile, no lost leading zero.
        FieldKind::Text
        | FieldKind::CreditCode
        | FieldKind::Category
        | FieldKind::SubCategory
        | FieldKind::Phone
        | FieldKind::Email
        | FieldKind::DateRange => base.set_num_format(TEXT_FORMAT),
    }
}

/// The validation of a value cell: a rule by kind (drop-down, date, number,
/// length) plus the field's hint as the input message. Rules other than the
/// drop-downs only warn: the reader accepts more spellings than Excel can check.
fn validation(
    call: &Call,
    row: &TemplateRow,
    dropdowns: &[DropDown],
) -> anyhow::Result<Option<DataValidation>> {
    let Some(field) = call.field(&row.field_key) else {
        return Ok(None);
    };
    let warn = |v: DataValidation| v.set_error_style(DataValidationErrorStyle::Warning);
    let rule = match row.kind {
        FieldKind::Category | FieldKind::SubCategory => {
            match dropdowns.iter().find(|d| d.kind == row.kind) {
                Some(dropdown) => Some(list_validation(dropdown)?),
                None => None,
            }
        }
        FieldKind::Date => Some(warn(date_validation(call, &row.field_key)?)),
        FieldKind::Money => money_validation(call, &row.label)?.map(warn),
        FieldKind::Years => Some(warn(
            DataValidation::new().allow_whole_number(DataValidationRule::Between(0, 100)),
        )),
        FieldKind::CreditCode => Some(warn(
            DataValidation::new().allow_text_length(DataValidationRule::Between(18, 18)),
        )),
        FieldKind::Text => field
            .max_chars
            .and_then(|n| u32::try_from(n).ok())
            .map(|n| {
                warn(
                    DataValidation::new()
                        .allow_text_length(DataValidationRule::LessThanOrEqualTo(n)),
                )
            }),
        FieldKind::Phone | FieldKind::Email | FieldKind::DateRange => None,
    };
    let hint = value_hint(call, field);
    let validation = match (rule, hint.is_empty()) {
        (None, true) => return Ok(None),
        (None, false) => DataValidation::new().allow_any_value(),
        (Some(rule), _) => rule,
    };
    with_input_message(validation, &field.label, &hint).map(Some)
}

fn with_input_message(
    validation: DataValidation,
    title: &str,
    hint: &str,
) -> anyhow::Result<DataValidation> {
    let mut validation = validation;
    if title.encode_utf16().count() <= INPUT_TITLE_LIMIT {
        validation = validation.set_input_title(title)?;
    }
    let message = if hint.encode_utf16().count() <= INPUT_MESSAGE_LIMIT {
        hint.to_string()
    } else {
        format!("详见“{INSTRUCTIONS_SHEET}”工作表。")
    };
    if !message.is_empty() {
        validation = validation.set_input_message(message)?;
    }
    Ok(validation)
}

fn list_validation(dropdown: &DropDown) -> anyhow::Result<DataValidation> {
    let validation = match &dropdown.source {
        Source::Inline => DataValidation::new().allow_list_strings(&dropdown.options)?,
        Source::OptionsSheet { range, .. } => {
            DataValidation::new().allow_list_formula(Formula::new(range))
        }
    };
    Ok(validation
        .set_error_title("请从下拉列表中选择")?
        .set_error_message("请点击单元格右侧的箭头，从下拉列表中选择。")?)
}

/// Period dates must lie in the call's window; other dates in the years the
/// reader takes for dates.
fn date_validation(call: &Call, key: &str) -> anyhow::Result<DataValidation> {
    let (first, last) = if is_period_date(call, key) {
        (excel_date(call.period_start)?, excel_date(call.period_end)?)
    } else {
        (
            ExcelDateTime::from_ymd(2000, 1, 1)?,
            ExcelDateTime::from_ymd(2099, 12, 31)?,
        )
    };
    Ok(DataValidation::new()
        .allow_date(DataValidationRule::Between(first, last))
        .set_error_title("日期有误")?
        .set_error_message("请填写有效日期，项目日期须在申报通知规定的期间内。")?)
}

fn excel_date(date: jiff::civil::Date) -> anyhow::Result<ExcelDateTime> {
    let year = u16::try_from(date.year()).context("a year before 0")?;
    let month = u8::try_from(date.month()).context("a month out of range")?;
    let day = u8::try_from(date.day()).context("a day out of range")?;
    Ok(ExcelDateTime::from_ymd(year, month, day)?)
}

/// Zero up to the largest amount any category allows, in the label's unit;
/// none when no category requests an amount.
fn money_validation(call: &Call, label: &str) -> anyhow::Result<Option<DataValidation>> {
    let Some(max_yuan) = call
        .categories
        .iter()
        .filter_map(|c| match c.amount {
            AmountRule::Range { max, .. } => Some(max),
            AmountRule::NoAmount => None,
        })
        .max()
    else {
        return Ok(None);
    };
    // Amounts are whole yuan far below 2^53: the cast to f64 is exact.
    let max = match money_unit(label) {
        MoneyUnit::Yuan => max_yuan as f64,
        MoneyUnit::Wan => max_yuan as f64 / 10_000.0,
    };
    let validation = DataValidation::new()
        .allow_decimal_number(DataValidationRule::Between(0.0, max))
        .set_error_title("金额超出范围")?
        .set_error_message(format!(
            "申请金额超出资助范围，请核对“{INSTRUCTIONS_SHEET}”中本类别的金额。"
        ))?;
    Ok(Some(validation))
}

fn set_columns(sheet: &mut Worksheet, rows: &[TemplateRow]) -> anyhow::Result<()> {
    let widest_label = rows
        .iter()
        .map(|r| display_width(&r.label))
        .max()
        .unwrap_or(0);
    let label_width = (widest_label + 4).clamp(14, 30);
    sheet.set_column_width(LABEL_COL, label_width as f64)?;
    for col in VALUE_FIRST_COL..=VALUE_LAST_COL {
        sheet.set_column_width(col, VALUE_COL_WIDTH)?;
    }
    Ok(())
}

/// Width in Excel's character units: a CJK character takes about two.
pub(super) fn display_width(text: &str) -> usize {
    text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

fn set_print(sheet: &mut Worksheet, last_row: u32) -> anyhow::Result<()> {
    const A4: u8 = 9;
    sheet.set_paper_size(A4);
    sheet.set_portrait();
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_print_center_horizontally(true);
    sheet.set_print_area(TITLE_ROW, LABEL_COL, last_row, VALUE_LAST_COL)?;
    Ok(())
}
