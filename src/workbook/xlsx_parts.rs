//! The small parts of an .xlsx package that say where the sheets are and how
//! to read their cells: relationships, `workbook.xml`, `styles.xml` (number
//! formats only) and `sharedStrings.xml`. Their meaning follows calamine 0.38,
//! which read them until our own reader replaced it (see [`super::xlsx`]).

use std::collections::HashMap;

use super::WorkbookError;
use super::number_format::{NumberKind, builtin_format_kind, custom_format_kind};
use super::xml_tags::{Token, Tokens, attr, attr_by_local_name, local_name, unescape};

/// `Id` → (`Target`, `Type`) of one relationships part.
pub(crate) type Relationships = HashMap<Vec<u8>, (String, String)>;

/// A sheet listed by `workbook.xml`, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SheetEntry {
    pub name: String,
    /// The part's path inside the zip.
    pub path: String,
    /// A visible worksheet: the only kind an application is read from.
    pub visible_worksheet: bool,
}

/// What `workbook.xml` says.
#[derive(Debug, Default)]
pub(crate) struct WorkbookPart {
    pub sheets: Vec<SheetEntry>,
    pub is_1904: bool,
}

/// The one wording of an unreadable .xlsx, for every part of the reader.
pub(crate) fn corrupt(what: &str) -> WorkbookError {
    WorkbookError::Corrupt(format!("无法读取 xlsx（{what}）"))
}

fn tokens<'a>(
    xml: &'a [u8],
    part: &str,
) -> impl Iterator<Item = Result<Token<'a>, WorkbookError>> + 'a {
    let part = part.to_string();
    Tokens::new(xml).map(move |token| token.map_err(|_| corrupt(&format!("{part} 不完整"))))
}

/// The workbook part's path, from the package's `_rels/.rels`.
pub(crate) fn office_document(rels: &[u8]) -> Result<String, WorkbookError> {
    for token in tokens(rels, "_rels/.rels") {
        if let Token::Start { name, attrs, .. } = token?
            && local_name(name) == b"Relationship"
            && attr(attrs, b"Type").is_some_and(|t| t.ends_with(b"/relationships/officeDocument"))
            && let Some(target) = attr(attrs, b"Target")
        {
            let target = unescape(target);
            return Ok(target.strip_prefix('/').unwrap_or(&target).to_string());
        }
    }
    Err(corrupt("找不到工作簿部件"))
}

pub(crate) fn relationships(xml: &[u8]) -> Result<Relationships, WorkbookError> {
    let mut found = HashMap::new();
    for token in tokens(xml, "workbook.xml.rels") {
        if let Token::Start { name, attrs, .. } = token?
            && local_name(name) == b"Relationship"
            && let Some(id) = attr(attrs, b"Id")
        {
            let text = |key| attr(attrs, key).map(|v| String::from_utf8_lossy(v).into_owned());
            let target = text(b"Target").unwrap_or_default();
            let kind = text(b"Type").unwrap_or_default();
            found.insert(id.to_vec(), (target, kind));
        }
    }
    Ok(found)
}

/// The sheets of `workbook.xml` (`dir` is the workbook part's folder, e.g. `xl/`).
pub(crate) fn workbook(
    xml: &[u8],
    dir: &str,
    rels: &Relationships,
) -> Result<WorkbookPart, WorkbookError> {
    let mut part = WorkbookPart::default();
    for token in tokens(xml, "workbook.xml") {
        let Token::Start { name, attrs, .. } = token? else {
            continue;
        };
        match local_name(name) {
            b"sheet" => part.sheets.push(sheet_entry(attrs, dir, rels)?),
            b"workbookPr" => {
                // `<x15:workbookPr>` in extLst shares the name but has no date1904.
                if let Some(value) = attr(attrs, b"date1904") {
                    part.is_1904 = value == b"1" || value == b"true";
                }
            }
            _ => {}
        }
    }
    Ok(part)
}

fn sheet_entry(attrs: &[u8], dir: &str, rels: &Relationships) -> Result<SheetEntry, WorkbookError> {
    let name = attr(attrs, b"name").map(unescape).unwrap_or_default();
    let visible = match attr(attrs, b"state") {
        None | Some(b"visible") => true,
        Some(b"hidden" | b"veryHidden") => false,
        Some(_) => return Err(corrupt("工作表状态无法识别")),
    };
    let rel_id = attr_by_local_name(attrs, b"id").unwrap_or_default();
    let (target, kind) = rels
        .get(rel_id)
        .ok_or_else(|| corrupt("找不到工作表的关系"))?;
    let path = match target.strip_prefix('/') {
        Some(absolute) => absolute.to_string(),
        None => format!("{dir}{target}"),
    };
    let worksheet = match kind.rsplit('/').next() {
        Some("worksheet") => true,
        Some("chartsheet" | "dialogsheet") => false,
        _ => return Err(corrupt("工作表类型无法识别")),
    };
    Ok(SheetEntry {
        name,
        path,
        visible_worksheet: visible && worksheet,
    })
}

