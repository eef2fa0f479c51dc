//! A minimal XML tokenizer over bytes: tags with their raw attributes, and
//! text. Enough to measure what calamine would build from an .ods
//! `content.xml` without building it, and to read an .xlsx (`xlsx_parts`,
//! `xlsx_sheet`); calamine (quick-xml) matches names literally with their
//! prefix, and so does this.

/// One piece of an XML document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Token<'a> {
    /// `<name attrs>` or, when `empty`, `<name attrs/>`.
    Start {
        name: &'a [u8],
        attrs: &'a [u8],
        empty: bool,
    },
    End {
        name: &'a [u8],
    },
    /// Character data, entities not decoded (CDATA sections included).
    Text(&'a [u8]),
}

/// The input ended inside a tag, comment or other markup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unterminated;

/// Tokens of `xml`, skipping the prolog, comments, processing instructions
/// and doctype.
pub(crate) struct Tokens<'a> {
    rest: &'a [u8],
}

impl<'a> Tokens<'a> {
    pub(crate) fn new(xml: &'a [u8]) -> Tokens<'a> {
        Tokens { rest: xml }
    }

    /// Skips up to and past `terminator`.
    fn skip_past(&mut self, terminator: &[u8]) -> Result<(), Unterminated> {
        let at = find(self.rest, terminator).ok_or(Unterminated)?;
        self.rest = &self.rest[at + terminator.len()..];
        Ok(())
    }

    fn next_markup(&mut self) -> Result<Option<Token<'a>>, Unterminated> {
        let markup = self.rest;
        if markup.starts_with(b"<!--") {
            self.skip_past(b"-->")?;
            return Ok(None);
        }
        if let Some(cdata) = markup.strip_prefix(b"<![CDATA[") {
            let end = find(cdata, b"]]>").ok_or(Unterminated)?;
            self.rest = &cdata[end + 3..];
            return Ok(Some(Token::Text(&cdata[..end])));
        }
        if markup.starts_with(b"<?") {
            self.skip_past(b"?>")?;
            return Ok(None);
        }
        if markup.starts_with(b"<!") {
            // A doctype: internal subsets with '>' inside are not expected in
            // spreadsheet XML; calamine does not expand their entities either.
            self.skip_past(b">")?;
            return Ok(None);
        }
        let end = tag_end(markup).ok_or(Unterminated)?;
        self.rest = &markup[end + 1..];
        let inner = &markup[1..end];
        if let Some(name) = inner.strip_prefix(b"/") {
            return Ok(Some(Token::End { name: trim(name) }));
        }
        let (inner, empty) = match inner.strip_suffix(b"/") {
            Some(inner) => (inner, true),
            None => (inner, false),
        };
        let name_len = inner
            .iter()
            .position(|b| b.is_ascii_whitespace())
            .unwrap_or(inner.len());
        Ok(Some(Token::Start {
            name: &inner[..name_len],
            attrs: &inner[name_len..],
            empty,
        }))
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Result<Token<'a>, Unterminated>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.rest.is_empty() {
                return None;
            }
            if self.rest[0] != b'<' {
                let len = memchr::memchr(b'<', self.rest).unwrap_or(self.rest.len());
                let (text, rest) = self.rest.split_at(len);
                self.rest = rest;
                return Some(Ok(Token::Text(text)));
            }
            match self.next_markup() {
                Ok(Some(token)) => return Some(Ok(token)),
                Ok(None) => continue,
                Err(e) => {
                    self.rest = &[];
                    return Some(Err(e));
                }
            }
        }
    }
}

/// The raw value of attribute `wanted` in a tag's attribute text.
pub(crate) fn attr<'a>(attrs: &'a [u8], wanted: &[u8]) -> Option<&'a [u8]> {
    attr_named(attrs, |name| name == wanted)
}

/// The raw value of the first attribute whose name without its prefix is
/// `wanted` (`r:id`, whatever the prefix is bound to, as calamine matches it).
pub(crate) fn attr_by_local_name<'a>(attrs: &'a [u8], wanted: &[u8]) -> Option<&'a [u8]> {
    attr_named(attrs, |name| local_name(name) == wanted)
}

