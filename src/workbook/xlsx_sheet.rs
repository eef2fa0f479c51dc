//! One worksheet part of an .xlsx: its non-empty cells and merged areas, in a
//! single pass over the XML. Cell values follow calamine 0.38's cell reader
//! (types `s n b d e str inlineStr`, dates by number format, formulas by
//! their cached value), which read them until our own reader replaced it.

use super::budget::{Budget, Extent};
use super::cell_value::{DAYS_1900_TO_1904, text_bytes};
use super::convert::sort_merges;
use super::number_format::NumberKind;
use super::xlsx_parts::{corrupt, rich_text, text_until_end, unescape_ooxml};
use super::xml_tags::{Token, Tokens, attr, local_name};
use super::{Cell, CellValue, Merge, Sheet, WorkbookError};
use crate::config::Limits;

/// What a worksheet's cells are read against.
pub(crate) struct SheetContext<'a> {
    pub strings: &'a [String],
    pub formats: &'a [NumberKind],
    pub is_1904: bool,
    pub limits: &'a Limits,
}

/// The sheet `name`: its cells (sorted, the later of two at one address
/// kept) and merges; `None` when the part is not a worksheet (no `<sheetData>`).
pub(crate) fn read(
    xml: &[u8],
    name: &str,
    context: &SheetContext<'_>,
    budget: &mut Budget,
) -> Result<Option<Sheet>, WorkbookError> {
    let mut tokens = Tokens::new(xml).map(|token| token.map_err(|_| incomplete()));
    if !skip_to_sheet_data(&mut tokens)? {
        return Ok(None);
    }
    let mut scan = SheetScan::default();
    while let Some(token) = tokens.next() {
        match token? {
            Token::Start {
                name: tag,
                attrs,
                empty,
            } => match local_name(tag) {
                b"row" => {
                    if let Some(r) = attr(attrs, b"r") {
                        scan.row = row_and_column(r)?.0;
                    }
                    if empty {
                        scan.end_row();
                    }
                }
                b"c" => {
                    let (row, col) = scan.next_position(attr(attrs, b"r"))?;
                    let value = if empty {
                        None
                    } else {
                        cell_value(&mut tokens, attrs, context)?
                    };
                    if let Some(value) = value {
                        scan.keep(Cell { row, col, value }, name, context.limits, budget)?;
                    }
                }
                b"mergeCell" => {
                    if let Some(area) = attr(attrs, b"ref") {
                        scan.merges.push(merge(area)?);
                    }
                }
                _ => {}
            },
            Token::End { name: tag } if local_name(tag) == b"row" => scan.end_row(),
            _ => {}
        }
    }
    sort_merges(&mut scan.merges);
    Ok(Some(Sheet {
        name: name.to_string(),
        cells: sorted_without_duplicates(scan.cells),
        merges: scan.merges,
    }))
}

fn incomplete() -> WorkbookError {
    corrupt("工作表不完整")
}

/// Moves past `<sheetData>`; false if the part ends first after some other
/// root (a chart or dialog sheet), an error if it held no element at all.
fn skip_to_sheet_data<'a>(
    tokens: &mut impl Iterator<Item = Result<Token<'a>, WorkbookError>>,
) -> Result<bool, WorkbookError> {
    let mut seen_element = false;
    for token in tokens.by_ref() {
        if let Token::Start { name, .. } = token? {
            if local_name(name) == b"sheetData" {
                return Ok(true);
            }
            seen_element = true;
        }
    }
    if seen_element {
        Ok(false)
    } else {
        Err(incomplete())
    }
}

/// Where the scan is: the row and column a cell without `r` takes.
#[derive(Default)]
struct SheetScan {
    row: u32,
    col: u32,
    cells: Vec<Cell>,
    merges: Vec<Merge>,
    extent: Extent,
}

impl SheetScan {
    fn end_row(&mut self) {
        self.row = self.row.saturating_add(1);
        self.col = 0;
    }

    fn next_position(&mut self, r: Option<&[u8]>) -> Result<(u32, u32), WorkbookError> {
        let position = match r {
            Some(r) => reference(r)?,
            None => (self.row, self.col),
        };
        self.col = position.1.saturating_add(1);
        Ok(position)
    }

    fn keep(
        &mut self,
        cell: Cell,
        sheet: &str,
        limits: &Limits,
        budget: &mut Budget,
    ) -> Result<(), WorkbookError> {
        self.extent.include(cell.row, cell.col);
        self.extent.check(sheet, limits)?;
        budget.spend_cells(1)?;
        budget.spend_text(text_bytes(&cell.value))?;
        self.cells.push(cell);
        Ok(())
    }
}

