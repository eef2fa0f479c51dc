//! The blank 申报书: read back with calamine, its XML inspected for validations
//! and number formats, and a filled copy (the template's own cells filled in
//! place, formats kept) read back value by value.

mod template_xlsx;

use calamine::{Data, Reader, SheetVisible};
use jiff::civil::Date;
use shenbao::config::{Call, FieldKind, SubCategory};
use shenbao::template::{
    CellRef, FORM_SHEET, INSTRUCTIONS_SHEET, OPTIONS_SHEET, TemplateRow, layout, template_bytes,
    write_template,
};
use shenbao::text::normalize_label;
use template_xlsx::{Fill, data_validations, fill, num_format, open, zip_text};

fn call() -> Call {
    Call::load("config/call-2020.toml".as_ref()).expect("the shipped call loads")
}

fn sheet(bytes: &[u8], name: &str) -> calamine::Range<Data> {
    open(bytes).worksheet_range(name).expect("sheet is there")
}

fn text_at(range: &calamine::Range<Data>, cell: CellRef) -> String {
    match range.get_value((cell.row, u32::from(cell.col))) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Empty) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// Every label and alias of the call, normalized.
fn all_labels(call: &Call) -> Vec<String> {
    call.fields
        .iter()
        .flat_map(|f| std::iter::once(&f.label).chain(&f.aliases))
        .map(|l| normalize_label(l))
        .collect()
}

fn row_of<'a>(rows: &'a [TemplateRow], key: &str) -> &'a TemplateRow {
    rows.iter()
        .find(|r| r.field_key == key)
        .expect("field in layout")
}

#[test]
fn blank_template_has_title_and_every_label_in_form_order() {
    let call = call();
    let bytes = template_bytes(&call).unwrap();
    assert_eq!(
        open(&bytes).sheet_names(),
        vec![FORM_SHEET.to_string(), INSTRUCTIONS_SHEET.to_string()]
    );
    let form = sheet(&bytes, FORM_SHEET);
    assert_eq!(
        text_at(&form, CellRef { row: 0, col: 0 }),
        "2020年度\"特专优精\"学会项目申报书"
    );
    let rows = layout(&call);
    let expected: Vec<&str> = call
        .fields
        .iter()
        .filter(|f| f.kind != FieldKind::DateRange)
        .map(|f| f.key.as_str())
        .collect();
    let keys: Vec<&str> = rows.iter().map(|r| r.field_key.as_str()).collect();
    assert_eq!(keys, expected, "form order, one-cell period left out");
    assert!(keys.contains(&"start_date") && keys.contains(&"end_date"));
    for row in &rows {
        let written = text_at(&form, row.label_cell);
        assert_eq!(written, row.label);
        let field = call.field(&row.field_key).unwrap();
        assert_eq!(normalize_label(&written), normalize_label(&field.label));
        assert_eq!(
            text_at(&form, row.value_cell),
            "",
            "{} starts empty",
            row.label
        );
        assert_eq!(row.value_cell.row, row.label_cell.row);
        assert!(row.value_cell.col > row.label_cell.col);
    }
}

#[test]
fn only_labels_required_in_every_category_carry_the_marker() {
    let call = call();
    for row in layout(&call) {
        let always = call.always_required.contains(&row.field_key);
        assert_eq!(row.label.starts_with('＊'), always, "{}", row.label);
        assert_eq!(row.required_always, always);
    }
}

#[test]
fn no_cell_but_the_label_cells_reads_as_a_label() {
    let call = call();
    let bytes = template_bytes(&call).unwrap();
    let labels = all_labels(&call);
    let label_cells: Vec<(u32, u32)> = layout(&call)
        .iter()
        .map(|r| (r.label_cell.row, u32::from(r.label_cell.col)))
        .collect();
    for name in [FORM_SHEET, INSTRUCTIONS_SHEET] {
        for (row, col, value) in sheet(&bytes, name).used_cells() {
            let (row, col) = (row as u32, col as u32);
            let is_label = labels.contains(&normalize_label(&value.to_string()));
            let may_be = name == FORM_SHEET && label_cells.contains(&(row, col));
            assert_eq!(is_label, may_be, "{name} ({row},{col}) {value}");
        }
    }
}

