//! Pre-scan of an .ods `content.xml`: what calamine would allocate, and the
//! merged cells it does not report.
//!
//! calamine's `Ods::new` builds every table (hidden ones too) as a dense range,
//! expanding `number-rows-repeated` / `number-columns-repeated` (up to
//! 1,048,576 rows and 16,384 columns) and `<text:s text:c="N"/>` runs of
//! spaces. A few bytes of XML can ask for gigabytes, so the tables are
//! measured here, with calamine's own rules, before calamine runs.

use super::budget::{Budget, Extent, check_sheet_count};
use super::convert::sort_merges;
use super::xml_tags::{Token, Tokens, attr, unescape};
use super::{Merge, WorkbookError};
use crate::config::Limits;

/// calamine's caps on an .ods table.
const MAX_ROWS: u64 = 1_048_576;
const MAX_COLUMNS: u64 = 16_384;

/// Attributes that give a cell a value in calamine's eyes.
const VALUE_ATTRS: [&[u8]; 5] = [
    b"office:value",
    b"office:string-value",
    b"office:date-value",
    b"office:time-value",
    b"office:boolean-value",
];

/// Value attributes calamine keeps as text (numbers and booleans it parses).
const TEXT_ATTRS: [&[u8]; 3] = [
    b"office:string-value",
    b"office:date-value",
    b"office:time-value",
];

/// One table of the document, in document order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OdsTable {
    pub name: String,
    /// From `table:number-columns-spanned` / `table:number-rows-spanned`.
    pub merges: Vec<Merge>,
}

/// Measures every table of `content` against the limits and budgets.
pub(crate) fn scan(content: &[u8], limits: &Limits) -> Result<Vec<OdsTable>, WorkbookError> {
    let mut tables = Vec::new();
    let mut budget = Budget::new();
    let mut table: Option<TableScan> = None;
    for token in Tokens::new(content) {
        let token = token.map_err(|_| WorkbookError::Corrupt("content.xml 不完整".to_string()))?;
        match (&mut table, token) {
            (
                None,
                Token::Start {
                    name: b"table:table",
                    attrs,
                    empty: false,
                },
            ) => {
                if let Some(name) = attr(attrs, b"table:name") {
                    check_sheet_count(tables.len() + 1, limits)?;
                    table = Some(TableScan::new(unescape(name)));
                }
            }
            (
                Some(scan),
                Token::End {
                    name: b"table:table",
                },
            ) => {
                tables.push(scan.finish(limits, &mut budget)?);
                table = None;
            }
            (Some(scan), token) => scan.take(token, limits, &mut budget)?,
            (None, _) => {}
        }
    }
    Ok(tables)
}

/// A table being measured.
struct TableScan {
    name: String,
    /// Rows seen so far, repeats included (capped like calamine).
    rows: u64,
    row: RowScan,
    cell: Option<CellScan>,
    /// Cells calamine pushes before building its ranges (values and formulas).
    raw_cells: u64,
    value_extent: Extent,
    formula_extent: Extent,
    merges: Vec<Merge>,
}

/// The current row: where it starts, how often it repeats, cells pushed.
#[derive(Default)]
struct RowScan {
    first_row: u64,
    repeats: u64,
    pushed: u64,
    pending_empty: u64,
}

/// The current non-empty cell, whose text is still being counted.
struct CellScan {
    repeats: u64,
    text_bytes: u64,
}

impl TableScan {
    fn new(name: String) -> TableScan {
        TableScan {
            name,
            rows: 0,
            row: RowScan::default(),
            cell: None,
            raw_cells: 0,
            value_extent: Extent::default(),
            formula_extent: Extent::default(),
            merges: Vec::new(),
        }
    }