/// The number kind of each cell format (`<cellXfs>`), indexed by a cell's `s`.
pub(crate) fn cell_formats(styles: &[u8]) -> Result<Vec<NumberKind>, WorkbookError> {
    let mut custom: HashMap<Vec<u8>, NumberKind> = HashMap::new();
    let mut formats = Vec::new();
    let mut in_cell_xfs = false;
    for token in tokens(styles, "styles.xml") {
        match token? {
            Token::Start { name, attrs, empty } => match local_name(name) {
                b"numFmt" => {
                    if let (Some(id), Some(code)) =
                        (attr(attrs, b"numFmtId"), attr(attrs, b"formatCode"))
                    {
                        custom.insert(id.to_vec(), custom_format_kind(&unescape(code)));
                    }
                }
                b"cellXfs" => in_cell_xfs = !empty,
                b"xf" if in_cell_xfs => {
                    formats.push(attr(attrs, b"numFmtId").map_or(NumberKind::Plain, |id| {
                        custom
                            .get(id)
                            .copied()
                            .unwrap_or_else(|| builtin_format_kind(id))
                    }))
                }
                _ => {}
            },
            Token::End { name } if local_name(name) == b"cellXfs" => in_cell_xfs = false,
            _ => {}
        }
    }
    Ok(formats)
}

/// The shared strings, in order (`<si>` items; phonetic runs left out).
pub(crate) fn shared_strings(xml: &[u8]) -> Result<Vec<String>, WorkbookError> {
    let mut strings = Vec::new();
    let mut tokens = tokens(xml, "sharedStrings.xml");
    while let Some(token) = tokens.next() {
        if let Token::Start { name, empty, .. } = token?
            && local_name(name) == b"si"
        {
            let text = if empty {
                String::new()
            } else {
                rich_text(&mut tokens, b"si")?
            };
            strings.push(text);
        }
    }
    Ok(strings)
}

/// The text of a string item (`<si>` or an inline `<is>`), read up to its
/// end tag: every `<t>` outside `<rPh>` joined.
pub(crate) fn rich_text<'a>(
    tokens: &mut impl Iterator<Item = Result<Token<'a>, WorkbookError>>,
    closing: &[u8],
) -> Result<String, WorkbookError> {
    let mut text = String::new();
    let mut phonetic = false;
    while let Some(token) = tokens.next() {
        match token? {
            Token::End { name } if local_name(name) == closing => return Ok(text),
            Token::Start { name, empty, .. } if local_name(name) == b"rPh" => phonetic = !empty,
            Token::End { name } if local_name(name) == b"rPh" => phonetic = false,
            Token::Start {
                name,
                attrs,
                empty: false,
            } if local_name(name) == b"t" && !phonetic => {
                let preserve = attr(attrs, b"xml:space") == Some(b"preserve");
                let raw = text_until_end(tokens, b"t")?;
                let kept = if preserve {
                    &raw[..]
                } else {
                    raw.trim_matches([' ', '\t', '\r', '\n'])
                };
                text.push_str(&unescape_ooxml(kept));
            }
            _ => {}
        }
    }
    Err(corrupt("字符串不完整"))
}

/// Character data up to the end tag `closing`, line ends normalized and
/// entities decoded, as an XML parser hands it over.
pub(crate) fn text_until_end<'a>(
    tokens: &mut impl Iterator<Item = Result<Token<'a>, WorkbookError>>,
    closing: &[u8],
) -> Result<String, WorkbookError> {
    let mut text = String::new();
    for token in tokens.by_ref() {
        match token? {
            Token::Text(raw) => text.push_str(&xml_text(raw)),
            Token::End { name } if local_name(name) == closing => return Ok(text),
            _ => {}
        }
    }
    Err(corrupt("单元格文字不完整"))
}

