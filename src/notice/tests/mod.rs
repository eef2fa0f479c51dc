//! Notices end to end: a verdict through the shipped templates in
//! `config/templates/` ([`render`]) into bytes a mail parser reads back
//! ([`compose`]). The fixtures here are shared by both.

mod compose;
mod render;

use std::path::Path;

use jiff::civil::date;
use jiff::tz::TimeZone;

use super::*;
use crate::config::{AmountRule, Call, Category, FieldKind, FieldSpec, SubCategory};
use crate::message::ParsedMessage;
use crate::verdict::{ApplicationVerdict, Code, Deficiency, FieldValue, Status, Verdict};

fn field(key: &str, label: &str, kind: FieldKind) -> FieldSpec {
    FieldSpec {
        key: key.into(),
        label: label.into(),
        aliases: vec![],
        kind,
        max_chars: None,
        range_of: None,
    }
}

fn sample_call() -> Call {
    let time_zone = TimeZone::get("Asia/Shanghai").expect("bundled tzdb");
    Call {
        id: "2020".into(),
        title: "2020年度\"特专优精\"学会项目".into(),
        time_zone,
        deadline: "2020-08-31T23:59:59+08:00".parse().expect("timestamp"),
        period_start: date(2019, 9, 1),
        period_end: date(2020, 8, 31),
        categories: vec![Category {
            key: "academic".into(),
            number: 2,
            name: "学术创新特色学会".into(),
            short_names: vec![],
            numerals: vec![],
            amount: AmountRule::Range {
                min: 3000,
                max: 10000,
            },
            quota: Some(20),
            quota_unit: "项目".into(),
            subcategories: vec![SubCategory {
                key: "seminar".into(),
                number: 2,
                name: "小型高端学术研讨会".into(),
                short_names: vec![],
                numerals: vec![],
                quota: Some(10),
            }],
            requires: vec![],
            per_project: true,
        }],
        fields: vec![
            field("society", "学会名称", FieldKind::Text),
            field("category", "申报类别", FieldKind::Category),
            field("subcategory", "项目子类", FieldKind::SubCategory),
            field("amount", "申请资助金额（元）", FieldKind::Money),
            field("start_date", "开始日期", FieldKind::Date),
            field("summary", "项目简介", FieldKind::Text),
        ],
        always_required: vec![],
    }
}

fn office() -> Office {
    Office {
        organization: "常州市科学技术协会学会部".into(),
        reply_address: "czkxxhb@163.com".into(),
        phone: "0519-86619613".into(),
    }
}

fn application(deficiencies: Vec<Deficiency>) -> ApplicationVerdict {
    ApplicationVerdict {
        attachment: Some("申报书-常州市营养学会.xlsx".into()),
        sheet: "申报书".into(),
        status: Status::of(&deficiencies),
        fields: vec![
            ("society".into(), FieldValue::Text("常州市营养学会".into())),
            ("category".into(), FieldValue::Text("academic".into())),
            ("subcategory".into(), FieldValue::Text("seminar".into())),
            ("amount".into(), FieldValue::Integer(15000)),
            ("start_date".into(), FieldValue::Date(date(2019, 10, 12))),
            ("summary".into(), FieldValue::Text("膳".repeat(200))),
        ],
        deficiencies,
    }
}

fn amount_too_high() -> Deficiency {
    Deficiency {
        code: Code::AmountOutOfRange,
        field: Some("amount".into()),
        cell: Some("B12".into()),
        message: "申请资助金额 15000 元超出学术创新特色学会上限 10000 元，请改为 3000 至 10000 元"
            .into(),
    }
}

fn verdict(applications: Vec<ApplicationVerdict>, deficiencies: Vec<Deficiency>) -> Verdict {
    let mut verdict = Verdict {
        source: "inbox/1".into(),
        sender: Some("secretary@qq.com".into()),
        received_at: Some(
            "2020-08-20T10:15:00+08:00[Asia/Shanghai]"
                .parse()
                .expect("zoned"),
        ),
        status: Status::Accepted,
        deficiencies,
        applications,
    };
    verdict.settle_status();
    verdict
}

fn context_for(verdict: &Verdict, receipt: &str) -> NoticeContext {
    let wording = CallWording::from_call(&sample_call());
    NoticeContext::new(NoticeFacts {
        verdict,
        wording: &wording,
        office: &office(),
        receipt,
        application_receipts: &[receipt.to_string()],
    })
}

fn shipped_templates() -> Templates {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/templates");
    Templates::load(&dir).unwrap_or_else(|e| panic!("shipped templates: {e}"))
}

fn applicant_message() -> ParsedMessage {
    ParsedMessage {
        from: Some("secretary@qq.com".into()),
        reply_to: Some("xuehui@163.com".into()),
        subject: "申报材料".into(),
        message_id: Some("tencent_ABC123@qq.com".into()),
        references: vec!["first@qq.com".into()],
        ..ParsedMessage::default()
    }
}
