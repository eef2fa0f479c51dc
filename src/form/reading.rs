//! From located cells to [`FieldReading`]s: which occurrence of a label counts,
//! the category before its sub-category, and a one-cell date range filling
//! the start and end fields when their own labels give nothing.

use super::layout::{LabelHit, SheetView, is_blank};
use super::values::{
    checkbox, choice, credit_code, date, date_range, email, money, phone, text, years,
};
use super::{FieldReading, FormReader, Outcome};
use crate::config::{FieldKind, FieldSpec};
use crate::verdict::FieldValue;
use crate::workbook::{Cell, a1};

/// Occurrences of one label looked at, at most (a hostile sheet may repeat it endlessly).
const MAX_OCCURRENCES: usize = 16;

/// Every field whose label is on the sheet, in the call's field order.
pub(super) fn read_fields(view: &SheetView<'_>, reader: &FormReader<'_>) -> Vec<FieldReading> {
    let fields = &reader.call.fields;
    let category = fields
        .iter()
        .position(|f| f.kind == FieldKind::Category)
        .and_then(|i| first_reading(view, reader, i, None));
    let chosen = category.as_ref().and_then(|r| match &r.outcome {
        Outcome::Value(FieldValue::Text(key)) => Some(key.as_str()),
        _ => None,
    });
    let mut readings: Vec<Option<FieldReading>> = fields
        .iter()
        .enumerate()
        .map(|(i, field)| match field.kind {
            FieldKind::Category => category.clone(),
            FieldKind::DateRange => None,
            _ => first_reading(view, reader, i, chosen),
        })
        .collect();
    let mut extra = Vec::new();
    for (i, field) in fields.iter().enumerate() {
        let Some((start_key, end_key)) = &field.range_of else {
            continue;
        };
        let Some((start, end)) = first_range_reading(view, i, start_key, end_key) else {
            continue;
        };
        for reading in [start, end] {
            prefer_own_label(fields, &mut readings, &mut extra, reading);
        }
    }
    readings.into_iter().flatten().chain(extra).collect()
}

/// Puts a reading from a range cell where its field's own label gave nothing.
fn prefer_own_label(
    fields: &[FieldSpec],
    readings: &mut [Option<FieldReading>],
    extra: &mut Vec<FieldReading>,
    from_range: FieldReading,
) {
    let Some(slot) = fields
        .iter()
        .position(|f| f.key == from_range.key)
        .and_then(|i| readings.get_mut(i))
    else {
        extra.push(from_range);
        return;
    };
    let own_is_empty = slot
        .as_ref()
        .is_none_or(|own| own.outcome == Outcome::Empty);
    if own_is_empty && (slot.is_none() || from_range.outcome != Outcome::Empty) {
        *slot = Some(from_range);
    }
}

fn hits_of<'v>(view: &'v SheetView<'_>, field: usize) -> impl Iterator<Item = &'v LabelHit> {
    view.labels()
        .iter()
        .filter(move |hit| hit.field == field)
        .take(MAX_OCCURRENCES)
}

/// The first occurrence of the field's label with a value, else its first occurrence.
fn first_reading(
    view: &SheetView<'_>,
    reader: &FormReader<'_>,
    field: usize,
    chosen_category: Option<&str>,
) -> Option<FieldReading> {
    let spec = &reader.call.fields[field];
    let mut first = None;
    for hit in hits_of(view, field) {
        let cells = view.locate(hit);
        let reading = FieldReading {
            key: spec.key.clone(),
            label_cell: a1(hit.row, hit.col),
            value_cell: cells.first().map(|c| a1(c.row, c.col)),
            outcome: read_value(spec, hit, cells, reader, chosen_category),
        };
        if reading.outcome != Outcome::Empty {
            return Some(reading);
        }
        first.get_or_insert(reading);
    }
    first
}

/// The start and end readings of the first range label with a value, else of the first.
fn first_range_reading(
    view: &SheetView<'_>,
    field: usize,
    start_key: &str,
    end_key: &str,
) -> Option<(FieldReading, FieldReading)> {
    let mut first = None;
    for hit in hits_of(view, field) {
        let cells = view.locate(hit);
        let (start, end) = match cells.first() {
            Some(cell) => date_range::read_date_range(&cell.value),
            None => (Outcome::Empty, Outcome::Empty),
        };
        let has_value = start != Outcome::Empty || end != Outcome::Empty;
        let reading = |key: &str, outcome| FieldReading {
            key: key.to_string(),
            label_cell: a1(hit.row, hit.col),
            value_cell: cells.first().map(|c| a1(c.row, c.col)),
            outcome,
        };
        let pair = (reading(start_key, start), reading(end_key, end));
        if has_value {
            return Some(pair);
        }
        first.get_or_insert(pair);
    }
    first
}

/// Normalizes the value cells of one label by the field's kind.
fn read_value(
    spec: &FieldSpec,
    hit: &LabelHit,
    cells: &[Cell],
    reader: &FormReader<'_>,
    chosen_category: Option<&str>,
) -> Outcome {
    let Some(first) = cells.first() else {
        return Outcome::Empty;
    };
    let value = &first.value;
    match spec.kind {
        FieldKind::Text => text::read_text(value, spec.max_chars),
        FieldKind::CreditCode => credit_code::read_credit_code(value),
        FieldKind::Category => choice::read_choice(
            &choice_text(cells),
            &reader.tables.choices.categories,
            &spec.label,
        ),
        FieldKind::SubCategory => choice::read_choice(
            &choice_text(cells),
            reader.tables.choices.subcategories_of(chosen_category),
            &spec.label,
        ),
        FieldKind::Phone => phone::read_phone(value),
        FieldKind::Email => email::read_email(value),
        FieldKind::Date => date::read_date(value),
        // A range label read as one field gives its start; `read_fields` reads ranges apart.
        FieldKind::DateRange => date_range::read_date_range(value).0,
        FieldKind::Money => money::read_money(value, hit.unit),
        FieldKind::Years => years::read_years(value),
    }
}

/// The text a choice is read from: the value cell, or the whole run of cells
/// when they form a check-box row spread over the row.
fn choice_text(cells: &[Cell]) -> String {
    let texts: Vec<String> = cells
        .iter()
        .filter(|c| !is_blank(&c.value))
        .map(|c| text::cell_text(&c.value))
        .collect();
    if texts.iter().any(|t| checkbox::has_boxes(t)) {
        texts.join(" ")
    } else {
        texts.into_iter().next().unwrap_or_default()
    }
}
