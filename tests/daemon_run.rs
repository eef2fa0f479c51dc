//! `shenbao run` without `--once`: new mail is answered while the daemon
//! runs, and a stop request ends it cleanly.

mod daemon_support;
mod support;

use daemon_support::*;

const NOW: &str = "2020-09-02T09:00:00+08:00";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_running_new_mail_is_answered_and_a_stop_request_ends_the_run() {
    use std::sync::Arc;
    use std::time::Duration;

    let daemon = TestDaemon::with_extra("[daemon]\nwait_seconds = 2\n");
    std::fs::create_dir_all(daemon.inbox().join("new")).expect("Maildir");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(shenbao::daemon::run(
        daemon.settings.clone(),
        shenbao::daemon::Mode::Watch,
        Arc::new(shenbao::clock::FixedClock::new(at(NOW))),
        async {
            let _ = stopped.await;
        },
    ));
    tokio::time::sleep(Duration::from_millis(300)).await;
    daemon.deliver(
        &application(
            "czdzxh@163.com",
            "while-running@example.org",
            "申报",
            vec![
                xlsx_file("shenqing.xlsx", sample("p01_service.xlsx")),
                evidence(),
            ],
            &[],
        ),
        ON_TIME,
    );
    let started = std::time::Instant::now();
    while daemon.answers_to("while-running@example.org").is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "no answer within 5 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!running.is_finished(), "the daemon keeps running");
    stop.send(()).expect("the daemon listens");
    let summary = tokio::time::timeout(Duration::from_secs(5), running)
        .await
        .expect("the daemon stops within 5 s of the request")
        .expect("no panic")
        .expect("no error");
    assert_eq!((summary.filed, summary.sending.sent), (1, 1), "{summary}");
}
