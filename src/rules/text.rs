//! The wording of every deficiency message, in one place so staff can review
//! what societies read.
//!
//! Written for a society secretary who is not technical: polite, concrete,
//! saying where (单元格 B12), what was read, what is allowed and how to fix it.
//! Only strings are built here; which rule fires is decided elsewhere.

use jiff::Zoned;
use jiff::civil::Date;

use crate::config::FieldKind;
use crate::workbook::WorkbookError;

/// A date as a secretary writes it: 2020年8月31日.
pub fn date_zh(date: Date) -> String {
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

/// "单元格 B12" — the phrase every message uses to point at a cell.
pub fn cell_ref(cell: &str) -> String {
    format!("单元格 {cell}")
}

/// A label without its unit: "申请资助金额（元）" → "申请资助金额".
pub fn bare_label(label: &str) -> &str {
    label
        .split(['（', '('])
        .next()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or(label)
}

/// The form's own explanation ("不是有效的手机号码。") without its final stop, to go mid-sentence.
fn clause(problem: &str) -> &str {
    problem
        .trim()
        .trim_end_matches(['。', '.', '；', ';', '，', ','])
}

/// Options as "1 自身建设突出学会；2 学术创新特色学会".
pub fn options(choices: &[(u32, &str)]) -> String {
    choices
        .iter()
        .map(|(number, name)| format!("{number} {name}"))
        .collect::<Vec<_>>()
        .join("；")
}

/// Where a required field is: the label cell, or nowhere on the sheet.
pub struct MissingField<'a> {
    pub label: &'a str,
    pub label_cell: Option<&'a str>,
    /// The category that requires it, when only some categories do.
    pub required_by: Option<&'a str>,
    /// Another label that may carry the value (项目起止时间 for the two dates).
    pub alternative_label: Option<&'a str>,
}

pub fn missing_field(m: &MissingField<'_>) -> String {
    let label = m.label;
    let why = match m.required_by {
        Some(category) => format!("申报{category}须填写「{label}」"),
        None => format!("「{label}」是必填项"),
    };
    let alternative = m
        .alternative_label
        .map(|alt| {
            format!(
                "（也可以在「{alt}」一栏中一并填写起止日期，例如 2019年10月12日至2019年10月13日）"
            )
        })
        .unwrap_or_default();
    match m.label_cell {
        Some(cell) => format!(
            "{why}，但{}「{label}」这一栏没有填写内容。请在该栏右侧的单元格中填写{alternative}，然后重新发送申报书。",
            cell_ref(cell)
        ),
        None => format!(
            "{why}，但申报书中没有找到「{label}」这一栏。请使用本次申报的申报书模板，补上「{label}」并填写{alternative}，然后重新发送申报书。"
        ),
    }
}

/// What a well-formed value of a kind looks like.
pub fn allowed_for(kind: FieldKind, max_chars: Option<usize>) -> String {
    match (kind, max_chars) {
        (FieldKind::Phone, _) => {
            "请填写 11 位手机号码或带区号的固定电话，例如 13912345678 或 0519-86619613。".into()
        }
        (FieldKind::Email, _) => "请填写完整的电子邮箱地址，例如 name@163.com。".into(),
        (FieldKind::Date, _) => "请填写实际存在的日期，例如 2020年8月25日 或 2020-08-25。".into(),
        (FieldKind::DateRange, _) => {
            "请填写开始和结束两个日期，例如 2019年10月12日至2019年10月13日。".into()
        }
        (FieldKind::Money, _) => {
            "请填写以元为单位的整数金额，例如 8000 或 8000元（角、分请勿填写）。".into()
        }
        (FieldKind::Years, _) => "请填写整数年数，例如 5 或 5年。".into(),
        (_, Some(max)) => format!("此栏最多 {max} 个字，请精简后填写。"),
        _ => "请核对后重新填写。".into(),
    }
}