fn attr_named(attrs: &[u8], wanted: impl Fn(&[u8]) -> bool) -> Option<&[u8]> {
    let mut rest = attrs;
    loop {
        rest = trim_start(rest);
        let eq = rest.iter().position(|&b| b == b'=')?;
        let name = trim(&rest[..eq]);
        let after_eq = trim_start(&rest[eq + 1..]);
        let quote = *after_eq.first()?;
        if quote != b'"' && quote != b'\'' {
            return None;
        }
        let value_len = after_eq[1..].iter().position(|&b| b == quote)?;
        let value = &after_eq[1..1 + value_len];
        if wanted(name) {
            return Some(value);
        }
        rest = &after_eq[value_len + 2..];
    }
}

/// A name without its namespace prefix.
pub(crate) fn local_name(name: &[u8]) -> &[u8] {
    match name.iter().position(|&b| b == b':') {
        Some(colon) => &name[colon + 1..],
        None => name,
    }
}

/// Decodes the predefined entities and character references of an attribute
/// value (enough for sheet names).
pub(crate) fn unescape(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_ref();
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let Some(semi) = after.find(';').filter(|&semi| semi <= 10) else {
            out.push('&');
            rest = after;
            continue;
        };
        match decode_entity(&after[..semi]) {
            Some(c) => out.push(c),
            None => out.push_str(&rest[amp..amp + semi + 2]),
        }
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    out
}

fn decode_entity(entity: &str) -> Option<char> {
    match entity {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let code = match entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
            {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => entity.strip_prefix('#')?.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

/// Index of the `>` closing a tag starting at `markup[0] == '<'`, skipping
/// quoted attribute values (which may hold `>`).
fn tag_end(markup: &[u8]) -> Option<usize> {
    let mut at = 1;
    loop {
        let found = at + memchr::memchr3(b'>', b'"', b'\'', markup.get(at..)?)?;
        let quote = markup[found];
        if quote == b'>' {
            return Some(found);
        }
        at = found + 1;
        at += memchr::memchr(quote, markup.get(at..)?)? + 1;
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    &bytes[start..]
}

fn trim(bytes: &[u8]) -> &[u8] {
    let bytes = trim_start(bytes);
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |end| end + 1);
    &bytes[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenizes_tags_text_and_skips_markup() {
        let xml =
            br#"<?xml version="1.0"?><!-- c > --><a x="1>2" y='z'>hi<![CDATA[<b>]]><b/></a >"#;
        let tokens: Vec<_> = Tokens::new(xml).collect::<Result<_, _>>().unwrap();
        assert_eq!(tokens.len(), 5);
        let Token::Start { name, attrs, empty } = tokens[0] else {
            panic!("{tokens:?}")
        };
        assert_eq!((name, empty), (&b"a"[..], false));
        assert_eq!(attr(attrs, b"x"), Some(&b"1>2"[..]));
        assert_eq!(attr(attrs, b"y"), Some(&b"z"[..]));
        assert_eq!(attr(attrs, b"w"), None);
        assert_eq!(tokens[1], Token::Text(b"hi"));
        assert_eq!(tokens[2], Token::Text(b"<b>"));
        assert!(matches!(
            tokens[3],
            Token::Start {
                name: b"b",
                empty: true,
                ..
            }
        ));
        assert_eq!(tokens[4], Token::End { name: b"a" });
    }

    #[test]
    fn unterminated_markup_is_an_error() {
        assert!(Tokens::new(b"<a><b x='1'").any(|t| t.is_err()));
        assert!(Tokens::new(b"<!-- never closed").any(|t| t.is_err()));
    }

    #[test]
    fn unescapes_attribute_values() {
        assert_eq!(
            unescape(b"R&amp;D &#x5B66;&#20250; &bogus;"),
            "R&D 学会 &bogus;"
        );
        assert_eq!(local_name(b"x:sst"), b"sst");
    }
}
