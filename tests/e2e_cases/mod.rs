//! The mails of tests/daemon_e2e.rs: thirty applications as societies send
//! them (accepted ones in every category and file format, each kind of
//! deficiency, a forwarded one, two forms in one mail, a late one), each from
//! an applicant mailbox of its own, with what the daemon must make of it.

pub mod checks;

use shenbao::store::AnswerKind;
use shenbao::verdict::{Code, Status};

use crate::support::daemon_mail::*;

/// One mail and what must become of it.
pub struct Case {
    pub name: &'static str,
    /// The applicant's address (an example.test user made for the test).
    pub from: String,
    pub message_id: String,
    /// The roster society the applicant writes for (its address is registered there).
    pub registered_for: Option<&'static str>,
    pub mail: Vec<u8>,
    /// APPENDed with this INTERNALDATE instead of sent over SMTP.
    pub internal_date: Option<String>,
    pub verdict: Status,
    pub n_applications: usize,
    /// Codes filed for the message (its applications' or its own).
    pub codes: &'static [Code],
}

impl Case {
    /// What the daemon must conclude; accepted with one application unless said.
    fn expect(mut self, verdict: Status, n_applications: usize, codes: &'static [Code]) -> Case {
        self.verdict = verdict;
        self.n_applications = n_applications;
        self.codes = codes;
        self
    }

    /// The answer its verdict calls for.
    pub fn answer(&self) -> AnswerKind {
        match self.verdict {
            Status::Accepted => AnswerKind::Confirmation,
            Status::Review => AnswerKind::Review,
            Status::Deficient => AnswerKind::Deficiency,
            Status::Rejected => AnswerKind::Late,
        }
    }
}

/// A roster society: name and credit code.
pub type Society = (&'static str, &'static str);

pub const DIANZI: Society = ("常州市电子学会", "51320400MJ58601481");
pub const YINGYANG: Society = ("常州市营养学会", "51320400508785371J");
pub const QIXIANG: Society = ("常州市气象学会", "513204005087858067");
pub const WUJIN: Society = ("常州市武进区智能制造技术服务中心", "52320412MJ5873627Y");
pub const JISUANJI: Society = ("常州市计算机学会", "513204005260181593");
pub const JIXIE: Society = ("常州市机械工程学会", "51320400083016613B");
pub const HUAXUE: Society = ("常州市化学化工学会", "513204001860913901");
pub const NONGXUE: Society = ("常州市农学会", "51320400996030824R");
pub const YIXUE: Society = ("常州市医学会", "51320400628194821A");
pub const TUMU: Society = ("常州市土木建筑学会", "51320400993518190H");
pub const XINLI: Society = ("常州市心理卫生协会", "51320400937865797E");
pub const XINBEI: Society = ("常州市新北区青少年科技教育服务中心", "52320411543231948T");
/// Not in the roster; a well-formed credit code of no roster society.
const TIANWEN: Society = ("常州市天文学会", "51320400771234567E");

/// A complete form of `society` for `category` (as written: "3", "科普" …).
pub fn fields(society: Society, category: &str, project: &str) -> Vec<(&'static str, Value)> {
    complete_fields(society.0, society.1, category, project)
}

fn workbook(name: &str, society: Society, category: &str, project: &str) -> File {
    xlsx(name, form(&fields(society, category, project)))
}