pub fn invalid_value(cell: &str, label: &str, found: &str, problem: &str, allowed: &str) -> String {
    format!(
        "{}「{label}」填写的是“{found}”，{}。{allowed}请修改后重新发送申报书。",
        cell_ref(cell),
        clause(problem)
    )
}

pub fn invalid_credit_code(cell: &str, label: &str, found: &str, problem: &str) -> String {
    format!(
        "{}「{label}」填写的是“{found}”，{}。统一社会信用代码共 18 位，由数字和大写字母组成（不含 I、O、S、V、Z），最后一位是校验码；社会团体以 51 开头，民办非企业单位以 52 开头。请对照贵单位的登记证书逐位核对后重新填写。",
        cell_ref(cell),
        clause(problem)
    )
}

pub fn credit_code_mismatch(
    cell: &str,
    label: &str,
    found: &str,
    society: &str,
    roster_code: &str,
) -> String {
    format!(
        "{}「{label}」填写的是“{found}”，与名册中{society}登记的统一社会信用代码 {roster_code} 不一致。请对照登记证书核对：如表中填写有误，请更正后重新发送；如贵单位的代码已变更，请与我们联系更新名册。",
        cell_ref(cell)
    )
}

/// The problem of a category read as a key the call does not have.
pub const NOT_A_CATEGORY: &str = "不是本次申报的类别";

/// The category cell is missing or empty (`cell` is the label's, if any).
pub fn category_missing(label: &str, cell: Option<&str>, choices: &str) -> String {
    let where_ = match cell {
        Some(cell) => format!("{}「{label}」没有填写（或没有勾选）", cell_ref(cell)),
        None => format!("申报书中没有找到「{label}」这一栏"),
    };
    format!(
        "{where_}。请填写本次申报的类别之一：{choices}。填写序号或名称均可；使用勾选框时请只勾选一项。"
    )
}

/// The category cell holds something that is not one of the call's categories.
pub fn category_invalid(
    cell: &str,
    label: &str,
    found: &str,
    problem: &str,
    choices: &str,
) -> String {
    format!(
        "{}「{label}」填写的是“{found}”，{}。本次申报的类别为：{choices}。请只填写其中一项（序号或名称均可；使用勾选框时请只勾选一项）。",
        cell_ref(cell),
        clause(problem)
    )
}

pub fn subcategory_missing(
    category: &str,
    label: &str,
    cell: Option<&str>,
    choices: &str,
) -> String {
    let where_ = match cell {
        Some(cell) => format!("{}「{label}」没有填写", cell_ref(cell)),
        None => format!("申报书中没有找到「{label}」这一栏"),
    };
    format!(
        "申报{category}须填写「{label}」，但{where_}。可选：{choices}。请填写其中一项（序号或名称均可）。"
    )
}

pub fn subcategory_invalid(
    category: &str,
    cell: &str,
    label: &str,
    found: &str,
    problem: &str,
    choices: &str,
) -> String {
    format!(
        "{}「{label}」填写的是“{found}”，{}。申报{category}时可选：{choices}。请只填写其中一项（序号或名称均可）。",
        cell_ref(cell),
        clause(problem)
    )
}

pub fn subcategory_not_own(
    category: &str,
    cell: &str,
    label: &str,
    found: &str,
    choices: &str,
) -> String {
    format!(
        "{}「{label}」填写的“{found}”不属于{category}。申报{category}时可选：{choices}。请改为其中一项。",
        cell_ref(cell)
    )
}

/// Amount figures for one message: the label without unit, the amount read, the category's name.
pub struct AmountFacts<'a> {
    pub cell: &'a str,
    pub label: &'a str,
    pub amount: i64,
    pub category: &'a str,
}

pub fn amount_above(f: &AmountFacts<'_>, min: i64, max: i64) -> String {
    format!(
        "{}：{} {} 元超出{}上限 {max} 元，请改为 {min}～{max} 元之间的金额后重新发送。",
        cell_ref(f.cell),
        bare_label(f.label),
        f.amount,
        f.category
    )
}

