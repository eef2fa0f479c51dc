//! Rendering a [`NoticeContext`] with the templates staff edit in
//! `config/templates/`: the subject, a plain-text body and an HTML body.
//!
//! Templates are read once, at start-up, and every kind of notice is rendered
//! against a sample then: a typo in a template stops the daemon in front of
//! the administrator instead of failing an applicant's answer later.

use std::path::Path;

use minijinja::{Environment, UndefinedBehavior, Value};

use super::context::{
    ApplicationNotice, DeficiencyLine, NoticeContext, NoticeKind, Office, ValueLine,
};

/// The rendered answer, ready for [`compose`](fn@super::compose).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// One line.
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// A template that could not be read, compiled or rendered: names the file.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("cannot read template {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("template {name}: {source}")]
    Template {
        name: &'static str,
        source: minijinja::Error,
    },
}

/// The compiled notice templates.
#[derive(Debug)]
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// The subject line (white space is collapsed to single spaces after rendering).
    pub const SUBJECT: &'static str = "subject.txt";
    pub const TEXT: &'static str = "notice.txt";
    /// HTML-escaped: applicants' values never become markup.
    pub const HTML: &'static str = "notice.html";

    /// Reads the three templates from `dir` (e.g. `config/templates`) and checks them.
    pub fn load(dir: &Path) -> Result<Templates, TemplateError> {
        let read = |name: &'static str| {
            let path = dir.join(name);
            std::fs::read_to_string(&path).map_err(|source| TemplateError::Read {
                path: path.display().to_string(),
                source,
            })
        };
        Templates::from_sources(
            read(Templates::SUBJECT)?,
            read(Templates::TEXT)?,
            read(Templates::HTML)?,
        )
    }

    /// Compiles the given template texts and checks them against a sample of every kind.
    pub fn from_sources(
        subject: String,
        text: String,
        html: String,
    ) -> Result<Templates, TemplateError> {
        let mut env = Environment::new();
        // Staff write `{% if %}` on lines of their own; these keep such lines out of the mail.
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        // A misspelt variable is an error, caught by the sample rendering below.
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        for (name, source) in [
            (Templates::SUBJECT, subject),
            (Templates::TEXT, text),
            (Templates::HTML, html),
        ] {
            env.add_template_owned(name, source)
                .map_err(|source| TemplateError::Template { name, source })?;
        }
        let templates = Templates { env };
        for kind in NoticeKind::ALL {
            templates.render(&sample_context(kind, false))?;
            templates.render(&sample_context(kind, true))?;
        }
        Ok(templates)
    }

    pub fn render(&self, context: &NoticeContext) -> Result<Notice, TemplateError> {
        // Converted once for the three templates; rendering each from the struct
        // converted it three times.
        let context = Value::from_serialize(context);
        let subject = self.render_one(Templates::SUBJECT, &context)?;
        Ok(Notice {
            subject: subject.split_whitespace().collect::<Vec<_>>().join(" "),
            text: self.render_one(Templates::TEXT, &context)?,
            html: self.render_one(Templates::HTML, &context)?,
        })
    }

    fn render_one(&self, name: &'static str, context: &Value) -> Result<String, TemplateError> {
        self.env
            .get_template(name)
            .and_then(|template| template.render(context))
            .map_err(|source| TemplateError::Template { name, source })
    }
}

/// A context that fills every variable and, with `flags`, every branch.
fn sample_context(kind: NoticeKind, flags: bool) -> NoticeContext {
    let deficiency = DeficiencyLine {
        code: "amount_out_of_range",
        severity: "error",
        cell: Some("B12".into()),
        label: Some("申请资助金额（元）".into()),
        value: flags.then(|| "15000 元".into()),
        message: "申请资助金额 15000 元超出上限 10000 元".into(),
    };
    NoticeContext {
        kind,
        receipt: "SAMPLE-0001".into(),
        society: if flags {
            "示例学会".into()
        } else {
            String::new()
        },
        call_title: "示例项目".into(),
        deadline: "2020年8月31日 23:59:59".into(),
        received_at: flags.then(|| "2020年8月20日 10:15:00".into()),
        office: Office {
            organization: "示例协会".into(),
            reply_address: "apply@example.test".into(),
            phone: "0519-00000000".into(),
        },
        replaces: flags.then(|| "SAMPLE-0000".into()),
        file_complete: flags,
        message_deficiencies: vec![deficiency.clone()],
        applications: vec![ApplicationNotice {
            receipt: "SAMPLE-0001".into(),
            fingerprint: "0000-0000".into(),
            attachment: flags.then(|| "申报书.xlsx".into()),
            sheet: "申报书".into(),
            status: "deficient",
            status_label: "需补正",
            values: vec![ValueLine {
                key: "society".into(),
                label: "学会名称".into(),
                value: "示例学会".into(),
            }],
            deficiencies: vec![deficiency],
        }],
    }
}