/// The value of a `<c>` whose children follow; `None` for empty text, errors
/// and cells without a value.
fn cell_value<'a>(
    tokens: &mut impl Iterator<Item = Result<Token<'a>, WorkbookError>>,
    attrs: &[u8],
    context: &SheetContext<'_>,
) -> Result<Option<CellValue>, WorkbookError> {
    let kind = attr(attrs, b"t");
    let style = attr(attrs, b"s");
    let mut value = None;
    while let Some(token) = tokens.next() {
        match token? {
            Token::End { name } if local_name(name) == b"c" => return Ok(value),
            Token::Start { name, empty, .. } => match local_name(name) {
                b"is" if !empty => value = non_empty(rich_text(tokens, b"is")?),
                b"v" if !empty => {
                    let text = text_until_end(tokens, b"v")?;
                    if !matches!(kind, Some(b"inlineStr" | b"is")) {
                        value = typed_value(&text, kind, style, context)?;
                    }
                }
                b"f" if !empty => {
                    text_until_end(tokens, b"f")?;
                }
                _ => {}
            },
            _ => {}
        }
    }
    Err(incomplete())
}

/// A `<v>` read by the cell's type `t` and, for numbers, its format `s`.
fn typed_value(
    text: &str,
    kind: Option<&[u8]>,
    style: Option<&[u8]>,
    context: &SheetContext<'_>,
) -> Result<Option<CellValue>, WorkbookError> {
    match kind {
        Some(b"s") => {
            if text.is_empty() {
                return Ok(None);
            }
            let index = text.trim().parse::<usize>().unwrap_or(0);
            let shared = context
                .strings
                .get(index)
                .ok_or_else(|| corrupt("共享字符串序号超出范围"))?;
            Ok(non_empty(shared.clone()))
        }
        Some(b"b") => match text.trim() {
            "" => Ok(None),
            "0" => Ok(Some(CellValue::Bool(false))),
            "1" => Ok(Some(CellValue::Bool(true))),
            t if t.eq_ignore_ascii_case("false") => Ok(Some(CellValue::Bool(false))),
            t if t.eq_ignore_ascii_case("true") => Ok(Some(CellValue::Bool(true))),
            _ => Err(corrupt("布尔值无法识别")),
        },
        Some(b"d") => Ok(Some(CellValue::DateIso(text.to_string()))),
        Some(b"e") => Ok(None),
        Some(b"str") => Ok(non_empty(unescape_ooxml(text).into_owned())),
        Some(b"n") | None => number(text, kind.is_none(), style, context),
        Some(_) => Err(corrupt("单元格类型无法识别")),
    }
}

/// A number cell: a date when its format says so; without an explicit type,
/// text that is no number is kept as text.
fn number(
    text: &str,
    untyped: bool,
    style: Option<&[u8]>,
    context: &SheetContext<'_>,
) -> Result<Option<CellValue>, WorkbookError> {
    if text.is_empty() {
        return Ok(None);
    }
    let Ok(value) = text.parse::<f64>() else {
        return if untyped {
            Ok(Some(CellValue::Text(text.to_string())))
        } else {
            Err(corrupt("数值无法识别"))
        };
    };
    let kind = match style {
        None => Some(NumberKind::Plain),
        Some(s) => {
            let index = std::str::from_utf8(s)
                .ok()
                .and_then(|s| s.parse::<usize>().ok());
            context.formats.get(index.unwrap_or(0)).copied()
        }
    };
    Ok(Some(match kind {
        Some(NumberKind::Date) => {
            let offset = if context.is_1904 {
                DAYS_1900_TO_1904
            } else {
                0.0
            };
            CellValue::DateTime(value + offset)
        }
        Some(NumberKind::Duration | NumberKind::Plain) | None => CellValue::Number(value),
    }))
}

fn non_empty(text: String) -> Option<CellValue> {
    (!text.is_empty()).then_some(CellValue::Text(text))
}

/// `B12` → (11, 1).
fn reference(r: &[u8]) -> Result<(u32, u32), WorkbookError> {
    match row_and_column(r)? {
        (row, Some(col)) => Ok((row, col)),
        (_, None) => Err(corrupt("单元格地址无法识别")),
    }
}

/// `B12` → (11, Some(1)); a row's `r`, `12`, → (11, None).
fn row_and_column(r: &[u8]) -> Result<(u32, Option<u32>), WorkbookError> {
    let bad = || corrupt("单元格地址无法识别");
    let letters = r.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let (column, row) = r.split_at(letters);
    let mut col: u32 = 0;
    for &c in column {
        col = col
            .checked_mul(26)
            .and_then(|n| n.checked_add(u32::from(c.to_ascii_uppercase() - b'A') + 1))
            .ok_or_else(bad)?;
    }
    let row: u32 = std::str::from_utf8(row)
        .ok()
        .filter(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|digits| digits.parse().ok())
        .ok_or_else(bad)?;
    Ok((row.checked_sub(1).ok_or_else(bad)?, col.checked_sub(1)))
}

