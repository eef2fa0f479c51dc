//! Reading applications out of sheets built cell by cell: one test per layout of form.md.

mod form_support;

use form_support::*;
use shenbao::form::{FormReading, Outcome};
use shenbao::workbook::{CellValue, Sheet};

/// p01: label in A, value in B, date cells, amount as a number.
fn plain_form() -> Sheet {
    let mut s = sheet(
        &[
            &["2020年度“特专优精”学会项目申报书"],
            &["学会名称", "常州市电子学会"],
            &["统一社会信用代码", "51320400MJ58601481"],
            &["申报类别", "科技服务特色学会"],
            &["项目名称", "电子信息企业产品电磁兼容检测技术服务"],
            &["项目负责人", "费建明"],
            &["联系人", "韩雪"],
            &["手机", "138 0689 2609"],
            &["电子邮箱", "czdzxh@163.com"],
            &["开始日期", ""],
            &["结束日期", ""],
            &["申请资助金额（元）", ""],
            &["项目简介", "项目围绕  电磁兼容检测开展服务。"],
            &["主要成效", "服务单位43家。"],
            &["佐证材料清单", "1.服务合同；2.诊断报告样本"],
            &["申报日期", ""],
        ],
        &["A1:F1", "B2:F2", "B13:F13"],
    );
    set(&mut s, "B10", CellValue::DateTime(43746.0));
    set(&mut s, "B11", CellValue::DateTime(44027.0));
    set(&mut s, "B12", CellValue::Number(9000.0));
    set(&mut s, "B16", CellValue::Number(44062.0));
    s
}

#[test]
fn plain_a_b_layout_reads_every_field() {
    let r = read_ok(&plain_form());
    assert_eq!(r.sheet, "申报书");
    assert_eq!(outcome(&r, "society"), text("常州市电子学会"));
    assert_eq!(outcome(&r, "credit_code"), text("51320400MJ58601481"));
    assert_eq!(outcome(&r, "category"), text("service"));
    assert_eq!(outcome(&r, "mobile"), text("13806892609"));
    assert_eq!(outcome(&r, "email"), text("czdzxh@163.com"));
    assert_eq!(outcome(&r, "start_date"), day(2019, 10, 8));
    assert_eq!(outcome(&r, "end_date"), day(2020, 7, 15));
    assert_eq!(outcome(&r, "amount"), integer(9000));
    // A CJK date format may come as a plain number: a serial in 2000..2099 is a date.
    assert_eq!(outcome(&r, "declared_on"), day(2020, 8, 19));
    assert_eq!(
        outcome(&r, "summary"),
        text("项目围绕  电磁兼容检测开展服务。")
    );
    let society = field(&r, "society");
    assert_eq!((society.label_cell.as_str(), society.cell()), ("A2", "B2"));
    assert_eq!(field(&r, "amount").value_cell.as_deref(), Some("B12"));
    // Labels absent from the sheet give no reading; the call's order is kept.
    assert!(r.get("subcategory").is_none() && r.get("worker_name").is_none());
    let keys: Vec<&str> = r.fields.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(
        &keys[..4],
        ["society", "credit_code", "category", "project_name"]
    );
}

#[test]
fn spaced_labels_in_column_b_after_a_number_column_with_merged_values() {
    let rows: &[&[&str]] = &[
        &["2020年度“特专优精”学会项目申报书"],
        &[
            "1",
            "学\u{3000}会\u{3000}名\u{3000}称：",
            "",
            "常州市气象学会",
        ],
        &["2", "统一社会信用代码：", "", "513204005087858067"],
        &["3", "申 报 类 别：", "", "科普创新特色学会"],
        &["4", "联\u{3000}系\u{3000}人：", "", "程丽萍"],
        &["5", "手\u{3000}机：", "", "13515534453"],
        &["6", "开始日期：", "", "2019年9月16日"],
        &["7", "申请资助金额（元）", "", "6,000元"],
    ];
    let merges = [
        "A1:H1", "D2:H2", "D3:H3", "D4:H4", "D5:H5", "D6:H6", "D7:H7", "D8:H8",
    ];
    let r = read_ok(&sheet(rows, &merges));
    assert_eq!(outcome(&r, "society"), text("常州市气象学会"));
    assert_eq!(field(&r, "society").label_cell, "B2");
    assert_eq!(field(&r, "society").cell(), "D2");
    assert_eq!(outcome(&r, "credit_code"), text("513204005087858067"));
    assert_eq!(outcome(&r, "category"), text("popularization"));
    assert_eq!(outcome(&r, "contact"), text("程丽萍"));
    assert_eq!(outcome(&r, "mobile"), text("13515534453"));
    assert_eq!(outcome(&r, "start_date"), day(2019, 9, 16));
    assert_eq!(outcome(&r, "amount"), integer(6000));
}

