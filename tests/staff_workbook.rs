//! The summary workbook read back with calamine: its sheets, values and cell
//! types (dates are dates, money is numbers), and applicants' formula-like
//! text kept as text; the header frozen, the autofilter and the widths read
//! from the sheet XML.

mod staff_support;

use std::io::{Cursor, Read};

use calamine::{Data, Range, Reader};
use shenbao::staff::quota::quota_lines;
use shenbao::staff::rows::rows;
use shenbao::staff::summary::{ALL_SHEET, APPLICATION_COLUMNS, QUOTA_SHEET};
use shenbao::staff::{NoProgress, summary_workbook};
use shenbao::store::{ApplicationFilter, Store};
use staff_support::*;

fn workbook() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    fill(&mut store);
    let call = call();
    let rows = rows(
        &store.applications(&ApplicationFilter::default()).unwrap(),
        &call,
    );
    let quotas = quota_lines(&call, &rows);
    summary_workbook(&call, &rows, &quotas, &mut NoProgress).unwrap()
}

fn open_xlsx(bytes: &[u8]) -> calamine::Xlsx<Cursor<Vec<u8>>> {
    calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap()
}

fn sheet(bytes: &[u8], name: &str) -> Range<Data> {
    open_xlsx(bytes).worksheet_range(name).unwrap()
}

/// The data row whose first cell is `receipt`.
fn row_of<'a>(range: &'a Range<Data>, receipt: &str) -> &'a [Data] {
    range
        .rows()
        .find(|row| row[0] == Data::String(receipt.to_string()))
        .unwrap_or_else(|| panic!("no row {receipt}"))
}

fn column(name: &str) -> usize {
    APPLICATION_COLUMNS
        .iter()
        .position(|title| *title == name)
        .unwrap()
}

fn zip_entry(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut text = String::new();
    archive
        .by_name(name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// All applications, one sheet per category of the call, and the quota sheet last.
#[test]
fn sheets_hold_every_application_and_one_per_category() {
    let bytes = workbook();
    let names = open_xlsx(&bytes).sheet_names();
    assert_eq!(
        names,
        [
            ALL_SHEET,
            "自身建设突出学会",
            "学术创新特色学会",
            "科技服务特色学会",
            "科技智库建设特色学会",
            "科普创新特色学会",
            "现代社团工作者培育项目",
            QUOTA_SHEET,
        ]
    );
    let all = sheet(&bytes, ALL_SHEET);
    let header: Vec<String> = all
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(header, APPLICATION_COLUMNS);
    assert_eq!(all.height(), 7, "the header and six applications");
    assert_eq!(sheet(&bytes, "学术创新特色学会").height(), 4);
    assert_eq!(
        sheet(&bytes, "科普创新特色学会").height(),
        1,
        "the header only"
    );

    let quotas = sheet(&bytes, QUOTA_SHEET);
    let academic = quotas
        .rows()
        .find(|row| row[0] == Data::String("学术创新特色学会".into()) && row[1] == Data::Empty)
        .unwrap();
    assert_eq!(academic[2], Data::Float(20.0), "quota");
    assert_eq!(academic[4], Data::Float(3.0), "counted");
    assert_eq!(academic[10], Data::Float(24000.0), "amount");
}

/// Money is a number, dates are date cells, the received time a date-time in
/// Changzhou time, the version a number; the replacement shows version 2.
#[test]
fn values_have_their_types() {
    let bytes = workbook();
    let all = sheet(&bytes, ALL_SHEET);
    let row = row_of(&all, "CZKX2020-0002");
    assert_eq!(
        row[column("学会名称")],
        Data::String("常州市营养学会".into())
    );
    assert_eq!(
        row[column("项目子类")],
        Data::String("小型高端学术研讨会".into())
    );
    assert_eq!(row[column("申请金额（元）")], Data::Float(9000.0));
    assert_eq!(row[column("版本")], Data::Float(2.0));
    assert_eq!(row[column("状态")], Data::String("已受理".into()));
    let Data::DateTime(start) = &row[column("开始日期")] else {
        panic!("start date is {:?}", row[column("开始日期")]);
    };
    assert_eq!(start.to_ymd_hms_milli(), (2019, 10, 12, 0, 0, 0, 0));
    let Data::DateTime(received) = &row[column("收到时间")] else {
        panic!("received is {:?}", row[column("收到时间")]);
    };
    assert_eq!(received.to_ymd_hms_milli(), (2020, 8, 19, 11, 0, 0, 0));

    let deficient = row_of(&all, "CZKX2020-0003");
    assert_eq!(
        deficient[column("问题")],
        Data::String("[B20] 缺少佐证材料".into())
    );
}

/// Text beginning with = + - @ stays text: no formula in any sheet, the value
/// exactly as the applicant wrote it, and Excel's quote prefix on its format.
#[test]
fn formula_like_text_is_written_as_text() {
    let bytes = workbook();
    let mut xlsx = open_xlsx(&bytes);
    for name in xlsx.sheet_names() {
        let formulas = xlsx.worksheet_formula(&name).unwrap();
        assert!(
            formulas.used_cells().all(|(_, _, f)| f.is_empty()),
            "{name} has a formula"
        );
    }
    let all = sheet(&bytes, ALL_SHEET);
    let row = row_of(&all, "CZKX2020-0005");
    assert_eq!(row[column("项目名称")], Data::String(EVIL_PROJECT.into()));
    assert_eq!(row[column("联系人")], Data::String(EVIL_CONTACT.into()));
    assert_eq!(row[column("手机")], Data::String(PLUS_MOBILE.into()));

    let sheet_xml = zip_entry(&bytes, "xl/worksheets/sheet1.xml");
    assert!(!sheet_xml.contains("<f>"), "no formula element");
    let styles = zip_entry(&bytes, "xl/styles.xml");
    assert!(styles.contains("quotePrefix=\"1\""), "{styles}");
}

/// The header row is frozen, the autofilter covers the data, and the columns
/// are wide enough for the Chinese names in them.
#[test]
fn header_frozen_autofilter_and_widths() {
    let bytes = workbook();
    let xml = zip_entry(&bytes, "xl/worksheets/sheet1.xml");
    assert!(xml.contains("<pane ySplit=\"1\""), "{xml}");
    assert!(xml.contains("<autoFilter ref=\"A1:P7\""), "{xml}");
    // Column B holds 常州市<b>不存在</b>学会: 7 Chinese characters and 7 Latin ones.
    let society_width = col_width(&xml, 2);
    assert!(society_width >= 21.0, "学会名称 is {society_width} wide");
    assert!(
        col_width(&xml, 1) < society_width,
        "widths follow the content"
    );
}

/// The width Excel is told for column `n` (1-based).
fn col_width(xml: &str, n: usize) -> f64 {
    let needle = format!("<col min=\"{n}\" max=\"{n}\" width=\"");
    let start = xml
        .find(&needle)
        .unwrap_or_else(|| panic!("no col {n} in {xml}"))
        + needle.len();
    xml[start..]
        .split('"')
        .next()
        .and_then(|width| width.parse().ok())
        .unwrap()
}