    fn take(
        &mut self,
        token: Token<'_>,
        limits: &Limits,
        budget: &mut Budget,
    ) -> Result<(), WorkbookError> {
        match token {
            Token::Start {
                name: b"table:table-row",
                attrs,
                ..
            } => self.start_row(attrs),
            Token::Start {
                name: b"table:table-cell" | b"table:covered-table-cell",
                attrs,
                empty,
            } => {
                self.start_cell(attrs);
                // Refused as soon as the used range outgrows the limits.
                self.value_extent.check(&self.name, limits)?;
                if empty {
                    self.end_cell(budget)?;
                }
            }
            Token::End {
                name: b"table:table-cell" | b"table:covered-table-cell",
            } => self.end_cell(budget)?,
            Token::Start {
                name: b"text:s",
                attrs,
                ..
            } => {
                // calamine pushes `text:c` spaces one by one.
                let spaces = attr(attrs, b"text:c").and_then(parse_count).unwrap_or(1);
                self.add_text(spaces);
            }
            Token::Start { .. } => self.add_text(1),
            Token::Text(text) => self.add_text(text.len() as u64),
            Token::End { .. } => {}
        }
        Ok(())
    }

    fn start_row(&mut self, attrs: &[u8]) {
        let asked = repeat_count(attrs, b"table:number-rows-repeated");
        let repeats = asked.min(MAX_ROWS - self.rows);
        self.row = RowScan {
            first_row: self.rows,
            repeats,
            pushed: 0,
            pending_empty: 0,
        };
        self.rows += repeats;
    }

    fn start_cell(&mut self, attrs: &[u8]) {
        // Empty cells before this one are pushed now (trailing ones never).
        self.row.pushed += self.row.pending_empty.min(MAX_COLUMNS - self.row.pushed);
        self.row.pending_empty = 0;
        let repeats = repeat_count(attrs, b"table:number-columns-repeated")
            .min(MAX_COLUMNS - self.row.pushed);
        let first_col = self.row.pushed;
        self.record_merge(attrs, first_col);
        let formula = attr(attrs, b"table:formula").is_some_and(|f| !f.is_empty());
        let has_value = VALUE_ATTRS.iter().any(|name| attr(attrs, name).is_some())
            || attr(attrs, b"office:value-type") == Some(b"string");
        if !(has_value || formula) {
            self.row.pending_empty = repeats;
            return;
        }
        self.row.pushed += repeats;
        self.raw_cells += 2 * repeats;
        if repeats == 0 || self.row.repeats == 0 {
            return;
        }
        let (first_row, last_row) = (
            self.row.first_row,
            self.row.first_row + self.row.repeats - 1,
        );
        let area = [first_row, first_col, last_row, first_col + repeats - 1].map(to_u32);
        self.value_extent
            .include_area(area[0], area[1], area[2], area[3]);
        if formula {
            self.formula_extent
                .include_area(area[0], area[1], area[2], area[3]);
        }
        let text_bytes = TEXT_ATTRS
            .iter()
            .filter_map(|name| attr(attrs, name))
            .map(|value| value.len() as u64)
            .sum();
        self.cell = Some(CellScan {
            repeats,
            text_bytes,
        });
    }

    fn add_text(&mut self, bytes: u64) {
        if let Some(cell) = &mut self.cell {
            cell.text_bytes = cell.text_bytes.saturating_add(bytes);
        }
    }

    /// A cell's text is held once per column repeat in the row calamine
    /// reads, and once more per row repeat in the range it builds.
    fn end_cell(&mut self, budget: &mut Budget) -> Result<(), WorkbookError> {
        let Some(cell) = self.cell.take() else {
            return Ok(());
        };
        let copies = cell.repeats.saturating_mul(1 + self.row.repeats);
        budget.spend_text(cell.text_bytes.saturating_mul(copies))
    }

