//! `workbook::open` on the sample workbooks and on small workbooks written here.
//! Hostile inputs are in `workbook_hostile.rs`.

mod support;

use rust_xlsxwriter::{Format as XlsxFormat, Workbook as XlsxWriter};
use shenbao::workbook::{CellValue, Format, Merge, WorkbookError};
use support::workbooks::{at, open_default, sample, text, write_form, xlsx};

#[test]
fn every_xlsx_sample_opens_with_its_form() {
    for id in [
        "p01_service",
        "p02_self_building",
        "p05_spaced_labels_merged",
        "p06_checkbox_category",
        "p07_amount_wan",
        "p08_one_cell_period",
        "p09_amount_out_of_range",
        "p10_period_out_of_range",
        "p11_invalid_credit_code",
    ] {
        let workbook =
            open_default(&sample(&format!("{id}.xlsx"))).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(workbook.format, Format::Xlsx, "{id}");
        let form = &workbook.sheets[0];
        assert!(form.cells.len() > 10, "{id}: {} cells", form.cells.len());
        let addresses: Vec<_> = form.cells.iter().map(|c| (c.row, c.col)).collect();
        assert!(
            addresses.windows(2).all(|w| w[0] < w[1]),
            "{id}: cells sorted, no duplicates"
        );
    }
}

#[test]
fn p01_keeps_dates_as_serials_and_amounts_as_numbers() {
    let workbook = open_default(&sample("p01_service.xlsx")).unwrap();
    let form = &workbook.sheets[0];
    assert_eq!(form.name, "申报书");
    assert_eq!(at(form, "B2"), Some(&text("常州市电子学会")));
    assert_eq!(at(form, "B10"), Some(&CellValue::DateTime(43746.0))); // 2019-10-08
    assert_eq!(at(form, "B12"), Some(&CellValue::Number(9000.0)));
}

#[test]
fn p05_values_sit_in_merged_d_to_h_and_labels_keep_their_spaces() {
    let workbook = open_default(&sample("p05_spaced_labels_merged.xlsx")).unwrap();
    let form = &workbook.sheets[0];
    assert_eq!(
        at(form, "B2"),
        Some(&text("学\u{3000}会\u{3000}名\u{3000}称："))
    );
    assert_eq!(at(form, "D2"), Some(&text("常州市气象学会")));
    assert_eq!(at(form, "D12"), Some(&text("6,000元")));
    let d2_to_h2 = Merge {
        first_row: 1,
        first_col: 3,
        last_row: 1,
        last_col: 7,
    };
    assert!(form.merges.contains(&d2_to_h2), "{:?}", form.merges);
    assert_eq!(
        form.merges
            .iter()
            .filter(|m| (m.first_col, m.last_col) == (3, 7))
            .count(),
        15
    );
}

#[test]
fn p03_xls_gives_dates_as_datetime_and_merges() {
    let workbook = open_default(&sample("p03_academic_seminar.xls")).unwrap();
    assert_eq!(workbook.format, Format::Xls);
    let form = &workbook.sheets[0];
    assert_eq!(at(form, "B4"), Some(&text("2")));
    assert_eq!(at(form, "B11"), Some(&CellValue::DateTime(43777.0))); // 2019-11-08
    assert_eq!(at(form, "B13"), Some(&CellValue::Number(7500.0)));
    assert!(form.merges.contains(&Merge {
        first_row: 1,
        first_col: 1,
        last_row: 1,
        last_col: 5
    }));
}

#[test]
fn p04_ods_gives_iso_dates_and_merges_from_the_scan() {
    let workbook = open_default(&sample("p04_think_tank.ods")).unwrap();
    assert_eq!(workbook.format, Format::Ods);
    let form = &workbook.sheets[0];
    assert_eq!(at(form, "B5"), Some(&text("科技工作者建议")));
    assert_eq!(
        at(form, "B16"),
        Some(&CellValue::DateIso("2020-08-21".into()))
    );
    // The long text sits in the row below its label, merged over A:F.
    assert!(matches!(at(form, "A12"), Some(CellValue::Text(t)) if t.starts_with("课题围绕")));
    assert!(form.merges.contains(&Merge {
        first_row: 11,
        first_col: 0,
        last_row: 11,
        last_col: 5
    }));
}

#[test]
fn p16_encrypted_ooxml_is_encrypted() {
    assert_eq!(
        open_default(&sample("p16_encrypted.xlsx")),
        Err(WorkbookError::Encrypted)
    );
}

#[test]
fn hidden_sheets_are_skipped() {
    let mut writer = XlsxWriter::new();
    write_form(writer.add_worksheet().set_name("申报书").unwrap());
    let hidden = writer.add_worksheet().set_name("隐藏").unwrap();
    hidden.write_string(0, 0, "secret").unwrap();
    hidden.set_hidden(true);
    let very_hidden = writer.add_worksheet().set_name("深度隐藏").unwrap();
    very_hidden.write_string(0, 0, "secret").unwrap();
    very_hidden.set_very_hidden(true);
    let workbook = open_default(&writer.save_to_buffer().unwrap()).unwrap();
    let names: Vec<_> = workbook.sheets.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["申报书"]);
}

#[test]
fn a_cjk_builtin_date_format_reads_as_datetime() {
    // num_fmt id 31 is "yyyy年m月d日" in a Chinese Excel; calamine 0.38 treats
    // the East Asian built-ins 27–36 and 50–58 as dates. The form module reads
    // a Number there as a serial too, should another reader differ.
    let bytes = xlsx(|sheet| {
        let cjk_date = XlsxFormat::new().set_num_format_index(31);
        sheet
            .write_number_with_format(0, 0, 43_746.0, &cjk_date)
            .unwrap();
    });
    let workbook = open_default(&bytes).unwrap();
    assert_eq!(
        at(&workbook.sheets[0], "A1"),
        Some(&CellValue::DateTime(43_746.0))
    );
}

#[test]
fn errors_and_empty_strings_are_dropped_and_text_is_kept_as_written() {
    let bytes = xlsx(|sheet| {
        sheet.write_string(0, 0, "  学会  ").unwrap();
        sheet.write_string(0, 1, "").unwrap();
        sheet.write_formula(0, 2, "=1/0").unwrap();
        sheet.write_boolean(0, 3, true).unwrap();
        sheet
            .write_formula(0, 4, rust_xlsxwriter::Formula::new("=1+1").set_result("2"))
            .unwrap();
    });
    let workbook = open_default(&bytes).unwrap();
    let form = &workbook.sheets[0];
    assert_eq!(at(form, "A1"), Some(&text("  学会  ")));
    assert_eq!(at(form, "B1"), None);
    assert_eq!(at(form, "D1"), Some(&CellValue::Bool(true)));
    assert_eq!(
        at(form, "E1"),
        Some(&CellValue::Number(2.0)),
        "formula by its cached value"
    );
}