/// One run of character data: CR LF and lone CR become LF (XML 1.0 §2.11),
/// then entities are decoded.
fn xml_text(raw: &[u8]) -> String {
    if !raw.contains(&b'\r') {
        return unescape(raw);
    }
    let mut normalized = Vec::with_capacity(raw.len());
    let mut bytes = raw.iter().peekable();
    while let Some(&b) = bytes.next() {
        if b == b'\r' {
            normalized.push(b'\n');
            if bytes.peek() == Some(&&b'\n') {
                bytes.next();
            }
        } else {
            normalized.push(b);
        }
    }
    unescape(&normalized)
}

/// Decodes Excel's `_xHHHH_` escapes (UTF-16 code units; `_x000D_` is a CR,
/// `_x005F_` a literal underscore). An unpaired surrogate becomes U+FFFD.
pub(crate) fn unescape_ooxml(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("_x") {
        return text.into();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("_x") {
        let Some(unit) = escape_at(rest, at) else {
            out.push_str(&rest[..at + 1]);
            rest = &rest[at + 1..];
            continue;
        };
        out.push_str(&rest[..at]);
        rest = &rest[at + 7..];
        let decoded = match unit {
            0xD800..=0xDBFF => match escape_at(rest, 0) {
                Some(low @ 0xDC00..=0xDFFF) => {
                    rest = &rest[7..];
                    char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                }
                _ => None,
            },
            _ => char::from_u32(unit),
        };
        out.push(decoded.unwrap_or(char::REPLACEMENT_CHARACTER));
    }
    out.push_str(rest);
    out.into()
}

/// The code unit of an `_xHHHH_` escape starting at `at`.
fn escape_at(text: &str, at: usize) -> Option<u32> {
    let escape = text.as_bytes().get(at..at + 7)?;
    if !escape.starts_with(b"_x") || escape[6] != b'_' {
        return None;
    }
    let hex = std::str::from_utf8(&escape[2..6]).ok()?;
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(hex, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rich_text_joins_runs_and_skips_phonetics() {
        let xml = br#"<sst><si><t xml:space="preserve"> a </t></si><si/><si><r><t>R&amp;</t></r><r><t>D</t></r><rPh><t>x</t></rPh></si><si><t>l1&#13;
l2_x000D_</t></si></sst>"#;
        assert_eq!(
            shared_strings(xml).unwrap(),
            vec![" a ", "", "R&D", "l1\r\nl2\r"]
        );
    }

    #[test]
    fn ooxml_escapes() {
        assert_eq!(unescape_ooxml("a_x000D_b"), "a\rb");
        assert_eq!(unescape_ooxml("_x005F_x000D_"), "_x000D_");
        assert_eq!(unescape_ooxml("_xD83D__xDCF7_"), "📷");
        assert_eq!(unescape_ooxml("_xD83D_"), "\u{FFFD}");
        assert_eq!(unescape_ooxml("_x12_ plain"), "_x12_ plain");
    }

    #[test]
    fn cell_formats_follow_cell_xfs_only() {
        let xml = r#"<styleSheet><numFmts><numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;"/></numFmts>
            <cellStyleXfs><xf numFmtId="14"/></cellStyleXfs>
            <cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="164"><alignment/></xf><xf numFmtId="14"/><xf numFmtId="46"/></cellXfs></styleSheet>"#;
        assert_eq!(
            cell_formats(xml.as_bytes()).unwrap(),
            vec![
                NumberKind::Plain,
                NumberKind::Date,
                NumberKind::Date,
                NumberKind::Duration
            ]
        );
    }

    #[test]
    fn sheets_are_found_through_relationships() {
        let rels = relationships(br#"<Relationships><Relationship Id="rId1" Type="http://x/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://x/chartsheet" Target="/xl/c.xml"/></Relationships>"#).unwrap();
        let xml = br#"<workbook><workbookPr date1904="1"/><sheets><sheet name="A&amp;B" sheetId="1" r:id="rId1"/><sheet name="C" state="hidden" sheetId="2" r:id="rId1"/><sheet name="D" sheetId="3" r:id="rId2"/></sheets></workbook>"#;
        let part = workbook(xml, "xl/", &rels).unwrap();
        assert!(part.is_1904);
        let seen: Vec<_> = part
            .sheets
            .iter()
            .map(|s| (s.name.as_str(), s.path.as_str(), s.visible_worksheet))
            .collect();
        assert_eq!(
            seen,
            vec![
                ("A&B", "xl/worksheets/sheet1.xml", true),
                ("C", "xl/worksheets/sheet1.xml", false),
                ("D", "xl/c.xml", false)
            ]
        );
        let missing = br#"<workbook><sheets><sheet name="E" r:id="rId9"/></sheets></workbook>"#;
        assert!(workbook(missing, "xl/", &rels).is_err());
    }
}
