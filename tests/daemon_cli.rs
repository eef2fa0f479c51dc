//! The daemon's commands through the real binary: `demo`, `run --once
//! --config FILE`, and `config check` never showing a secret.

mod daemon_support;
mod support;

use std::process::{Command, Output};

use daemon_support::*;

fn shenbao(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shenbao"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("RUST_LOG", "warn")
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn the_demo_files_and_answers_sample_mail_and_can_run_again() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo_dir = dir.path().join("demo");
    let demo = demo_dir.to_str().expect("utf-8 path");
    for run in 0..2 {
        let output = shenbao(&["demo", "--dir", demo]);
        let text = stdout(&output);
        assert!(
            output.status.success(),
            "run {run}: {text}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            text.contains("messages filed                  11"),
            "run {run}: {text}"
        );
        assert!(
            text.contains("（材料已齐全）"),
            "the reply completes a file: {text}"
        );
        assert!(text.contains("suppressed (auto_submitted)"), "{text}");
        assert!(
            text.contains(&format!("answers written to {demo}/outbox")),
            "{text}"
        );
        let written = std::fs::read_dir(demo_dir.join("outbox"))
            .expect("outbox")
            .count();
        assert_eq!(written, 10, "run {run}: a fresh outbox each time");
    }
}

#[test]
fn the_demo_never_empties_a_folder_it_did_not_make() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("thesis.docx"), b"precious").expect("write");
    let output = shenbao(&["demo", "--dir", dir.path().to_str().expect("utf-8")]);
    assert!(!output.status.success());
    assert!(dir.path().join("thesis.docx").exists());
}

#[test]
fn run_once_with_a_settings_file_prints_the_summary() {
    let daemon = TestDaemon::new();
    daemon.deliver(
        &application(
            "czdzxh@163.com",
            "cli@example.org",
            "申报",
            vec![
                xlsx_file("shenqing.xlsx", sample("p01_service.xlsx")),
                evidence(),
            ],
            &[],
        ),
        ON_TIME,
    );
    let config = daemon.dir.path().join("shenbao.toml");
    let output = shenbao(&["run", "--once", "--config", config.to_str().expect("utf-8")]);
    let text = stdout(&output);
    assert!(
        output.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        text.contains("messages filed                   1"),
        "{text}"
    );
    assert!(
        text.contains("answers sent                     1"),
        "{text}"
    );
    assert_eq!(daemon.answers_to("cli@example.org").len(), 1);
}

#[test]
fn config_check_names_where_secrets_are_but_never_shows_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = env!("CARGO_MANIFEST_DIR");
    let settings = format!(
        r#"
call = "{repo}/config/call-2020.toml"
roster = "{repo}/config/roster.csv"
data_dir = "store"
receipt_prefix = "CZKX"
[mailbox]
kind = "imap"
host = "imap.163.com"
tls = "implicit"
user = "czkxxhb@163.com"
password_env = "SHENBAO_TEST_IMAP_SECRET"
[transport]
kind = "smtp"
host = "smtp.163.com"
tls = "implicit"
user = "czkxxhb@163.com"
password_file = "smtp-password"
from = "czkxxhb@163.com"
[answers]
from_name = "学会部"
organization = "常州市科学技术协会学会部"
phone = "0519-86619613"
templates = "{repo}/config/templates"
"#
    );
    let path = dir.path().join("shenbao.toml");
    std::fs::write(&path, settings).expect("settings");
    std::fs::write(dir.path().join("smtp-password"), "file-secret-9f8e\n").expect("secret");
    let output = Command::new(env!("CARGO_BIN_EXE_shenbao"))
        .args(["config", "check", "--config", path.to_str().expect("utf-8")])
        .env("SHENBAO_TEST_IMAP_SECRET", "env-secret-1a2b")
        .output()
        .expect("runs");
    let text = stdout(&output);
    assert!(
        output.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        !text.contains("env-secret-1a2b") && !text.contains("file-secret-9f8e"),
        "{text}"
    );
    assert!(text.contains("SHENBAO_TEST_IMAP_SECRET"), "{text}");
    assert!(text.contains("smtp-password"), "{text}");
    assert!(text.contains("imap.163.com"), "{text}");
}