#[test]
fn category_and_subcategory_cells_have_dropdowns_of_plain_names() {
    let call = call();
    let bytes = template_bytes(&call).unwrap();
    let validations = data_validations(&zip_text(&bytes, "xl/worksheets/sheet1.xml"));
    let rows = layout(&call);
    let list_at = |key: &str| {
        let row = row_of(&rows, key);
        let sqref = format!(
            "{}:{}",
            row.value_cell.a1(),
            CellRef {
                row: row.value_cell.row,
                col: row.value_last_col
            }
            .a1()
        );
        validations
            .iter()
            .find(|v| v.sqref == sqref)
            .unwrap_or_else(|| panic!("no validation on {sqref}"))
            .clone()
    };
    let category = list_at("category");
    assert_eq!(category.kind, "list");
    let names: Vec<&str> = call.categories.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(category.formula1, format!("\"{}\"", names.join(",")));
    let subcategory = list_at("subcategory");
    assert_eq!(subcategory.kind, "list");
    for sub in call.categories.iter().flat_map(|c| &c.subcategories) {
        assert!(subcategory.formula1.contains(&sub.name), "{}", sub.name);
    }
    assert!(
        !subcategory.formula1.contains("学术创新"),
        "no category prefix"
    );
    let start = list_at("start_date");
    assert_eq!(start.kind, "date");
    assert!(start.prompt.contains("2019年9月1日至2020年8月31日"));
}

#[test]
fn date_money_and_code_cells_carry_their_number_formats() {
    let call = call();
    let bytes = template_bytes(&call).unwrap();
    let rows = layout(&call);
    for key in ["start_date", "end_date", "declared_on"] {
        let format = num_format(&bytes, &row_of(&rows, key).value_cell.a1());
        assert!(
            format.contains('y') && format.contains('d'),
            "{key}: {format}"
        );
    }
    assert_eq!(
        num_format(&bytes, &row_of(&rows, "amount").value_cell.a1()),
        "#,##0"
    );
    for key in ["credit_code", "mobile", "society"] {
        assert_eq!(num_format(&bytes, &row_of(&rows, key).value_cell.a1()), "@");
    }
}

#[test]
fn instructions_tell_the_call() {
    let call = call();
    let bytes = template_bytes(&call).unwrap();
    let text: String = sheet(&bytes, INSTRUCTIONS_SHEET)
        .used_cells()
        .map(|(_, _, v)| v.to_string() + "\n")
        .collect();
    for needle in [
        "2020年度\"特专优精\"学会项目申报书 填表说明",
        "2019年9月1日至2020年8月31日",
        "2020年8月31日 23:59",
        "超大附件",
        "工作总结",
        "成果证明",
        "作为邮件附件",
        "建立副本",
        "1.自身建设突出学会",
        "6.现代社团工作者培育项目",
        "3000～10000元",
        "不申请资助金额",
        "新观点新学说学术沙龙",
        "“社团工作者姓名”",
        "第2、3、5类必填",
        "不超过2000字",
    ] {
        assert!(text.contains(needle), "instructions lack {needle}");
    }
}

/// Values of a valid category-2 application, by field key.
fn example(key: &str) -> Option<Fill> {
    let text = |s: &str| Some(Fill::Text(s.to_string()));
    let date = |y, m, d| Some(Fill::Date(Date::new(y, m, d).unwrap()));
    match key {
        "society" => text("常州市电子学会"),
        "credit_code" => text("51320400MJ58601481"),
        "category" => text("学术创新特色学会"),
        "subcategory" => text("小型高端学术研讨会"),
        "project_name" => text("长三角电子信息青年学者研讨会"),
        "leader" => text("王明"),
        "contact" => text("李华"),
        "mobile" => text("13912345678"),
        "email" => text("czdzxh@163.com"),
        "start_date" => date(2020, 5, 9),
        "end_date" => date(2020, 5, 10),
        "amount" => Some(Fill::Number(8000.0)),
        "summary" => text("邀请长三角高校青年学者研讨芯片设计。"),
        "outcomes" => text("形成研讨报告一份。"),
        "evidence_list" => text("会议通知、签到表、照片"),
        "declared_on" => date(2020, 8, 20),
        _ => None,
    }
}

