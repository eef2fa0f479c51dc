//! The instructions sheet (填表说明): when and how to send, one sheet per
//! application, what each category funds and requires, how to fill each field.
//!
//! Labels only ever appear quoted (“学会名称”) or inside sentences, so the reader
//! never takes this sheet for an application.

use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use super::describe::{
    amount_zh, deadline_zh, extra_fields_zh, numbered, period_zh, quoted, requirement,
    requirement_zh, value_hint,
};
use super::form_sheet::{FONT, display_width};
use super::layout::{REQUIRED_MARKER, layout};
use super::{FORM_SHEET, INSTRUCTIONS_SHEET};
use crate::config::{Call, Category};

/// Column widths (Excel character units) of A..E.
const WIDTHS: [f64; 5] = [26.0, 18.0, 12.0, 34.0, 40.0];
const LAST_COL: u16 = 4;
/// Height of one wrapped line of 11-point text, in points.
const LINE_HEIGHT: f64 = 15.0;

/// Adds the instructions sheet for `call`.
pub(super) fn add(workbook: &mut Workbook, call: &Call) -> Result<(), XlsxError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name(INSTRUCTIONS_SHEET)?;
    for (col, width) in (0u16..).zip(WIDTHS) {
        sheet.set_column_width(col, width)?;
    }
    let mut writer = SheetWriter { sheet, row: 0 };
    writer.title(&format!("{}申报书 填表说明", call.title))?;
    writer.heading("一、申报时间")?;
    for line in timing(call) {
        writer.paragraph(&line)?;
    }
    writer.heading("二、报送方式")?;
    for line in sending() {
        writer.paragraph(&line)?;
    }
    writer.heading("三、填写要求")?;
    for line in filling(call) {
        writer.paragraph(&line)?;
    }
    writer.heading("四、申报类别、资助金额与须填写的项目")?;
    // Headers that are not labels: 申报类别, 资助金额 and 项目子类 are.
    writer.table_row(&["类别", "金额", "名额", "子类", "还须填写"], true)?;
    for category in &call.categories {
        let cells = category_cells(call, category);
        let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
        writer.table_row(&cells, false)?;
    }
    writer.heading("五、各项目填写说明")?;
    writer.field_row(["项目", "填写说明", "是否必填"], true)?;
    for row in layout(call) {
        let Some(field) = call.field(&row.field_key) else {
            continue;
        };
        writer.field_row(
            [
                &quoted(&field.label),
                &value_hint(call, field),
                &requirement_zh(&requirement(call, &field.key)),
            ],
            false,
        )?;
    }
    let last_row = writer.row.saturating_sub(1);
    set_print(writer.sheet, last_row)
}

fn timing(call: &Call) -> Vec<String> {
    vec![
        format!(
            "1. 申报项目须在{}期间实施，“开始日期”“结束日期”均应在此期间内。",
            period_zh(call)
        ),
        format!(
            "2. 申报截止时间为{}，以申报邮箱收到邮件的时间为准，逾期不予受理。佐证材料须在截止时间前一并发送。",
            deadline_zh(call)
        ),
    ]
}

fn sending() -> Vec<String> {
    vec![
        "1. 将填好的申报书（本Excel文件）连同佐证材料（工作总结、成果证明等，PDF、Word或图片均可）作为邮件附件，发送至申报通知所列的申报邮箱。".to_string(),
        "2. 请直接添加为附件，不要使用“超大附件”“云附件”或网盘链接：以链接方式发送的文件无法受理。".to_string(),
        "3. 收到申报后将自动回复：材料齐全的，回复中有回执编号和校验码，请打印与电子版一致的纸质申报书报送；需要修改的，回复会指出具体项目和单元格，请修改后重新发送，以最后一次发送的为准。".to_string(),
    ]
}

fn filling(call: &Call) -> Vec<String> {
    let per_project: Vec<&str> = call
        .categories
        .iter()
        .filter(|c| c.per_project)
        .map(|c| c.name.as_str())
        .collect();
    let projects = if per_project.is_empty() {
        String::new()
    } else {
        format!("（{}每个项目填一张）", per_project.join("、"))
    };
    vec![
        format!(
            "1. 一张申报书只填一个申报类别{projects}。申报多个类别或项目时，请复制“{FORM_SHEET}”工作表（右键单击工作表标签→移动或复制→建立副本），每张填写一项，可放在同一个文件中发送。同一项目不得在不同类别重复申报。"
        ),
        format!(
            "2. 标{REQUIRED_MARKER}的项目各类别均须填写，其余项目按下表“还须填写”一栏填写。请勿修改、删除左列的项目名称，也不要在项目名称右侧填写与该项无关的内容。"
        ),
        "3. “申报类别”“项目子类”请从下拉列表中选择；日期请按日期格式填写（如2019-09-01）；金额填写阿拉伯数字。".to_string(),
    ]
}

