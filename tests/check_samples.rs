//! Golden test: `shenbao check --json` over the shared samples (written by
//! openpyxl, xlwt, odfpy and mail clients) gives each the verdict its
//! `.expected.json` names — the rules of `samples/README.md`, checked through
//! the real binary, so exit codes and the one-line JSON are part of it.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

const DIR: &str = "tests/fixtures/samples";

struct Run {
    exit: i32,
    stdout: String,
    verdict: Value,
}

fn check(expected: &Value) -> Run {
    let input = expected["input"].as_str().expect("input");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_shenbao"));
    cmd.current_dir(DIR)
        .args(["check", "--json", "--roster", "roster.csv"]);
    if let Some(at) = expected.get("received_at").and_then(Value::as_str) {
        cmd.args(["--received-at", at]);
    }
    let out = cmd.arg(input).output().expect("shenbao runs");
    let stdout = String::from_utf8(out.stdout).expect("utf-8 stdout");
    let verdict = serde_json::from_str(stdout.trim_end()).unwrap_or_else(|e| {
        panic!(
            "{input}: stdout is one JSON line ({e}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    Run {
        exit: out.status.code().unwrap_or(-1),
        stdout,
        verdict,
    }
}

/// Every (code, field) pair in the verdict, message-level and per application.
fn codes(verdict: &Value) -> Vec<(String, Option<String>)> {
    let mut all: Vec<&Value> = verdict["deficiencies"].as_array().unwrap().iter().collect();
    for app in verdict["applications"].as_array().unwrap() {
        all.extend(app["deficiencies"].as_array().unwrap());
    }
    all.iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d.get("field").and_then(Value::as_str).map(str::to_string),
            )
        })
        .collect()
}

fn fields_hold(app: &Value, wanted: &Value) -> bool {
    wanted
        .as_object()
        .unwrap()
        .iter()
        .all(|(k, v)| app["fields"].get(k) == Some(v))
}

fn judge(expected: &Value) -> Vec<String> {
    let input = expected["input"].as_str().unwrap();
    let run = check(expected);
    let v = &run.verdict;
    let mut problems = Vec::new();
    let mut fail = |s: String| problems.push(format!("{input}: {s}"));

    if run.stdout.lines().count() != 1 {
        fail(format!("stdout has {} lines", run.stdout.lines().count()));
    }
    if v["source"] != input {
        fail(format!("source {} != {input}", v["source"]));
    }
    let status = expected["status"].as_str().unwrap();
    if v["status"] != status {
        fail(format!("status {} != {status}; verdict {v}", v["status"]));
    }
    let want_exit = if status == "accepted" { 0 } else { 1 };
    if run.exit != want_exit {
        fail(format!("exit {} != {want_exit}", run.exit));
    }
    let got = codes(v);
    let mut allowed: Vec<String> = expected
        .get("may_also")
        .and_then(Value::as_array)
        .map(|a| a.iter().map(|c| c.as_str().unwrap().to_string()).collect())
        .unwrap_or_default();
    for pair in expected["codes"].as_array().unwrap() {
        let code = pair[0].as_str().unwrap().to_string();
        let field = pair[1].as_str().map(str::to_string);
        if !got.contains(&(code.clone(), field.clone())) {
            fail(format!("missing {code}({field:?}); got {got:?}"));
        }
        allowed.push(code);
    }
    for (code, field) in &got {
        if !allowed.contains(code) {
            fail(format!("unexpected {code}({field:?})"));
        }
    }
    if status == "accepted" {
        for app in v["applications"].as_array().unwrap() {
            for d in app["deficiencies"].as_array().unwrap() {
                if d["severity"] == "error" {
                    fail(format!("accepted but error {d}"));
                }
            }
        }
    }
    let apps = v["applications"].as_array().unwrap();
    if let Some(fields) = expected.get("fields")
        && !apps.iter().any(|a| fields_hold(a, fields))
    {
        fail(format!("no application holds {fields}; got {apps:?}"));
    }
    if let Some(n) = expected.get("n_applications").and_then(Value::as_u64)
        && apps.len() as u64 != n
    {
        fail(format!("{} applications, want {n}", apps.len()));
    }
    if let Some(wanted) = expected.get("applications").and_then(Value::as_array) {
        for w in wanted {
            let matches = |a: &&Value| {
                ["attachment", "sheet"]
                    .iter()
                    .all(|k| w.get(*k).is_none_or(|x| a.get(*k) == Some(x)))
                    && w.get("fields").is_none_or(|f| fields_hold(a, f))
            };
            if !apps.iter().any(|a| matches(&a)) {
                fail(format!("no application matches {w}"));
            }
        }
    }
    if let Some(sender) = expected.get("sender")
        && v["sender"] != *sender
    {
        fail(format!("sender {} != {sender}", v["sender"]));
    }
    if let Some(instant) = expected.get("received_instant").and_then(Value::as_str) {
        let want: jiff::Timestamp = instant.parse().unwrap();
        let got = v["received_at"]
            .as_str()
            .and_then(|s| s.parse::<jiff::Timestamp>().ok());
        if got != Some(want) {
            fail(format!("received_at {} != {instant}", v["received_at"]));
        }
    }
    if let Some(pairs) = expected.get("message_contains").and_then(Value::as_array) {
        let mut all: Vec<&Value> = v["deficiencies"].as_array().unwrap().iter().collect();
        all.extend(
            apps.iter()
                .flat_map(|a| a["deficiencies"].as_array().unwrap()),
        );
        for pair in pairs {
            let (code, text) = (pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
            if !all
                .iter()
                .any(|d| d["code"] == code && d["message"].as_str().unwrap().contains(text))
            {
                fail(format!("no {code} message contains {text}"));
            }
        }
    }
    problems
}

#[test]
fn every_sample_gets_its_expected_verdict() {
    let mut n_run = 0;
    let mut problems = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(DIR).unwrap().flatten().collect();
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        if !path.to_string_lossy().ends_with(".expected.json") {
            continue;
        }
        let expected: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert!(
            Path::new(DIR)
                .join(expected["input"].as_str().unwrap())
                .exists()
        );
        problems.extend(judge(&expected));
        n_run += 1;
    }
    assert!(n_run >= 16, "ran {n_run} samples");
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