pub fn amount_below(f: &AmountFacts<'_>, min: i64, max: i64) -> String {
    format!(
        "{}：{} {} 元低于{}下限 {min} 元，请改为 {min}～{max} 元之间的金额后重新发送。",
        cell_ref(f.cell),
        bare_label(f.label),
        f.amount,
        f.category
    )
}

pub fn amount_not_exact(f: &AmountFacts<'_>, exact: i64) -> String {
    format!(
        "{}：{} {} 元不符合{}的资助标准，应为 {exact} 元，请改正后重新发送。",
        cell_ref(f.cell),
        bare_label(f.label),
        f.amount,
        f.category
    )
}

/// `funded_as`: how the category is funded instead, e.g. "软科学课题研究或科技工作者建议".
pub fn amount_not_requested(f: &AmountFacts<'_>, funded_as: Option<&str>) -> String {
    let how = funded_as
        .map(|ways| format!("（按{ways}给予专项资助）"))
        .unwrap_or_default();
    format!(
        "{}：{}不需要填写{}{how}，表中填写了 {} 元。请将该栏留空或填写“无”，然后重新发送。",
        cell_ref(f.cell),
        f.category,
        bare_label(f.label),
        f.amount
    )
}

/// One date of the project outside the call's window.
pub fn date_outside_period(
    cell: &str,
    label: &str,
    date: Date,
    period_start: Date,
    period_end: Date,
) -> String {
    let side = if date < period_start {
        "早于"
    } else {
        "晚于"
    };
    format!(
        "{} 中的{label} {} {side}本次申报的项目实施期（{}至{}）。只有在此期间开展的项目才能申报，请核对日期后重新填写。",
        cell_ref(cell),
        date_zh(date),
        date_zh(period_start),
        date_zh(period_end)
    )
}

/// Facts of one date for [`end_before_start`].
pub struct DateAt<'a> {
    pub cell: &'a str,
    pub label: &'a str,
    pub date: Date,
}

pub fn end_before_start(end: &DateAt<'_>, start: &DateAt<'_>) -> String {
    format!(
        "{} 中的{} {} 早于{} 中的{} {}。结束日期不能早于开始日期（一天的活动，开始和结束填同一天），请核对后更正。",
        cell_ref(end.cell),
        end.label,
        date_zh(end.date),
        cell_ref(start.cell),
        start.label,
        date_zh(start.date)
    )
}

pub fn unknown_society(cell: &str, label: &str, name: &str) -> String {
    format!(
        "{}「{label}」填写的“{name}”未在本次可申报单位名册中找到。请核对是否填写了贵单位登记证书上的全称；工作人员也会人工核实，如有需要会与贵单位联系。",
        cell_ref(cell)
    )
}

/// `others` describes where the same project appears again, e.g. "附件「a.xlsx」的工作表「申报书」".
pub fn duplicate_application(project: &str, others: &[String]) -> String {
    format!(
        "项目“{project}”在本邮件中以不同的申报类别申报了不止一次（另见{}）。同一项目不重复申报资助：请确定一个类别，只保留该类别的申报书；如果是不同的项目，请更正项目名称。工作人员会人工核对。",
        others.join("、")
    )
}

/// Where an application is, for [`duplicate_application`].
pub fn application_place(attachment: Option<&str>, sheet: &str) -> String {
    match attachment {
        Some(file) => format!("附件「{file}」的工作表「{sheet}」"),
        None => format!("工作表「{sheet}」"),
    }
}

pub fn sender_unverified(sender: &str, society: &str) -> String {
    format!(
        "发件邮箱 {sender} 不是名册中为{society}登记的联系邮箱。申报照常受理，工作人员会予以核实；如贵单位的联系邮箱已更换，请告知我们更新名册。"
    )
}