fn category_cells(call: &Call, category: &Category) -> [String; 5] {
    let quota = category.quota.map_or_else(
        || "—".to_string(),
        |q| format!("{q}个{}", category.quota_unit),
    );
    let subcategories = if category.subcategories.is_empty() {
        "—".to_string()
    } else {
        let names: Vec<&str> = category
            .subcategories
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        names.join("、")
    };
    [
        numbered(category.number, &category.name),
        amount_zh(&category.amount),
        quota,
        subcategories,
        extra_fields_zh(call, category),
    ]
}

/// Writes rows top to bottom.
struct SheetWriter<'a> {
    sheet: &'a mut Worksheet,
    row: u32,
}

impl SheetWriter<'_> {
    fn title(&mut self, text: &str) -> Result<(), XlsxError> {
        let format = base()
            .set_font_size(14)
            .set_bold()
            .set_align(FormatAlign::Center);
        self.merged_line(text, &format, 30.0)
    }

    fn heading(&mut self, text: &str) -> Result<(), XlsxError> {
        self.row += 1; // a blank row before each section
        self.merged_line(text, &base().set_bold(), 22.0)
    }

    fn paragraph(&mut self, text: &str) -> Result<(), XlsxError> {
        let height = height_for(text, WIDTHS.iter().sum());
        self.merged_line(text, &base(), height)
    }

    fn merged_line(&mut self, text: &str, format: &Format, height: f64) -> Result<(), XlsxError> {
        self.sheet
            .merge_range(self.row, 0, self.row, LAST_COL, text, format)?;
        self.sheet.set_row_height(self.row, height)?;
        self.row += 1;
        Ok(())
    }

    /// One cell per column A..E.
    fn table_row(&mut self, cells: &[&str], header: bool) -> Result<(), XlsxError> {
        let format = cell_format(header);
        let mut height = LINE_HEIGHT + 6.0;
        for ((col, text), width) in (0u16..).zip(cells).zip(WIDTHS) {
            self.sheet
                .write_with_format(self.row, col, *text, &format)?;
            height = height.max(height_for(text, width));
        }
        self.sheet.set_row_height(self.row, height)?;
        self.row += 1;
        Ok(())
    }

    /// Field, explanation merged over B:D, requirement in E.
    fn field_row(
        &mut self,
        [field, hint, required]: [&str; 3],
        header: bool,
    ) -> Result<(), XlsxError> {
        let format = cell_format(header);
        self.sheet.write_with_format(self.row, 0, field, &format)?;
        self.sheet
            .merge_range(self.row, 1, self.row, LAST_COL - 1, hint, &format)?;
        self.sheet
            .write_with_format(self.row, LAST_COL, required, &format)?;
        let hint_width = WIDTHS[1] + WIDTHS[2] + WIDTHS[3];
        let height = height_for(hint, hint_width).max(LINE_HEIGHT + 6.0);
        self.sheet.set_row_height(self.row, height)?;
        self.row += 1;
        Ok(())
    }
}

fn base() -> Format {
    Format::new()
        .set_font_name(FONT)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap()
}

fn cell_format(header: bool) -> Format {
    let format = base().set_border(FormatBorder::Thin);
    if header {
        format
            .set_bold()
            .set_background_color(Color::RGB(0xF2F2F2))
            .set_align(FormatAlign::Center)
    } else {
        format
    }
}

/// Row height for `text` wrapped in `width` character units.
fn height_for(text: &str, width: f64) -> f64 {
    let usable = (width - 2.0).max(1.0);
    let lines = (display_width(text) as f64 / usable).ceil().max(1.0);
    lines * LINE_HEIGHT + 6.0
}

fn set_print(sheet: &mut Worksheet, last_row: u32) -> Result<(), XlsxError> {
    const A4: u8 = 9;
    sheet.set_paper_size(A4);
    sheet.set_portrait();
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_print_area(0, 0, last_row, LAST_COL)?;
    Ok(())
}
