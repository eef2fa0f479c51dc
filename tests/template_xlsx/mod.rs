//! Test helpers that look inside an .xlsx: its parts, data validations, number
//! formats, and filling the template's own value cells in place (so a filled
//! copy keeps the template's formats and validations, as Excel would).

use std::io::{Cursor, Read, Write};

use calamine::Xlsx;
use jiff::civil::Date;
use regex::Regex;

const FORM_XML: &str = "xl/worksheets/sheet1.xml";

pub fn open(bytes: &[u8]) -> Xlsx<Cursor<Vec<u8>>> {
    calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).expect("an xlsx calamine reads")
}

/// The text of one part of the zip.
pub fn zip_text(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    let mut text = String::new();
    archive
        .by_name(name)
        .expect("part is there")
        .read_to_string(&mut text)
        .expect("utf-8 part");
    text
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[derive(Debug, Clone)]
pub struct DataValidationXml {
    /// `type`: list, date, decimal, … (empty for "any value").
    pub kind: String,
    pub sqref: String,
    pub formula1: String,
    pub prompt: String,
}

/// Every `<dataValidation>` of a sheet's XML.
pub fn data_validations(sheet_xml: &str) -> Vec<DataValidationXml> {
    let element =
        Regex::new(r"(?s)<dataValidation ([^>]*?)(?:/>|>(.*?)</dataValidation>)").unwrap();
    let formula1 = Regex::new(r"(?s)<formula1>(.*?)</formula1>").unwrap();
    element
        .captures_iter(sheet_xml)
        .map(|c| {
            let attributes = &c[1];
            let body = c.get(2).map_or("", |m| m.as_str());
            DataValidationXml {
                kind: attribute(attributes, "type").unwrap_or_default(),
                sqref: attribute(attributes, "sqref").unwrap_or_default(),
                formula1: formula1
                    .captures(body)
                    .map(|f| unescape(&f[1]))
                    .unwrap_or_default(),
                prompt: attribute(attributes, "prompt").unwrap_or_default(),
            }
        })
        .collect()
}

fn attribute(attributes: &str, name: &str) -> Option<String> {
    let pattern = Regex::new(&format!(r#"(?:^|\s){name}="([^"]*)""#)).unwrap();
    pattern.captures(attributes).map(|c| unescape(&c[1]))
}

/// The number format code of a cell of the application sheet.
pub fn num_format(bytes: &[u8], a1: &str) -> String {
    let sheet = zip_text(bytes, FORM_XML);
    let cell = Regex::new(&format!(r#"<c r="{a1}"[^>]*? s="(\d+)""#)).unwrap();
    let style: usize = cell.captures(&sheet).expect("cell has a style")[1]
        .parse()
        .unwrap();
    let styles = zip_text(bytes, "xl/styles.xml");
    let cell_xfs = Regex::new(r"(?s)<cellXfs[^>]*>(.*?)</cellXfs>").unwrap();
    let xfs = cell_xfs.captures(&styles).expect("cellXfs")[1].to_string();
    let xf = Regex::new(r"<xf ([^>]*)>|<xf ([^>]*)/>").unwrap();
    let nth = xf.captures_iter(&xfs).nth(style).expect("xf of the style");
    let attributes = nth.get(1).or(nth.get(2)).unwrap().as_str();
    let id: u32 = attribute(attributes, "numFmtId").unwrap().parse().unwrap();
    match id {
        0 => "General".to_string(),
        1 => "0".to_string(),
        3 => "#,##0".to_string(),
        49 => "@".to_string(),
        _ => {
            let custom =
                Regex::new(&format!(r#"<numFmt numFmtId="{id}" formatCode="([^"]*)""#)).unwrap();
            unescape(&custom.captures(&styles).expect("custom format")[1])
        }
    }
}

/// A value to put into a cell.
#[derive(Debug, Clone)]
pub enum Fill {
    Text(String),
    Number(f64),
    /// Written as Excel writes a typed date: the serial number, formatted by the cell's style.
    Date(Date),
}

/// Excel's serial number of a day (1900 date system).
pub fn excel_serial(date: Date) -> f64 {
    let epoch = Date::new(1899, 12, 30).unwrap();
    f64::from(date.since(epoch).unwrap().get_days())
}

/// Fills the template's blank value cells in place, keeping their styles.
pub fn fill(template: &[u8], fills: &[(shenbao::template::CellRef, Fill)]) -> Vec<u8> {
    let mut sheet = zip_text(template, FORM_XML);
    for (cell, value) in fills {
        let a1 = cell.a1();
        let blank = Regex::new(&format!(r#"<c r="{a1}"( s="\d+")?/>"#)).unwrap();
        let found = blank.captures(&sheet).expect("a blank value cell");
        let style = found.get(1).map_or("", |m| m.as_str()).to_string();
        let filled = match value {
            Fill::Text(t) => format!(
                r#"<c r="{a1}"{style} t="inlineStr"><is><t>{}</t></is></c>"#,
                escape(t)
            ),
            Fill::Number(n) => format!(r#"<c r="{a1}"{style}><v>{n}</v></c>"#),
            Fill::Date(d) => format!(r#"<c r="{a1}"{style}><v>{}</v></c>"#, excel_serial(*d)),
        };
        sheet = blank.replace(&sheet, regex::NoExpand(&filled)).into_owned();
    }
    replace_part(template, FORM_XML, &sheet)
}

/// A copy of the zip with one part's content replaced.
fn replace_part(bytes: &[u8], name: &str, content: &str) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for index in 0..archive.len() {
        let mut part = archive.by_index(index).unwrap();
        let part_name = part.name().unwrap().to_string();
        let mut data = Vec::new();
        part.read_to_end(&mut data).unwrap();
        if part_name == name {
            data = content.as_bytes().to_vec();
        }
        writer.start_file(part_name, options).unwrap();
        writer.write_all(&data).unwrap();
    }
    writer.finish().unwrap().into_inner()
}
