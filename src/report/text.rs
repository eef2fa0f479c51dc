//! The readable report of `shenbao check` (no `--json`): for staff at a terminal.

use std::fmt::Write;

use crate::config::Call;
use crate::verdict::{Deficiency, Verdict};

/// The verdict as a few readable lines, field labels taken from the call.
pub fn render(verdict: &Verdict, call: &Call) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}: {}", verdict.source, status_word(verdict));
    if let Some(sender) = &verdict.sender {
        let _ = writeln!(out, "  发件人 sender: {sender}");
    }
    if let Some(at) = &verdict.received_at {
        let _ = writeln!(out, "  收到时间 received: {}", super::rfc3339(at));
    }
    for d in &verdict.deficiencies {
        write_deficiency(&mut out, "  ", d);
    }
    for app in &verdict.applications {
        let _ = writeln!(
            out,
            "  申报书 {} / {}: {}",
            app.attachment.as_deref().unwrap_or("-"),
            app.sheet,
            app.status.as_str()
        );
        for (key, value) in &app.fields {
            let label = call.field(key).map(|f| f.label.as_str()).unwrap_or(key);
            let _ = writeln!(out, "      {label}: {}", shown(call, key, value));
        }
        for d in &app.deficiencies {
            write_deficiency(&mut out, "    ", d);
        }
    }
    out
}

/// Categories and sub-categories by their names, not their keys.
fn shown(call: &Call, key: &str, value: &crate::verdict::FieldValue) -> String {
    let text = value.display();
    let name = match key {
        "category" => call.category(&text).map(|c| c.name.clone()),
        "subcategory" => call
            .categories
            .iter()
            .find_map(|c| c.subcategory(&text))
            .map(|s| s.name.clone()),
        _ => None,
    };
    name.unwrap_or(text)
}

fn status_word(verdict: &Verdict) -> String {
    let word = match verdict.status {
        crate::verdict::Status::Accepted => "受理 accepted",
        crate::verdict::Status::Review => "待人工审核 review",
        crate::verdict::Status::Deficient => "需补正 deficient",
        crate::verdict::Status::Rejected => "不予受理 rejected",
    };
    word.to_string()
}

fn write_deficiency(out: &mut String, indent: &str, d: &Deficiency) {
    let place = match (&d.field, &d.cell) {
        (Some(f), Some(c)) => format!(" [{f} @ {c}]"),
        (Some(f), None) => format!(" [{f}]"),
        (None, Some(c)) => format!(" [@ {c}]"),
        (None, None) => String::new(),
    };
    let _ = writeln!(
        out,
        "{indent}- {} ({}){place}: {}",
        d.code.as_str(),
        d.code.severity().as_str(),
        d.message
    );
}
