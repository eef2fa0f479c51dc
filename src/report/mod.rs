//! A verdict for people and for tools: `check --json` ([`json`]) and the
//! readable report ([`text`]). Only this module knows the wire format.

pub mod json;
pub mod text;

/// `2020-08-20T10:15:00+08:00`: RFC 3339 with the call's offset, as `check-json.md` shows it.
pub fn rfc3339(zoned: &jiff::Zoned) -> String {
    zoned.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}