#[test]
fn long_texts_below_their_label_also_under_a_merged_label() {
    let rows: &[&[&str]] = &[
        &["学会名称", "常州市营养学会"],
        &["申报类别", "科技智库建设特色学会"],
        &["项目简介"],
        &["课题围绕社区营养指导开展调研。"],
        &["主要成效"],
        &["完成研究报告1份。"],
        &["佐证材料清单", "1.研究报告"],
    ];
    let merges = ["A3:F3", "A4:F4", "A5:A5", "A6:F6"];
    let r = read_ok(&sheet(rows, &merges));
    assert_eq!(
        outcome(&r, "summary"),
        text("课题围绕社区营养指导开展调研。")
    );
    assert_eq!(field(&r, "summary").cell(), "A4");
    assert_eq!(outcome(&r, "outcomes"), text("完成研究报告1份。"));
    assert_eq!(outcome(&r, "evidence_list"), text("1.研究报告"));
    // A label merged over two rows: "below" is below the merge.
    let rows: &[&[&str]] = &[
        &["学会名称", "常州市营养学会"],
        &["申报类别", "4"],
        &["项目简介"],
        &[""],
        &["调研。"],
    ];
    let r = read_ok(&sheet(rows, &["A3:B4"]));
    assert_eq!(outcome(&r, "summary"), text("调研。"));
    assert_eq!(field(&r, "summary").cell(), "A5");
}

#[test]
fn a_label_below_a_label_stays_empty() {
    let rows: &[&[&str]] = &[
        &["学会名称", "常州市营养学会"],
        &["申报类别", "科技服务特色学会"],
        &["项目名称"],
        &["项目负责人", "邹敏"],
        &["联系人", "   "],
        &["手机", "18133305339"],
    ];
    let r = read_ok(&sheet(rows, &[]));
    let name = field(&r, "project_name");
    assert_eq!(name.outcome, Outcome::Empty);
    assert_eq!((name.value_cell.as_deref(), name.cell()), (None, "A3"));
    assert_eq!(outcome(&r, "leader"), text("邹敏"));
    // A blank cell to the right counts as nothing: below is a label, so empty.
    assert_eq!(outcome(&r, "contact"), Outcome::Empty);
    assert_eq!(outcome(&r, "mobile"), text("18133305339"));
}

#[test]
fn two_pairs_in_one_row() {
    let rows: &[&[&str]] = &[
        &[
            "学会名称",
            "常州市电子学会",
            "信用代码",
            "51320400MJ58601481",
        ],
        &["申报类别", "1", "", "", ""],
        &["联系人", "", "联系电话", "0519-86619613"],
        &["项目负责人", "费建明", "", "电子邮箱", "czdzxh@163.com"],
    ];
    let r = read_ok(&sheet(rows, &[]));
    assert_eq!(outcome(&r, "society"), text("常州市电子学会"));
    assert_eq!(outcome(&r, "credit_code"), text("51320400MJ58601481"));
    assert_eq!(field(&r, "credit_code").cell(), "D1");
    assert_eq!(outcome(&r, "category"), text("self_building"));
    // The value stops at the next label: 联系人 is empty, not the phone.
    assert_eq!(outcome(&r, "contact"), Outcome::Empty);
    assert_eq!(outcome(&r, "mobile"), text("0519-86619613"));
    assert_eq!(outcome(&r, "leader"), text("费建明"));
    assert_eq!(outcome(&r, "email"), text("czdzxh@163.com"));
}

fn category_form(category_row: &[&str]) -> FormReading {
    let rows: &[&[&str]] = &[
        &["学会名称", "常州市电子学会"],
        category_row,
        &["联系人", "韩雪"],
    ];
    read_ok(&sheet(rows, &[]))
}

#[test]
fn check_box_row_in_one_cell() {
    let row = "□自身建设突出学会  □学术创新特色学会  □科技服务特色学会  □科技智库建设特色学会  □科普创新特色学会  ☑现代社团工作者培育项目";
    let r = category_form(&["申报类别", row]);
    assert_eq!(outcome(&r, "category"), text("worker"));
    let none = row.replace('☑', "□");
    assert!(problem(&category_form(&["申报类别", &none]), "category").contains("未勾选"));
    let two = row.replacen('□', "☑", 1);
    assert!(problem(&category_form(&["申报类别", &two]), "category").contains("多个"));
}