#[test]
fn filled_template_values_land_next_to_their_labels() {
    let call = call();
    let rows = layout(&call);
    let fills: Vec<(CellRef, Fill)> = rows
        .iter()
        .filter_map(|r| example(&r.field_key).map(|v| (r.value_cell, v)))
        .collect();
    assert!(fills.len() >= 15);
    let filled = fill(&template_bytes(&call).unwrap(), &fills);
    let form = sheet(&filled, FORM_SHEET);
    for row in &rows {
        // form.md: the value is the first non-empty cell right of the label.
        let first_right = (u32::from(row.label_cell.col) + 1..=u32::from(row.value_last_col))
            .find_map(|col| {
                form.get_value((row.label_cell.row, col))
                    .filter(|v| !matches!(v, Data::Empty))
                    .map(|v| (col, v.clone()))
            });
        match (example(&row.field_key), first_right) {
            (None, None) => {}
            (Some(expected), Some((col, found))) => {
                assert_eq!(col, u32::from(row.value_cell.col), "{}", row.label);
                match (expected, found) {
                    (Fill::Text(t), Data::String(s)) => assert_eq!(s, t),
                    (Fill::Number(n), Data::Float(f)) => assert_eq!(f, n),
                    // The template's date format makes the serial read as a date.
                    (Fill::Date(d), Data::DateTime(dt)) => {
                        assert_eq!(dt.as_f64(), template_xlsx::excel_serial(d))
                    }
                    (e, f) => panic!("{}: wrote {e:?}, read {f:?}", row.label),
                }
            }
            (e, f) => panic!("{}: wrote {e:?}, read {f:?}", row.label),
        }
    }
}

#[test]
fn a_list_past_excels_inline_limit_moves_to_a_hidden_sheet() {
    let mut call = call();
    let academic = call
        .categories
        .iter_mut()
        .find(|c| c.key == "academic")
        .unwrap();
    for n in 4..40 {
        academic.subcategories.push(SubCategory {
            key: format!("extra{n}"),
            number: n,
            name: format!("第{n}种学术交流活动形式"),
            short_names: vec![],
            numerals: vec![],
            quota: None,
        });
    }
    let bytes = template_bytes(&call).unwrap();
    let validations = data_validations(&zip_text(&bytes, "xl/worksheets/sheet1.xml"));
    let row = row_of(&layout(&call), "subcategory").clone();
    let list = validations
        .iter()
        .find(|v| v.sqref.starts_with(&row.value_cell.a1()))
        .unwrap();
    assert_eq!(list.formula1, format!("'{OPTIONS_SHEET}'!$A$1:$A$41"));
    let mut workbook = open(&bytes);
    let options_sheet = workbook
        .sheets_metadata()
        .iter()
        .find(|s| s.name == OPTIONS_SHEET)
        .unwrap()
        .clone();
    assert_eq!(options_sheet.visible, SheetVisible::Hidden);
    let options = workbook.worksheet_range(OPTIONS_SHEET).unwrap();
    let written: Vec<String> = (0..41)
        .map(|row| text_at(&options, CellRef { row, col: 0 }))
        .collect();
    let expected: Vec<String> = call
        .categories
        .iter()
        .flat_map(|c| &c.subcategories)
        .map(|s| s.name.clone())
        .collect();
    assert_eq!(written, expected);
}

#[test]
fn write_template_writes_the_same_workbook_to_a_file() {
    let call = call();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("申报书.xlsx");
    write_template(&call, &path).unwrap();
    let on_disk = std::fs::read(&path).unwrap();
    assert_eq!(
        sheet(&on_disk, FORM_SHEET),
        sheet(&template_bytes(&call).unwrap(), FORM_SHEET)
    );
    assert!(write_template(&call, &dir.path().join("no/such/dir/x.xlsx")).is_err());
}

/// issue: "A filled copy of the template passes check": the template, filled in
/// its value cells, goes through the same checker as any workbook and is accepted
/// with every value read back.
#[test]
fn filled_template_passes_check() {
    let call = call();
    let fills: Vec<(CellRef, Fill)> = layout(&call)
        .iter()
        .filter_map(|r| example(&r.field_key).map(|v| (r.value_cell, v)))
        .collect();
    let filled = fill(&template_bytes(&call).unwrap(), &fills);
    let checker = shenbao::process::Checker::new(
        call.clone(),
        shenbao::config::Roster::load("config/roster.csv".as_ref()).unwrap(),
        shenbao::config::Limits::default(),
    );
    let verdict = checker.check_workbook(&filled, "filled.xlsx", "filled.xlsx", None);
    assert_eq!(
        verdict.status,
        shenbao::verdict::Status::Accepted,
        "{:#?}",
        verdict
    );
    assert_eq!(
        verdict.applications.len(),
        1,
        "only the form sheet is an application"
    );
    let app = &verdict.applications[0];
    let text = |k: &str| app.field(k).map(|v| v.display());
    assert_eq!(text("category").as_deref(), Some("academic"));
    assert_eq!(text("subcategory").as_deref(), Some("seminar"));
    assert_eq!(text("amount").as_deref(), Some("8000"));
    assert_eq!(text("start_date").as_deref(), Some("2020-05-09"));
    assert_eq!(text("declared_on").as_deref(), Some("2020-08-20"));
    assert_eq!(text("mobile").as_deref(), Some("13912345678"));
}
