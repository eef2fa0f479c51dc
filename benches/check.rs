//! `cargo bench --bench check`: the pure core on one typical form and one sample mail.
//! The end-to-end figure (forms/s and peak RSS of the binary) is scripts/bench-check.sh.

use criterion::{Criterion, criterion_group, criterion_main};
use shenbao::config::{Call, Limits, Roster};
use shenbao::process::Checker;

fn checker() -> Checker {
    Checker::new(
        Call::load("config/call-2020.toml".as_ref()).expect("call"),
        Roster::load("config/roster.csv".as_ref()).expect("roster"),
        Limits::default(),
    )
}

fn bench(c: &mut Criterion) {
    let checker = checker();
    let form = std::fs::read("tests/fixtures/samples/p01_service.xlsx").expect("p01");
    let mail = std::fs::read("tests/fixtures/samples/p13_foxmail_gbk_evidence.eml").expect("p13");
    c.bench_function("check_workbook p01 (xlsx)", |b| {
        b.iter(|| checker.check_workbook(&form, "p01.xlsx", "p01.xlsx", None))
    });
    c.bench_function("check_message p13 (Foxmail, GBK, 3 attachments)", |b| {
        b.iter(|| checker.check_message(&mail, "p13.eml", None))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
