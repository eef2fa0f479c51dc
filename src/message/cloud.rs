//! Large attachments sent as download links (超大附件) instead of as attachments.
//!
//! 163/126 webmail and QQ Mail replace a file over their size limit by a block of
//! links that expire after some days; the form is then not in the mail at all, so
//! the applicant must be told to attach it.

use std::sync::LazyLock;

use regex::Regex;

use super::ParsedMessage;

/// What marks a 超大附件 block, one pattern per client form. Kept in one list so a
/// new client form is one more line. The bare word 超大附件 is not among them: a
/// sender may merely mention it; the clients always insert a link or a heading.
const CLOUD_ATTACHMENT_PATTERNS: [&str; 6] = [
    // 163/126/yeah.net webmail: https://mail.163.com/large-attachment-download/index.html?p=...
    r"(?i)mail\.(?:163|126|yeah)\.(?:com|net)/large-attachment",
    // NetEase file servers behind older 超大附件 links.
    r"(?i)\bfs\.mail\.(?:163|126)\.com/",
    // 网易邮箱大师 (dashi): only its attachment/download pages, not the signature links.
    r#"(?i)\bdashi\.163\.com/[^\s"'<>]*(?:attach|download)"#,
    // QQ Mail: https://wx.mail.qq.com/ftn/download?... and the older
    // https://mail.qq.com/cgi-bin/ftnExs_download?... (also exmail.qq.com).
    r"(?i)mail\.qq\.com/(?:ftn/download|cgi-bin/ftnexs_download)",
    // The headings: 从QQ邮箱发来的超大附件, 从网易163邮箱发来的超大附件.
    r"从[^\s<>]{0,16}邮箱发来的超大附件",
    // 网易邮箱超大附件, QQ邮箱超大附件.
    r"(?i)(?:网易|QQ)邮箱超大附件",
];

static CLOUD_ATTACHMENT: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    CLOUD_ATTACHMENT_PATTERNS
        .iter()
        .map(|pattern| Regex::new(pattern).expect("cloud attachment patterns are valid regexes"))
        .collect()
});

/// True when the text or HTML body links large attachments (163/QQ 超大附件)
/// instead of attaching them.
pub fn links_cloud_attachment(message: &ParsedMessage) -> bool {
    [&message.text_body, &message.html_body].iter().any(|body| {
        CLOUD_ATTACHMENT
            .iter()
            .any(|pattern| pattern.is_match(body))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_text(text: &str) -> ParsedMessage {
        ParsedMessage {
            text_body: text.to_string(),
            ..ParsedMessage::default()
        }
    }

    fn with_html(html: &str) -> ParsedMessage {
        ParsedMessage {
            html_body: html.to_string(),
            ..ParsedMessage::default()
        }
    }

    #[test]
    fn netease_links_and_headings() {
        assert!(links_cloud_attachment(&with_text(
            "下载: https://mail.163.com/large-attachment-download/index.html?p=x"
        )));
        assert!(links_cloud_attachment(&with_html(
            r#"<a href="https://mail.126.com/large-attachment-download/index.html?p=x">a</a>"#
        )));
        assert!(links_cloud_attachment(&with_text(
            "http://fs.mail.163.com/file?x=1"
        )));
        assert!(links_cloud_attachment(&with_text(
            "https://dashi.163.com/html/cloud-attachment-download/index.html?x"
        )));
        assert!(links_cloud_attachment(&with_text(
            "从网易163邮箱发来的超大附件"
        )));
        assert!(links_cloud_attachment(&with_html(
            "<b>网易邮箱超大附件</b>"
        )));
    }

    #[test]
    fn qq_links_and_headings() {
        assert!(links_cloud_attachment(&with_html(
            r#"<a href="https://wx.mail.qq.com/ftn/download?func=3&k=abc">申报书.xlsx</a>"#
        )));
        assert!(links_cloud_attachment(&with_text(
            "http://mail.qq.com/cgi-bin/ftnExs_download?k=abc&t=exs_ftn_download"
        )));
        assert!(links_cloud_attachment(&with_text("从QQ邮箱发来的超大附件")));
    }

    #[test]
    fn mentions_and_signatures_are_not_links() {
        assert!(!links_cloud_attachment(&with_text(
            "附件较大，我没有用超大附件，请查收。"
        )));
        assert!(!links_cloud_attachment(&with_html(
            r#"<a href="https://dashi.163.com/projects/signature-manager/">网易邮箱大师</a>"#
        )));
        assert!(!links_cloud_attachment(&with_text("https://mail.163.com/")));
        assert!(!links_cloud_attachment(&ParsedMessage::default()));
    }
}
