//! `workbook::open` on hostile inputs built here: each must give a clean
//! error quickly, without inflating or allocating what the input asks for.

mod support;

use std::time::Duration;

use shenbao::config::Limits;
use shenbao::workbook::{CellValue, WorkbookError, open};
use support::workbooks::*;

const MIB: u64 = 1024 * 1024;

/// Runs `check`. The time budget is documentation only: speed is measured in
/// benchmarks, never asserted in tests (a loaded CI machine would make it flaky).
fn quickly<T>(_budget: Duration, check: impl FnOnce() -> T) -> T {
    check()
}

#[test]
fn random_bytes_are_not_a_workbook() {
    let mut state: u32 = 0x2545_F491;
    let noise: Vec<u8> = (0..4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect();
    assert!(matches!(
        open_default(&noise),
        Err(WorkbookError::NotAWorkbook(_))
    ));
    assert!(matches!(
        open_default(b""),
        Err(WorkbookError::NotAWorkbook(_))
    ));
}

#[test]
fn a_truncated_xlsx_is_corrupt() {
    let whole = sample("p01_service.xlsx");
    let result = open_default(&whole[..whole.len() / 2]);
    assert!(
        matches!(result, Err(WorkbookError::Corrupt(_))),
        "{result:?}"
    );
}

#[test]
fn other_office_documents_are_not_workbooks() {
    let docx = zip_of(&[
        ("[Content_Types].xml", b"<Types/>"),
        ("word/document.xml", b"<w:document/>"),
    ]);
    assert!(matches!(
        open_default(&docx),
        Err(WorkbookError::NotAWorkbook(_))
    ));
    let odt = zip_of(&[
        ("mimetype", b"application/vnd.oasis.opendocument.text"),
        ("content.xml", b"<office:document-content/>"),
    ]);
    assert!(matches!(
        open_default(&odt),
        Err(WorkbookError::NotAWorkbook(_))
    ));
    let doc = cfb_of(&[("/WordDocument", b"not a workbook")]);
    assert!(matches!(
        open_default(&doc),
        Err(WorkbookError::NotAWorkbook(_))
    ));
    let encrypted = cfb_of(&[
        ("/EncryptionInfo", b"\x04\x00\x04\x00"),
        ("/EncryptedPackage", b"x"),
    ]);
    assert_eq!(open_default(&encrypted), Err(WorkbookError::Encrypted));
}

#[test]
fn a_zip_bomb_is_too_large_before_anything_is_inflated() {
    // A sheet of ~300 MB of zeros deflated to ~2 MB (built by hand: deflating
    // 300 MB in a debug build would take half a minute).
    let (zeros, size) = deflate_prefix_then_zeros(b"", 300 * MIB / 258);
    let sheet = RawEntry {
        name: "xl/worksheets/sheet1.xml".into(),
        method: 8,
        data: zeros,
        crc: crc32_of_zeros(size),
        size: size as u32,
    };
    let bomb = raw_zip(&[RawEntry::stored("xl/workbook.xml", b"<workbook/>"), sheet]);
    assert!(bomb.len() < 3 * MIB as usize);
    let result = quickly(Duration::from_millis(200), || open_default(&bomb));
    assert!(is_too_large(&result), "{result:?}");
    // Under the size limit but over the ratio: 3 MB of zeros deflate ~1000:1.
    let ratio_bomb = zip_of(&[
        ("xl/workbook.xml", b"<workbook/>"),
        ("xl/a.xml", &[0u8; 3 << 20]),
    ]);
    assert!(is_too_large(&open_default(&ratio_bomb)));
}

#[test]
fn a_sheet_lying_about_its_size_is_not_inflated_past_it() {
    // A real workbook whose sheet declares 4 KiB but inflates to 50 MB.
    let form = xlsx(write_form);
    let prefix = br#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#;
    let entries: Vec<RawEntry> = unzip(&form)
        .into_iter()
        .map(|(name, data)| match name.as_str() {
            "xl/worksheets/sheet1.xml" => {
                let (stream, _) = deflate_prefix_then_zeros(prefix, 50 * MIB / 258);
                RawEntry {
                    name,
                    method: 8,
                    data: stream,
                    crc: 0,
                    size: 4096,
                }
            }
            _ => RawEntry::stored(&name, &data),
        })
        .collect();
    let liar = raw_zip(&entries);
    let result = quickly(Duration::from_millis(500), || open_default(&liar));
    // Inflating stops at the declared size: the sheet reads as broken.
    assert!(
        matches!(&result, Err(WorkbookError::Corrupt(why)) if why.contains("大于目录所记大小")),
        "{result:?}"
    );
}

#[test]
fn a_sheet_of_a_million_rows_is_too_large_quickly() {
    let million_rows = xlsx(|sheet| {
        for row in (0..20).chain(999_980..1_000_000) {
            sheet.write_number(row, 0, f64::from(row)).unwrap();
        }
    });
    assert!(quickly(Duration::from_secs(1), || is_too_large(
        &open_default(&million_rows)
    )));
}

#[test]
fn a_long_column_is_refused_at_the_row_limit() {
    let limits = Limits {
        max_rows: 1_000,
        ..Limits::default()
    };
    let column =
        |rows: u32| xlsx(|sheet| (0..rows).for_each(|row| drop(sheet.write_number(row, 0, 1.0))));
    assert!(is_too_large(&open(&column(5_000), &limits)));
    assert_eq!(
        open(&column(1_000), &limits).unwrap().sheets[0].cells.len(),
        1_000
    );
}

#[test]
fn a_stray_value_at_xfd1048576_is_too_large_but_a_stray_format_is_harmless() {
    let stray_value = xlsx(|sheet| {
        write_form(sheet);
        sheet.write_string(1_048_575, 16_383, "x").unwrap();
    });
    assert!(quickly(Duration::from_millis(500), || is_too_large(
        &open_default(&stray_value)
    )));

    let stray_format = xlsx(|sheet| {
        write_form(sheet);
        let bordered =
            rust_xlsxwriter::Format::new().set_border(rust_xlsxwriter::FormatBorder::Thin);
        sheet.write_blank(1_048_575, 16_383, &bordered).unwrap();
    });
    let workbook = quickly(Duration::from_millis(500), || open_default(&stray_format)).unwrap();
    assert_eq!(workbook.sheets[0].cells.len(), 4);
    assert_eq!(
        at(&workbook.sheets[0], "B2"),
        Some(&CellValue::Number(9000.0))
    );
}

#[test]
fn sixty_sheets_are_too_large() {
    let mut writer = rust_xlsxwriter::Workbook::new();
    for _ in 0..60 {
        writer.add_worksheet();
    }
    let bytes = writer.save_to_buffer().unwrap();
    assert!(is_too_large(&open_default(&bytes)));
    let sixty_allowed = Limits {
        max_sheets: 60,
        ..Limits::default()
    };
    assert_eq!(open(&bytes, &sixty_allowed).unwrap().sheets.len(), 60);
}

#[test]
fn xls_cells_far_apart_are_refused_before_calamine_densifies_them() {
    let small = xls_of(&[biff_number(0, 0, 1.0), biff_number(9, 3, 2.0)], None);
    let sheet = &open_default(&small).unwrap().sheets[0];
    assert_eq!(at(sheet, "D10"), Some(&CellValue::Number(2.0)));
    // A1 and IV65536: calamine would fill 16.7 M cells (~540 MB).
    let far = xls_of(
        &[biff_number(0, 0, 1.0), biff_number(65_535, 255, 2.0)],
        None,
    );
    assert!(quickly(Duration::from_millis(200), || is_too_large(
        &open_default(&far)
    )));
}

#[test]
fn xls_hidden_sheets_are_skipped() {
    let hidden = xls_of(&[biff_number(0, 0, 1.0)], Some(&[1, 0, 1, 0, b'S']));
    assert_eq!(open_default(&hidden).unwrap().sheets, vec![]);
}

#[test]
fn a_panic_in_the_parser_becomes_corrupt() {
    // A BOUNDSHEET record too short for its fields: calamine indexes past it.
    let truncated_record = xls_of(&[biff_number(0, 0, 1.0)], Some(&[]));
    let result = open_default(&truncated_record);
    assert!(
        matches!(&result, Err(WorkbookError::Corrupt(why)) if why.contains("index out of bounds")),
        "{result:?}"
    );
}

#[test]
fn an_ods_with_a_million_repeated_rows_is_too_large() {
    let content = r#"<office:document-content><office:body><office:spreadsheet><table:table table:name="S"><table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="100" office:value-type="float" office:value="1"/></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"#;
    let ods = zip_of(&[
        (
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet",
        ),
        ("META-INF/manifest.xml", b"<manifest:manifest/>"),
        ("content.xml", content.as_bytes()),
    ]);
    assert!(ods.len() < 2048);
    assert!(quickly(Duration::from_millis(200), || is_too_large(
        &open_default(&ods)
    )));
}

// The hand-made zip builders the tests above rely on.

#[test]
fn crc_of_zeros_matches_the_plain_crc() {
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    for len in [0, 1, 7, 258, 1000] {
        assert_eq!(crc32_of_zeros(len), crc32(&vec![0; len as usize]), "{len}");
    }
}

#[test]
fn hand_deflated_zeros_inflate_back() {
    let (stream, len) = deflate_prefix_then_zeros(b"<a>", 40);
    let entry = RawEntry {
        name: "z".into(),
        method: 8,
        data: stream,
        crc: 0,
        size: len as u32,
    };
    let crc = crc32(&[b"<a>".as_slice(), &vec![0; len as usize - 3]].concat());
    let zip = raw_zip(&[RawEntry::stored("first", b"1"), RawEntry { crc, ..entry }]);
    let entries = unzip(&zip);
    assert_eq!(entries[0], ("first".to_string(), b"1".to_vec()));
    let (name, inflated) = &entries[1];
    assert_eq!(name, "z");
    assert_eq!(inflated.len() as u64, len);
    assert!(inflated.starts_with(b"<a>\0") && inflated[3..].iter().all(|&b| b == 0));
}

/// `<sst uniqueCount>` is never trusted for memory: calamine reserved that many strings
/// before reading one, and 10^12 aborted the process. Our reader keeps only the
/// strings the part holds, so the lying count costs nothing and the form still reads.
#[test]
fn a_shared_strings_count_the_part_cannot_hold_costs_nothing() {
    let form = xlsx(write_form);
    let honest = open_default(&form).expect("the form reads");
    for preamble in ["", "<!-- a long preamble -->"] {
        let entries: Vec<RawEntry> = unzip(&form)
            .into_iter()
            .map(|(name, data)| match name.as_str() {
                "xl/sharedStrings.xml" => {
                    let xml = String::from_utf8(data).unwrap();
                    let at = xml.find("<sst").expect("an sst tag");
                    let lying = format!("{}{preamble}{}", &xml[..at], &xml[at..]).replacen(
                        "uniqueCount=\"",
                        "uniqueCount=\"1000000000000",
                        1,
                    );
                    assert!(lying.contains("uniqueCount=\"1000000000000"));
                    RawEntry::stored(&name, lying.as_bytes())
                }
                _ => RawEntry::stored(&name, &data),
            })
            .collect();
        assert_eq!(open_default(&raw_zip(&entries)), Ok(honest.clone()));
    }
}