/// `A1:C2` (or one cell) → a merge, corners in order whatever the file says.
fn merge(area: &[u8]) -> Result<Merge, WorkbookError> {
    let mut corners = area.split(|&b| b == b':');
    let first = reference(corners.next().unwrap_or_default())?;
    let last = match corners.next() {
        Some(corner) => reference(corner)?,
        None => first,
    };
    if corners.next().is_some() {
        return Err(corrupt("合并区域无法识别"));
    }
    Ok(Merge {
        first_row: first.0.min(last.0),
        first_col: first.1.min(last.1),
        last_row: first.0.max(last.0),
        last_col: first.1.max(last.1),
    })
}

/// Sorts by (row, col); of two cells at one address the later one wins, as
/// in calamine's own ranges.
fn sorted_without_duplicates(mut cells: Vec<Cell>) -> Vec<Cell> {
    cells.sort_by_key(|cell| (cell.row, cell.col));
    cells.reverse();
    cells.dedup_by_key(|cell| (cell.row, cell.col));
    cells.reverse();
    cells
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context<'a>(
        strings: &'a [String],
        formats: &'a [NumberKind],
        limits: &'a Limits,
    ) -> SheetContext<'a> {
        SheetContext {
            strings,
            formats,
            is_1904: false,
            limits,
        }
    }

    #[test]
    fn reads_each_cell_type() {
        let strings = vec!["学会".to_string(), String::new()];
        let formats = [NumberKind::Plain, NumberKind::Date];
        let limits = Limits::default();
        let xml = r#"<worksheet><dimension ref="A1:F2"/><sheetData>
            <row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" s="1"><v>43000</v></c><c r="C1"><f>1+1</f><v>2</v></c>
              <c r="D1" t="inlineStr"><is><t>内联</t></is></c><c r="E1" t="b"><v>1</v></c><c r="F1" t="e"><v>#N/A</v></c></row>
            <row r="2"><c t="str"><v>a&amp;b_x000D_</v></c><c t="s"><v>1</v></c><c/><c t="d"><v>2020-08-31</v></c></row>
            </sheetData><mergeCells count="1"><mergeCell ref="C2:A1"/></mergeCells></worksheet>"#;
        let sheet = read(
            xml.as_bytes(),
            "S",
            &context(&strings, &formats, &limits),
            &mut Budget::new(),
        )
        .unwrap()
        .unwrap();
        let got: Vec<_> = sheet
            .cells
            .iter()
            .map(|c| (super::super::a1(c.row, c.col), c.value.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("A1".into(), CellValue::Text("学会".into())),
                ("B1".into(), CellValue::DateTime(43000.0)),
                ("C1".into(), CellValue::Number(2.0)),
                ("D1".into(), CellValue::Text("内联".into())),
                ("E1".into(), CellValue::Bool(true)),
                ("A2".into(), CellValue::Text("a&b\r".into())),
                ("D2".into(), CellValue::DateIso("2020-08-31".into())),
            ]
        );
        assert_eq!(
            sheet.merges,
            vec![Merge {
                first_row: 0,
                first_col: 0,
                last_row: 1,
                last_col: 2
            }]
        );
    }

    #[test]
    fn a_chart_sheet_is_no_worksheet_and_garbage_is_corrupt() {
        let limits = Limits::default();
        let ctx = context(&[], &[], &limits);
        assert_eq!(
            read(
                b"<chartsheet><drawing/></chartsheet>",
                "C",
                &ctx,
                &mut Budget::new()
            )
            .unwrap(),
            None
        );
        assert!(read(b"", "C", &ctx, &mut Budget::new()).is_err());
        let bad_index =
            br#"<worksheet><sheetData><row><c t="s"><v>5</v></c></row></sheetData></worksheet>"#;
        assert!(read(bad_index, "S", &ctx, &mut Budget::new()).is_err());
        let bad_ref =
            br#"<worksheet><sheetData><row><c r="1A"><v>5</v></c></row></sheetData></worksheet>"#;
        assert!(read(bad_ref, "S", &ctx, &mut Budget::new()).is_err());
    }

    #[test]
    fn a_far_cell_exceeds_the_used_range() {
        let limits = Limits::default();
        let ctx = context(&[], &[], &limits);
        let far = br#"<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>"#;
        assert!(matches!(
            read(far, "S", &ctx, &mut Budget::new()),
            Err(WorkbookError::TooLarge(_))
        ));
        let formatted_only = br#"<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576" s="3"/></row></sheetData></worksheet>"#;
        assert!(
            read(formatted_only, "S", &ctx, &mut Budget::new())
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn duplicates_keep_the_later_cell() {
        let cell = |row, col, text: &str| Cell {
            row,
            col,
            value: CellValue::Text(text.into()),
        };
        let cells = vec![cell(1, 0, "b"), cell(0, 0, "first"), cell(0, 0, "second")];
        assert_eq!(
            sorted_without_duplicates(cells),
            vec![cell(0, 0, "second"), cell(1, 0, "b")]
        );
    }
}
