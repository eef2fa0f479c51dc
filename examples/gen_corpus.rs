//! Writes a corpus of typical one-sheet application forms for the benchmarks.
//!
//! `cargo run --release --example gen_corpus -- DIR N` writes DIR/form-0001.xlsx …
//! Each form is laid out the way societies fill them in (label in A, value in B,
//! a title row, date cells), with values varied per form so nothing is cached.

use std::path::PathBuf;

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

const SOCIETIES: [(&str, &str, &str); 4] = [
    ("常州市电子学会", "51320400MJ58601481", "czdzxh@163.com"),
    ("常州市营养学会", "51320400508785371J", "czyyxh@126.com"),
    ("常州市气象学会", "513204005087858067", "czqxxh@163.com"),
    ("常州市计算机学会", "513204005260181593", "czjsjxh@163.com"),
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().ok_or("usage: gen_corpus DIR N")?);
    let n: usize = args.next().ok_or("usage: gen_corpus DIR N")?.parse()?;
    std::fs::create_dir_all(&dir)?;
    for i in 0..n {
        let path = dir.join(format!("form-{:04}.xlsx", i + 1));
        std::fs::write(path, form(i)?)?;
    }
    Ok(())
}

/// One filled form; `i` varies the society, amount and dates.
pub fn form(i: usize) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let (society, code, email) = SOCIETIES[i % SOCIETIES.len()];
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet().set_name("申报书")?;
    let date = Format::new().set_num_format("yyyy-mm-dd");
    sheet.write(0, 0, "2020年度\"特专优精\"学会项目申报书")?;
    let text_rows: [(&str, String); 8] = [
        ("学会名称", society.to_string()),
        ("统一社会信用代码", code.to_string()),
        ("申报类别", "科技服务特色学会".to_string()),
        ("项目名称", format!("中小企业技术服务项目第{i}期")),
        ("项目负责人", "王建国".to_string()),
        ("联系人", "李秀英".to_string()),
        ("手机", format!("139{:08}", 10_000_000 + i)),
        ("电子邮箱", email.to_string()),
    ];
    let mut row = 1;
    for (label, value) in &text_rows {
        sheet.write(row, 0, *label)?;
        sheet.write(row, 1, value)?;
        row += 1;
    }
    let start = ExcelDateTime::from_ymd(2019, 10, 1 + (i % 28) as u8)?;
    let end = ExcelDateTime::from_ymd(2020, 7, 1 + (i % 28) as u8)?;
    let declared = ExcelDateTime::from_ymd(2020, 8, 20)?;
    sheet.write(row, 0, "开始日期")?;
    sheet.write_with_format(row, 1, &start, &date)?;
    sheet.write(row + 1, 0, "结束日期")?;
    sheet.write_with_format(row + 1, 1, &end, &date)?;
    sheet.write(row + 2, 0, "申请资助金额（元）")?;
    sheet.write(row + 2, 1, 5000 + (i % 50) as u32 * 100)?;
    sheet.write(row + 3, 0, "项目简介")?;
    sheet.write(
        row + 3,
        1,
        "面向园区企业开展技术咨询、检测与培训服务，全年服务企业六十余家。".repeat(3),
    )?;
    sheet.write(row + 4, 0, "主要成效")?;
    sheet.write(row + 4, 1, "帮助企业解决技术难题二十余项，举办培训班五期。")?;
    sheet.write(row + 5, 0, "佐证材料清单")?;
    sheet.write(row + 5, 1, "1.工作总结；2.服务协议；3.活动照片")?;
    sheet.write(row + 6, 0, "申报日期")?;
    sheet.write_with_format(row + 6, 1, &declared, &date)?;
    sheet.set_column_width(0, 20)?;
    sheet.set_column_width(1, 60)?;
    workbook.save_to_buffer()
}
