//! Counts per category and sub-category against the call's quotas, with the
//! amount requested: the lines of the digest's table and of the workbook's
//! 名额统计 sheet.

use std::collections::BTreeSet;

use super::rows::ApplicationRow;
use crate::config::{Call, Category};
use crate::verdict::Status;

/// A quota counted in this unit counts societies, not applications.
const SOCIETY_UNIT: &str = "学会";

/// Current applications by the status of their current version.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatusCounts {
    pub accepted: u32,
    pub review: u32,
    pub deficient: u32,
    pub rejected: u32,
}

impl StatusCounts {
    pub fn add(&mut self, status: Status) {
        match status {
            Status::Accepted => self.accepted += 1,
            Status::Review => self.review += 1,
            Status::Deficient => self.deficient += 1,
            Status::Rejected => self.rejected += 1,
        }
    }

    pub fn total(&self) -> u32 {
        self.accepted + self.review + self.deficient + self.rejected
    }

    pub fn of<'a>(rows: impl IntoIterator<Item = &'a ApplicationRow>) -> StatusCounts {
        let mut counts = StatusCounts::default();
        for row in rows {
            counts.add(row.status);
        }
        counts
    }
}

/// One category, or one sub-category of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaLine {
    pub category: String,
    pub category_name: String,
    /// `None` on the category's own line.
    pub subcategory_name: Option<String>,
    pub quota: Option<u32>,
    /// 学会, 项目, 项.
    pub unit: String,
    pub counts: StatusCounts,
    /// What counts against the quota: applications not rejected, or the
    /// societies behind them when the quota is counted in 学会.
    pub counted: u32,
    /// Whole yuan requested by the applications not rejected.
    pub amount: i64,
}

impl QuotaLine {
    pub fn over_quota(&self) -> bool {
        self.quota.is_some_and(|quota| self.counted > quota)
    }
}

/// Every category of the call in order, each followed by its sub-categories;
/// categories filed under a key the call does not know come last, without quota.
pub fn quota_lines(call: &Call, rows: &[ApplicationRow]) -> Vec<QuotaLine> {
    let mut lines = Vec::new();
    for category in &call.categories {
        let in_category: Vec<&ApplicationRow> = rows
            .iter()
            .filter(|row| row.category == category.key)
            .collect();
        lines.push(line(category, None, category.quota, &in_category));
        for sub in &category.subcategories {
            let in_sub: Vec<&ApplicationRow> = in_category
                .iter()
                .copied()
                .filter(|row| row.subcategory.as_deref() == Some(sub.key.as_str()))
                .collect();
            lines.push(line(category, Some(&sub.name), sub.quota, &in_sub));
        }
    }
    let unknown: BTreeSet<&str> = rows
        .iter()
        .filter(|row| call.category(&row.category).is_none())
        .map(|row| row.category.as_str())
        .collect();
    for key in unknown {
        let in_category: Vec<&ApplicationRow> =
            rows.iter().filter(|row| row.category == key).collect();
        lines.push(QuotaLine {
            category: key.to_string(),
            category_name: if key.is_empty() {
                "（未识别类别）".to_string()
            } else {
                key.to_string()
            },
            subcategory_name: None,
            quota: None,
            unit: String::new(),
            counts: StatusCounts::of(in_category.iter().copied()),
            counted: counted(&in_category, false),
            amount: amount(&in_category),
        });
    }
    lines
}

fn line(
    category: &Category,
    subcategory_name: Option<&str>,
    quota: Option<u32>,
    rows: &[&ApplicationRow],
) -> QuotaLine {
    QuotaLine {
        category: category.key.clone(),
        category_name: category.name.clone(),
        subcategory_name: subcategory_name.map(str::to_string),
        quota,
        unit: category.quota_unit.clone(),
        counts: StatusCounts::of(rows.iter().copied()),
        counted: counted(rows, category.quota_unit == SOCIETY_UNIT),
        amount: amount(rows),
    }
}

fn counted(rows: &[&ApplicationRow], by_society: bool) -> u32 {
    let live = rows.iter().filter(|row| row.status != Status::Rejected);
    let n = if by_society {
        live.map(|row| row.society.as_str())
            .collect::<BTreeSet<_>>()
            .len()
    } else {
        live.count()
    };
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn amount(rows: &[&ApplicationRow]) -> i64 {
    rows.iter()
        .filter(|row| row.status != Status::Rejected)
        .filter_map(|row| row.amount)
        .fold(0i64, i64::saturating_add)
}