    fn record_merge(&mut self, attrs: &[u8], first_col: u64) {
        let spanned = |name: &[u8]| attr(attrs, name).and_then(parse_count).unwrap_or(1).max(1);
        let (cols, rows) = (
            spanned(b"table:number-columns-spanned"),
            spanned(b"table:number-rows-spanned"),
        );
        if (cols > 1 || rows > 1) && self.row.repeats > 0 {
            self.merges.push(Merge {
                first_row: to_u32(self.row.first_row),
                first_col: to_u32(first_col),
                last_row: to_u32(self.row.first_row + rows - 1),
                last_col: to_u32(first_col + cols - 1),
            });
        }
    }

    fn finish(&mut self, limits: &Limits, budget: &mut Budget) -> Result<OdsTable, WorkbookError> {
        self.value_extent.check(&self.name, limits)?;
        budget
            .spend_cells(self.raw_cells + self.value_extent.area() + self.formula_extent.area())?;
        sort_merges(&mut self.merges);
        Ok(OdsTable {
            name: std::mem::take(&mut self.name),
            merges: std::mem::take(&mut self.merges),
        })
    }
}

/// A repeat attribute as calamine reads it (absent or unreadable: once).
fn repeat_count(attrs: &[u8], name: &[u8]) -> u64 {
    attr(attrs, name).and_then(parse_count).unwrap_or(1)
}

fn parse_count(raw: &[u8]) -> Option<u64> {
    std::str::from_utf8(raw).ok()?.trim().parse().ok()
}

fn to_u32(value: u64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(rows: &str) -> String {
        format!(
            r#"<?xml version="1.0"?><office:document-content><office:body><office:spreadsheet><table:table table:name="表1">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
        )
    }

    #[test]
    fn measures_a_small_table_and_its_merges() {
        let xml = content(
            r#"<table:table-row><table:table-cell table:number-columns-repeated="2"/><table:table-cell office:value-type="string" table:number-columns-spanned="3"><text:p>学会</text:p></table:table-cell><table:covered-table-cell table:number-columns-repeated="2"/></table:table-row>"#,
        );
        let tables = scan(xml.as_bytes(), &Limits::default()).unwrap();
        assert_eq!(tables.len(), 1);
        assert_eq!(tables[0].name, "表1");
        assert_eq!(
            tables[0].merges,
            vec![Merge {
                first_row: 0,
                first_col: 2,
                last_row: 0,
                last_col: 4
            }]
        );
    }

    #[test]
    fn repeated_rows_of_values_are_refused() {
        let xml = content(
            r#"<table:table-row table:number-rows-repeated="1000000"><table:table-cell office:value-type="float" office:value="1"/></table:table-row>"#,
        );
        assert!(matches!(
            scan(xml.as_bytes(), &Limits::default()),
            Err(WorkbookError::TooLarge(_))
        ));
    }

    #[test]
    fn a_dense_area_within_the_shape_limits_is_refused_by_the_budget() {
        // 50,000 rows × 100 columns: within 100,000 × 256, but 5 M dense cells.
        let xml = content(
            r#"<table:table-row table:number-rows-repeated="50000"><table:table-cell table:number-columns-repeated="100" office:value-type="float" office:value="1"/></table:table-row>"#,
        );
        let result = scan(xml.as_bytes(), &Limits::default());
        assert!(matches!(result, Err(WorkbookError::TooLarge(why)) if why.contains("单元格过多")));
    }

    #[test]
    fn repeated_empty_rows_after_the_data_cost_nothing() {
        let xml = content(
            r#"<table:table-row><table:table-cell office:value-type="float" office:value="1"/></table:table-row><table:table-row table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>"#,
        );
        assert!(scan(xml.as_bytes(), &Limits::default()).is_ok());
    }

    #[test]
    fn a_run_of_spaces_bomb_is_refused() {
        let xml = content(
            r#"<table:table-row><table:table-cell office:value-type="string"><text:p><text:s text:c="2000000000"/></text:p></table:table-cell></table:table-row>"#,
        );
        assert!(matches!(
            scan(xml.as_bytes(), &Limits::default()),
            Err(WorkbookError::TooLarge(_))
        ));
    }
}
