//! Writes application mails for the benchmarks into a Maildir: imported with
//! `doveadm import` (scripts/bench-daemon.sh) or moved straight into a Dovecot
//! account's or shenbao's Maildir (scripts/bench-intake.sh).
//!
//! `cargo run --release --example gen_mails -- MAILDIR N [FROM_DOMAIN]` writes
//! MAILDIR/new/… : N mails of about 30 KB, each a text part, one workbook (the
//! layout of examples/gen_corpus.rs: title row, label in A, value in B, date
//! cells) and one PDF of evidence. Each mail is an application of its own (a
//! category-2 project of one of the roster's societies, named by its number),
//! from a sender of its own (`applicant{n}@FROM_DOMAIN`, default
//! bench.example.org), so no two are versions of each other and no answer is
//! held back by the per-sender limit.

use std::io::Write;
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

/// (name, credit code) of the societies in config/roster.csv.
const SOCIETIES: [(&str, &str); 12] = [
    ("常州市电子学会", "51320400MJ58601481"),
    ("常州市营养学会", "51320400508785371J"),
    ("常州市气象学会", "513204005087858067"),
    ("常州市武进区智能制造技术服务中心", "52320412MJ5873627Y"),
    ("常州市计算机学会", "513204005260181593"),
    ("常州市机械工程学会", "51320400083016613B"),
    ("常州市化学化工学会", "513204001860913901"),
    ("常州市农学会", "51320400996030824R"),
    ("常州市医学会", "51320400628194821A"),
    ("常州市土木建筑学会", "51320400993518190H"),
    ("常州市心理卫生协会", "51320400937865797E"),
    ("常州市新北区青少年科技教育服务中心", "52320411543231948T"),
];

const PDF_BYTES: usize = 14_500;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: gen_mails MAILDIR N [FROM_DOMAIN]";
    let maildir = PathBuf::from(args.next().ok_or(usage)?);
    let n: usize = args.next().ok_or(usage)?.parse()?;
    let domain = args
        .next()
        .unwrap_or_else(|| "bench.example.org".to_string());
    for sub in ["new", "cur", "tmp"] {
        std::fs::create_dir_all(maildir.join(sub))?;
    }
    for i in 0..n {
        let bytes = mail(i, &domain)?;
        // Named with their sizes as Dovecot's own delivery names them (S= on disk,
        // W= with CRLF, the same here): without them Dovecot reads every file of
        // the mailbox again at the first FETCH of each session, 0.7-1 s for 10,000.
        let name = format!(
            "{}.M{i}P{}.gen_mails,S={size},W={size}",
            1_600_000_000 + i,
            std::process::id(),
            size = bytes.len()
        );
        write_into(&maildir, &name, &bytes)?;
    }
    Ok(())
}

/// Writes into tmp/ and renames into new/, as a delivering agent does.
fn write_into(maildir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = maildir.join("tmp").join(name);
    std::fs::File::create(&tmp)?.write_all(bytes)?;
    std::fs::rename(&tmp, maildir.join("new").join(name))
}

/// Mail `i`: headers, a text part, the form and a PDF, CRLF line ends.
fn mail(i: usize, domain: &str) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let boundary = format!("----=_Part_{i}_bench");
    let mut out = format!(
        "From: \"学会秘书{i}\" <applicant{i}@{domain}>\r\nTo: <czkxxhb@example.test>\r\n\
         Subject: =?UTF-8?B?{}?=\r\nMessage-ID: <bench{i}@{domain}>\r\n\
         Date: Thu, 20 Aug 2020 10:14:00 +0800\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n",
        base64(format!("2020年度特专优精项目申报（第{i}号）").as_bytes())
    )
    .into_bytes();
    let part = |out: &mut Vec<u8>, headers: &str, body: &[u8]| {
        out.extend_from_slice(format!("--{boundary}\r\n{headers}\r\n\r\n").as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\r\n");
    };
    part(
        &mut out,
        "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64",
        wrapped(&base64("申报材料见附件，请查收。".as_bytes())).as_bytes(),
    );
    part(
        &mut out,
        "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet; name=\"shenbaoshu.xlsx\"\r\n\
         Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"shenbaoshu.xlsx\"",
        wrapped(&base64(&form(i)?)).as_bytes(),
    );
    part(
        &mut out,
        "Content-Type: application/pdf; name=\"zongjie.pdf\"\r\n\
         Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"zongjie.pdf\"",
        wrapped(&base64(&pdf(i))).as_bytes(),
    );
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    Ok(out)
}