#[test]
fn check_box_row_spread_over_cells() {
    let spread = [
        "申报类别",
        "□自身建设突出学会",
        "✔学术创新特色学会",
        "□科技服务特色学会",
    ];
    let r = category_form(&spread);
    assert_eq!(outcome(&r, "category"), text("academic"));
    assert_eq!(field(&r, "category").cell(), "B2");
    // Marks in their own cells, before the names.
    let marks_apart = [
        "项目类别",
        "□",
        "自身建设",
        "■",
        "科技服务",
        "□",
        "科普创新",
    ];
    assert_eq!(
        outcome(&category_form(&marks_apart), "category"),
        text("service")
    );
    let none = [
        "申报类别",
        "□自身建设突出学会",
        "□学术创新特色学会",
        "□科技服务特色学会",
    ];
    assert!(problem(&category_form(&none), "category").contains("未勾选"));
    let two = [
        "申报类别",
        "☑自身建设突出学会",
        "□学术创新特色学会",
        "√科技服务特色学会",
    ];
    assert!(problem(&category_form(&two), "category").contains("多个"));
}

#[test]
fn subcategory_is_read_within_the_chosen_category() {
    let rows: &[&[&str]] = &[
        &["学会名称", "常州市营养学会"],
        &["申报类别", "科技智库建设特色学会"],
        &["项目子类", "2"],
    ];
    assert_eq!(
        outcome(&read_ok(&sheet(rows, &[])), "subcategory"),
        text("suggestion")
    );
    let rows: &[&[&str]] = &[
        &["学会名称", "常州市营养学会"],
        &["项目子类", "2"],
        &["申报类别", "2.学术创新特色学会"],
    ];
    assert_eq!(
        outcome(&read_ok(&sheet(rows, &[])), "subcategory"),
        text("seminar")
    );
}

#[test]
fn a_wan_label_multiplies() {
    for value in [CellValue::Text("0.6".into()), CellValue::Number(0.6)] {
        let mut s = sheet(
            &[
                &["学会名称", "常州市武进区智能制造技术服务中心"],
                &["申报类别", "科技服务特色学会"],
                &["申请资助金额（万元）", ""],
            ],
            &[],
        );
        set(&mut s, "B3", value);
        assert_eq!(outcome(&read_ok(&s), "amount"), integer(6000));
    }
}

#[test]
fn a_one_cell_period_fills_start_and_end() {
    let rows: &[&[&str]] = &[
        &["学会名称", "常州市营养学会"],
        &["申报类别", "学术创新特色学会"],
        &["项目起止时间", "2020年5月9日至5月10日"],
        &["申请资助金额（元）", "3500"],
    ];
    let r = read_ok(&sheet(rows, &[]));
    assert_eq!(outcome(&r, "start_date"), day(2020, 5, 9));
    assert_eq!(outcome(&r, "end_date"), day(2020, 5, 10));
    assert_eq!(field(&r, "end_date").label_cell, "A3");
    assert_eq!(field(&r, "end_date").cell(), "B3");
    assert!(r.get("period").is_none());
    let keys: Vec<&str> = r.fields.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(
        keys,
        ["society", "category", "start_date", "end_date", "amount"]
    );
}

#[test]
fn separate_start_and_end_labels_win_over_a_range() {
    let rows: &[&[&str]] = &[
        &["学会名称", "常州市营养学会"],
        &["申报类别", "学术创新特色学会"],
        &["起止时间", "2020-05-09-2020-05-10"],
        &["开始日期", "2020-06-01"],
        &["结束日期", ""],
        &["申报日期", "2020-08-24"],
    ];
    let r = read_ok(&sheet(rows, &[]));
    assert_eq!(outcome(&r, "start_date"), day(2020, 6, 1));
    assert_eq!(field(&r, "start_date").label_cell, "A4");
    // The own label is there but empty: the range fills in.
    assert_eq!(outcome(&r, "end_date"), day(2020, 5, 10));
    assert_eq!(field(&r, "end_date").label_cell, "A3");
    let bad = sheet(
        &[
            &["学会名称", "x"],
            &["申报类别", "1"],
            &["实施时间", "全年"],
        ],
        &[],
    );
    let r = read_ok(&bad);
    assert!(problem(&r, "start_date").contains("起止"));
    assert!(problem(&r, "end_date").contains("起止"));
}

#[test]
fn number_cells_in_phone_and_text_fields_read_as_digits() {
    let mut s = sheet(
        &[
            &["学会名称", "常州市电子学会"],
            &["申报类别", "1"],
            &["手机", ""],
            &["联系人", ""],
        ],
        &[],
    );
    set(&mut s, "B3", CellValue::Number(13912345678.0));
    set(&mut s, "B4", CellValue::Number(13912345678.0));
    let r = read_ok(&s);
    assert_eq!(outcome(&r, "mobile"), text("13912345678"));
    assert_eq!(outcome(&r, "contact"), text("13912345678"));
}