/// A moment as a secretary reads it: 2020年9月1日 08:12; seconds only when `with_seconds`.
pub fn time_zh(at: &Zoned, with_seconds: bool) -> String {
    let clock = if with_seconds {
        format!("{:02}:{:02}:{:02}", at.hour(), at.minute(), at.second())
    } else {
        format!("{:02}:{:02}", at.hour(), at.minute())
    };
    format!("{} {clock}", date_zh(at.date()))
}

/// A deadline as the notice states it: 23:59:59 reads "24:00" of that day.
pub fn deadline_zh(deadline: &Zoned) -> String {
    let (h, m, s) = (deadline.hour(), deadline.minute(), deadline.second());
    if (h, m, s) == (23, 59, 59) {
        format!("{} 24:00", date_zh(deadline.date()))
    } else {
        time_zh(deadline, s != 0)
    }
}

pub fn late_submission(received: &str, deadline: &str) -> String {
    format!(
        "贵单位的申报邮件于 {received} 收到，已超过截止时间 {deadline}。很抱歉，逾期的申报不能受理。如有特殊情况，请直接与工作人员联系。"
    )
}

pub fn no_form_found() -> String {
    "邮件中没有找到申报书。请将填写好的申报书（Excel 或 WPS 表格，.xlsx 或 .xls 格式）作为附件添加到邮件中发送；请不要只粘贴在正文里，也不要只发送截图或 PDF。".into()
}

pub fn missing_evidence() -> String {
    "邮件中没有找到佐证材料。请将工作总结、成果证明等佐证材料（PDF、Word、图片或压缩包均可）作为附件，与申报书一起发送；也可以另发一封邮件补交，邮件标题请注明贵单位名称和项目名称。".into()
}

pub fn unreadable_attachment(filename: &str, reason: &WorkbookError) -> String {
    match reason {
        WorkbookError::Encrypted => format!(
            "附件「{filename}」设置了打开密码，我们无法读取。请在 Excel 或 WPS 中打开该文件，取消密码（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码）后保存，再重新发送不带密码的文件。"
        ),
        WorkbookError::NotAWorkbook(_) | WorkbookError::Corrupt(_) => format!(
            "附件「{filename}」无法作为表格打开：文件可能已损坏，或并不是 Excel 表格。请用 Excel 或 WPS 打开申报书，另存为“Excel 工作簿（.xlsx）”格式后，重新作为附件发送。"
        ),
        WorkbookError::TooLarge(which) => format!(
            "附件「{filename}」超出了可以处理的范围（{which}），无法读取。请删除申报书中多余的工作表、图片和空白行列，另存为 .xlsx 后重新发送；佐证材料请作为单独的附件发送。"
        ),
    }
}

pub fn cloud_attachment() -> String {
    "邮件正文中是“超大附件”的下载链接，这类链接会过期，无法存档，因此不能作为申报材料受理。请将申报书和佐证材料直接作为普通附件添加到邮件中；佐证材料较大时，请先压缩（例如缩小图片、打包为 zip）或分几封邮件发送。".into()
}

/// `what` says what is too large and by which limit, e.g. "邮件（62 MB，上限 50 MB）".
pub fn too_large(what: &str) -> String {
    format!(
        "{what}超过了可以接收的大小上限，无法处理。请压缩佐证材料（例如缩小图片、打包为 zip），或分几封邮件发送，然后重新提交。"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_lose_their_unit() {
        assert_eq!(bare_label("申请资助金额（元）"), "申请资助金额");
        assert_eq!(bare_label("申请金额(万元)"), "申请金额");
        assert_eq!(bare_label("项目名称"), "项目名称");
    }

    #[test]
    fn dates_read_as_chinese() {
        let date = jiff::civil::date(2020, 8, 31);
        assert_eq!(date_zh(date), "2020年8月31日");
    }

    #[test]
    fn problems_lose_their_full_stop_mid_sentence() {
        let text = invalid_value("E7", "手机", "1391234", "不是有效的手机号码。", "请重填。");
        assert!(text.contains("不是有效的手机号码。请重填"), "{text}");
        assert!(text.starts_with("单元格 E7「手机」"), "{text}");
    }
}
