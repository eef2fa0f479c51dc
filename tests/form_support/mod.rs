//! Building sheets cell by cell for the form tests, and comparing readings.
#![allow(dead_code)] // each test crate uses its own part

use jiff::civil::date;
use shenbao::config::Call;
use shenbao::form::{FieldReading, FormReading, Outcome, read};
use shenbao::verdict::FieldValue;
use shenbao::workbook::{Cell, CellValue, Merge, Sheet};

// ---- building sheets ----

/// "D12" → (11, 3), 0-based.
pub fn address(a1: &str) -> (u32, u32) {
    let split = a1.find(|c: char| c.is_ascii_digit()).expect("a row number");
    let col = a1[..split]
        .bytes()
        .fold(0u32, |acc, b| acc * 26 + u32::from(b - b'A' + 1))
        - 1;
    let row: u32 = a1[split..].parse().expect("a row number");
    (row - 1, col)
}

/// A sheet from a grid of texts ("" leaves a cell empty) and merges like "D2:H2".
pub fn sheet(rows: &[&[&str]], merges: &[&str]) -> Sheet {
    let mut cells = Vec::new();
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            if !text.is_empty() {
                cells.push(Cell {
                    row: r as u32,
                    col: c as u32,
                    value: CellValue::Text(text.to_string()),
                });
            }
        }
    }
    let merges = merges
        .iter()
        .map(|m| {
            let (from, to) = m.split_once(':').expect("a range");
            let ((first_row, first_col), (last_row, last_col)) = (address(from), address(to));
            Merge {
                first_row,
                first_col,
                last_row,
                last_col,
            }
        })
        .collect();
    Sheet {
        name: "申报书".into(),
        cells,
        merges,
    }
}

/// Puts a typed value at an A1 address, keeping the cells sorted.
pub fn set(sheet: &mut Sheet, a1: &str, value: CellValue) {
    let (row, col) = address(a1);
    sheet.cells.retain(|c| (c.row, c.col) != (row, col));
    sheet.cells.push(Cell { row, col, value });
    sheet.cells.sort_by_key(|c| (c.row, c.col));
}

pub fn call() -> Call {
    Call::load("config/call-2020.toml".as_ref()).expect("the shipped call loads")
}

pub fn read_ok(sheet: &Sheet) -> FormReading {
    read(sheet, &call()).expect("an application sheet")
}

// ---- what the tests compare ----

pub fn text(s: &str) -> Outcome {
    Outcome::Value(FieldValue::Text(s.to_string()))
}

pub fn integer(n: i64) -> Outcome {
    Outcome::Value(FieldValue::Integer(n))
}

pub fn day(y: i16, m: i8, d: i8) -> Outcome {
    Outcome::Value(FieldValue::Date(date(y, m, d)))
}

pub fn field<'a>(reading: &'a FormReading, key: &str) -> &'a FieldReading {
    reading
        .get(key)
        .unwrap_or_else(|| panic!("no reading for {key} in {:#?}", reading.fields))
}

pub fn outcome(reading: &FormReading, key: &str) -> Outcome {
    field(reading, key).outcome.clone()
}

pub fn problem(reading: &FormReading, key: &str) -> String {
    match outcome(reading, key) {
        Outcome::Invalid { problem, .. } => problem,
        other => panic!("{key}: expected Invalid, got {other:?}"),
    }
}