fn changed(
    name: &str,
    fields: Vec<(&'static str, Value)>,
    key: &'static str,
    value: Option<Value>,
) -> File {
    xlsx(name, form(&set(fields, key, value)))
}

fn self_building(society: Society) -> File {
    changed(
        "zishen.xlsx",
        fields(society, "1", "学会自身建设"),
        "amount",
        Some(Value::Number(10000.0)),
    )
}

fn evidence() -> File {
    pdf("gongzuozongjie.pdf", 12_000)
}

/// A sample workbook and a PDF of evidence.
fn sample_files(name: &str, content_type: &'static str) -> Vec<File> {
    vec![
        File {
            name: name.into(),
            content_type,
            bytes: sample(name),
        },
        evidence(),
    ]
}

fn sample_xlsx(name: &str) -> Vec<File> {
    sample_files(
        name,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
}

/// Builds the cases of one test run: addresses and Message-IDs carry `tag`.
pub struct Builder<'a> {
    pub tag: &'a str,
    pub desk: &'a str,
}

impl Builder<'_> {
    pub fn address(&self, name: &str) -> String {
        format!("{name}-{}@example.test", self.tag)
    }

    pub fn message_id(&self, name: &str) -> String {
        format!("{name}.{}@e2e.example.test", self.tag)
    }

    fn case(&self, name: &'static str, society: Option<Society>, files: Vec<File>) -> Case {
        let (from, message_id) = (self.address(name), self.message_id(name));
        let mail = application(&from, self.desk, &message_id, "申报材料", &files, &[]);
        Case {
            name,
            from,
            message_id,
            registered_for: society.map(|s| s.0),
            mail,
            internal_date: None,
            verdict: Status::Accepted,
            n_applications: 1,
            codes: &[],
        }
    }

    /// A sample .eml as sent by `society`, from the case's applicant.
    fn resent(&self, name: &'static str, sample_name: &str, society: Society) -> Case {
        let mut case = self.case(name, Some(society), Vec::new());
        case.mail = resent_sample(sample_name, &case.from, &case.message_id);
        case
    }

    /// The first run's thirty mails; `late_date` is an INTERNALDATE after the deadline.
    #[rustfmt::skip] // a table: one case a line (or two)
    pub fn cases(&self, late_date: &str) -> Vec<Case> {
        use Code::*;
        use Status::{Deficient, Rejected, Review};
        let with_evidence = |file: File| vec![file, evidence()];
        let mut cases = vec![
            self.case("service", Some(DIANZI), sample_xlsx("p01_service.xlsx")),
            self.case("selfbuild", Some(YINGYANG), sample_xlsx("p02_self_building.xlsx")),
            self.case("xls", Some(QIXIANG), sample_files("p03_academic_seminar.xls", "application/vnd.ms-excel")),
            self.case("ods", Some(YINGYANG), sample_files("p04_think_tank.ods", "application/vnd.oasis.opendocument.spreadsheet")),
            self.case("spaced", Some(QIXIANG), sample_xlsx("p05_spaced_labels_merged.xlsx")),
            self.case("checkbox", Some(DIANZI), sample_xlsx("p06_checkbox_category.xlsx")),
            self.case("wan", Some(WUJIN), sample_xlsx("p07_amount_wan.xlsx")),
            self.case("salon", Some(YINGYANG), sample_xlsx("p08_one_cell_period.xlsx")),
            self.resent("foxmail", "p13_foxmail_gbk_evidence.eml", YINGYANG),
            self.case("twoforms", Some(HUAXUE), vec![self_building(HUAXUE), workbook("kepu.xlsx", HUAXUE, "5", "化学实验进校园"), evidence()])
                .expect(Status::Accepted, 2, &[]),
            self.case("conference", Some(YIXUE), with_evidence(changed("huiyi.xlsx", fields(YIXUE, "2", "常州医学年会"), "subcategory", Some(text("1"))))),
            // Written from a secretary's own mailbox, not the roster's: a warning only.
            self.case("personal", None, with_evidence(workbook("fuwu.xlsx", XINLI, "3", "心理健康进社区")))
                .expect(Status::Accepted, 1, &[SenderUnverified]),
            self.case("missingfield", Some(NONGXUE), with_evidence(changed("fuwu.xlsx", fields(NONGXUE, "3", "农技服务下乡"), "leader", None)))
                .expect(Deficient, 1, &[MissingField]),
            self.case("invalidvalue", Some(YIXUE), with_evidence(changed("fuwu.xlsx", fields(YIXUE, "3", "基层医生培训"), "mobile", Some(text("待定")))))
                .expect(Deficient, 1, &[InvalidValue]),
            self.case("badcode", Some(QIXIANG), sample_xlsx("p11_invalid_credit_code.xlsx"))
                .expect(Deficient, 1, &[InvalidCreditCode]),
            self.case("mismatch", Some(TUMU), with_evidence(workbook("fuwu.xlsx", (TUMU.0, YIXUE.1), "3", "建筑安全咨询")))
                .expect(Deficient, 1, &[CreditCodeMismatch]),
            self.case("unknowncat", Some(XINLI), with_evidence(workbook("shenbao.xlsx", XINLI, "科技创业特色学会", "心理咨询热线")))
                .expect(Deficient, 1, &[UnknownCategory]),
            self.case("nosubcat", Some(XINBEI), with_evidence(workbook("xueshu.xlsx", XINBEI, "2", "青少年科技教育论坛")))
                .expect(Deficient, 1, &[MissingSubcategory]),
            self.case("amount", Some(DIANZI), sample_xlsx("p09_amount_out_of_range.xlsx"))
                .expect(Deficient, 1, &[AmountOutOfRange]),
            self.case("period", Some(YINGYANG), sample_xlsx("p10_period_out_of_range.xlsx"))
                .expect(Deficient, 1, &[PeriodOutOfRange]),
            self.case("duplicate", Some(JIXIE), vec![workbook("fuwu.xlsx", JIXIE, "3", "智能装备推广"), workbook("kepu.xlsx", JIXIE, "5", "智能装备推广"), evidence()])
                .expect(Review, 2, &[DuplicateApplication]),
            self.case("unknownsoc", None, with_evidence(workbook("fuwu.xlsx", TIANWEN, "3", "星空科普")))
                .expect(Review, 1, &[UnknownSociety]),
            self.case("noform", Some(NONGXUE), vec![evidence()]).expect(Deficient, 0, &[NoFormFound]),
            self.case("noevidence", Some(JISUANJI), vec![self_building(JISUANJI)])
                .expect(Deficient, 1, &[MissingEvidence]),
            self.resent("unreadable", "p15_random_bytes_xlsx.eml", QIXIANG)
                .expect(Deficient, 0, &[UnreadableAttachment]),
            self.case("encrypted", Some(DIANZI), sample_xlsx("p16_encrypted.xlsx"))
                .expect(Deficient, 0, &[UnreadableAttachment]),
            self.resent("cloud", "p14_163_cloud_attachment.eml", WUJIN).expect(Deficient, 0, &[CloudAttachment]),
            // Over the settings' max_message_bytes (2 MiB).
            self.case("toolarge", Some(XINBEI), vec![workbook("fuwu.xlsx", XINBEI, "3", "科技辅导员培训"), pdf("zhaopian.pdf", 2_400_000)])
                .expect(Deficient, 0, &[TooLarge]),
        ];
        // Forwarded by the society's chairman: the forwarded mail's attachments count.
        let mut forwarded = self.case("forwarded", Some(JISUANJI), Vec::new());
        let files = with_evidence(workbook("kepu.xlsx", JISUANJI, "5", "编程科普夏令营"));
        let inner = application("mishu@qq.example.org", self.desk, "inner@qq.example.org", "申报", &files, &[]);
        forwarded.mail = forwarding(&forwarded.from, self.desk, &forwarded.message_id, inner);
        cases.push(forwarded);
        // Received (INTERNALDATE) after the deadline.
        let mut late = self.resent("late", "p12_late.eml", DIANZI).expect(Rejected, 1, &[LateSubmission]);
        late.internal_date = Some(late_date.to_string());
        cases.push(late);
        cases
    }
}

/// The subject's mark for each kind of answer (config/templates/subject.txt).
pub fn subject_mark(kind: AnswerKind) -> &'static str {
    match kind {
        AnswerKind::Confirmation => "【已受理】",
        AnswerKind::Deficiency => "【需补正】",
        AnswerKind::Late => "【逾期通知】",
        AnswerKind::Review | AnswerKind::Digest => "【已收到·待审核】",
    }
}
