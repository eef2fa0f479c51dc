//! The shipped configuration loads, and a broken one is named by file, line and key.

use shenbao::config::{AmountRule, Call, ConfigError, Roster, Settings};

#[test]
fn shipped_settings_call_and_roster_load() {
    let settings = Settings::load("config/shenbao.toml".as_ref()).unwrap();
    assert!(settings.call.ends_with("call-2020.toml"));
    let call = Call::load(&settings.call).unwrap();
    assert_eq!(call.categories.len(), 6);
    assert_eq!(call.deadline.to_string(), "2020-08-31T15:59:59Z");
    assert_eq!(
        call.category("academic").unwrap().amount,
        AmountRule::Range {
            min: 3000,
            max: 10000
        }
    );
    assert_eq!(
        call.category("think_tank").unwrap().amount,
        AmountRule::NoAmount
    );
    let roster = Roster::load(&settings.roster).unwrap();
    assert!(roster.societies().len() >= 12);
    assert_eq!(settings.limits.max_sheets, 50);
}

fn broken(from: &str, to: &str) -> ConfigError {
    let text = std::fs::read_to_string("config/call-2020.toml").unwrap();
    assert!(
        text.contains(from),
        "fixture text {from:?} is in the call file"
    );
    let changed = text.replacen(from, to, 1);
    Call::parse(&changed, "call-broken.toml").unwrap_err()
}

fn line_of(text_before: &str) -> usize {
    let text = std::fs::read_to_string("config/call-2020.toml").unwrap();
    text[..text.find(text_before).unwrap()].lines().count() + 1
}

#[test]
fn a_bad_deadline_names_file_line_and_key() {
    let err = broken(
        r#"deadline = "2020-08-31T23:59:59""#,
        r#"deadline = "2020-08-32""#,
    );
    assert_eq!(err.file, "call-broken.toml");
    assert_eq!(err.key.as_deref(), Some("call.deadline"));
    assert_eq!(err.line, Some(line_of("deadline =")));
    assert!(err.to_string().starts_with("call-broken.toml:"), "{err}");
}

#[test]
fn an_unknown_required_field_names_the_category() {
    let err = broken(
        r#"requires = ["amount", "worker_name""#,
        r#"requires = ["amount", "worker_nam""#,
    );
    assert_eq!(err.key.as_deref(), Some("categories[worker].requires"));
    assert!(err.message.contains("worker_nam"));
    assert!(err.line.is_some());
}

#[test]
fn a_syntax_error_has_a_line() {
    let err = broken(
        "[[categories]]\nkey = \"academic\"",
        "[[categories]]\nkey = academic",
    );
    assert_eq!(err.line, Some(line_of("key = \"academic\"")));
}

#[test]
fn an_unknown_kind_is_refused() {
    let err = broken(r#"kind = "phone""#, r#"kind = "telephone""#);
    assert!(err.message.contains("telephone"), "{err}");
    assert_eq!(err.line, Some(line_of(r#"kind = "phone""#)));
}