/// The form of gen_corpus.rs, as a category-2 seminar project numbered `i`.
fn form(i: usize) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let (society, code) = SOCIETIES[i % SOCIETIES.len()];
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet().set_name("申报书")?;
    let date = Format::new().set_num_format("yyyy-mm-dd");
    sheet.write(0, 0, "2020年度\"特专优精\"学会项目申报书")?;
    let text_rows: [(&str, String); 9] = [
        ("学会名称", society.to_string()),
        ("统一社会信用代码", code.to_string()),
        ("申报类别", "学术创新特色学会".to_string()),
        ("项目子类", "小型高端学术研讨会".to_string()),
        ("项目名称", format!("学科前沿高端研讨会第{i}期")),
        ("项目负责人", "王建国".to_string()),
        ("联系人", "李秀英".to_string()),
        ("手机", format!("139{:08}", 10_000_000 + i)),
        ("电子邮箱", format!("xuehui{i}@example.org")),
    ];
    let mut row = 1;
    for (label, value) in &text_rows {
        sheet.write(row, 0, *label)?;
        sheet.write(row, 1, value)?;
        row += 1;
    }
    let day = u8::try_from(1 + i % 28).unwrap_or(1);
    sheet.write(row, 0, "开始日期")?;
    sheet.write_with_format(row, 1, &ExcelDateTime::from_ymd(2019, 10, day)?, &date)?;
    sheet.write(row + 1, 0, "结束日期")?;
    sheet.write_with_format(row + 1, 1, &ExcelDateTime::from_ymd(2020, 7, day)?, &date)?;
    sheet.write(row + 2, 0, "申请资助金额（元）")?;
    sheet.write(row + 2, 1, 5000 + u32::try_from(i % 50).unwrap_or(0) * 100)?;
    sheet.write(row + 3, 0, "项目简介")?;
    sheet.write(
        row + 3,
        1,
        "围绕学科前沿问题邀请省内外专家开展小型高端研讨，形成咨询建议。".repeat(3),
    )?;
    sheet.write(row + 4, 0, "主要成效")?;
    sheet.write(
        row + 4,
        1,
        "形成研讨纪要一份、咨询建议两篇，参会专家三十余人。",
    )?;
    sheet.write(row + 5, 0, "佐证材料清单")?;
    sheet.write(row + 5, 1, "1.工作总结；2.会议议程；3.活动照片")?;
    sheet.write(row + 6, 0, "申报日期")?;
    sheet.write_with_format(row + 6, 1, &ExcelDateTime::from_ymd(2020, 8, 20)?, &date)?;
    sheet.set_column_width(0, 20)?;
    sheet.set_column_width(1, 60)?;
    workbook.save_to_buffer()
}

/// A PDF-looking file of incompressible bytes (as a scan is), different per mail.
fn pdf(i: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.4\n1 0 obj << >> endobj\n".to_vec();
    let mut state = 0x9e37_79b9_u32 ^ u32::try_from(i).unwrap_or(0).wrapping_mul(2_654_435_761);
    while bytes.len() + 24 < PDF_BYTES {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        bytes.extend_from_slice(&state.to_le_bytes());
    }
    bytes.extend_from_slice(b"\ntrailer << >>\n%%EOF\n");
    bytes
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (k, &b)| n | u32::from(b) << (16 - 8 * k));
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * k)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Base64 in 76-column lines.
fn wrapped(encoded: &str) -> String {
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(76)
        .map(|line| std::str::from_utf8(line).unwrap_or_default())
        .collect();
    lines.join("\r\n")
}
