//! When the message arrived: the date of the top-most `Received:` header (the one
//! our own server added last), else the sender's `Date:`.
//!
//! The top-most header is the one the receiving server wrote, so it is the time we
//! can trust for deadlines; `Date:` is the sender's clock.

use jiff::{Timestamp, civil, tz::Offset};
use mail_parser::{DateTime, HeaderName, Message};

use super::raw::{first_header, header_value_bytes};

/// The top-most `Received:` header's date (the text after its last `;`), else the
/// `Date:` header's.
pub fn received_at(message: &Message<'_>) -> Option<Timestamp> {
    top_received_date(message).or_else(|| message.date().and_then(to_timestamp))
}

fn top_received_date(message: &Message<'_>) -> Option<Timestamp> {
    let header = first_header(message.headers(), &HeaderName::Received)?;
    let raw_value = header_value_bytes(&message.raw_message, header)?;
    let text = String::from_utf8_lossy(raw_value);
    let (_, date_text) = text.rsplit_once(';')?;
    let date = DateTime::parse_rfc822(date_text.trim())?;
    to_timestamp(&date)
}

/// An RFC 5322 date as an instant; `None` when it names no real date.
pub fn to_timestamp(date: &DateTime) -> Option<Timestamp> {
    if !date.is_valid() {
        return None;
    }
    let civil_time = civil::DateTime::new(
        i16::try_from(date.year).ok()?,
        i8::try_from(date.month).ok()?,
        i8::try_from(date.day).ok()?,
        i8::try_from(date.hour).ok()?,
        i8::try_from(date.minute).ok()?,
        i8::try_from(date.second).ok()?,
        0,
    )
    .ok()?;
    let offset_seconds = i32::from(date.tz_hour) * 3600 + i32::from(date.tz_minute) * 60;
    let signed_offset = if date.tz_before_gmt {
        -offset_seconds
    } else {
        offset_seconds
    };
    Offset::from_seconds(signed_offset)
        .ok()?
        .to_timestamp(civil_time)
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::MessageParser;

    fn parsed_received_at(raw: &[u8]) -> Option<Timestamp> {
        received_at(&MessageParser::default().parse(raw)?)
    }

    #[test]
    fn top_most_received_wins_over_lower_ones_and_date() {
        let raw = b"Received: from a by b; Tue, 01 Sep 2020 08:12:30 +0800 (CST)\r\n\
Received: from c by a; Tue, 01 Sep 2020 08:12:29 +0800\r\n\
Date: Tue, 01 Sep 2020 08:12:27 +0800\r\n\r\nbody";
        assert_eq!(
            parsed_received_at(raw).map(|t| t.to_string()),
            Some("2020-09-01T00:12:30Z".to_string())
        );
    }

    #[test]
    fn folded_received_date_after_the_last_semicolon() {
        let raw = b"Received: from x (y; z)\r\n\tby mx with SMTP id 1;\r\n\tMon, 31 Aug 2020 23:59:59 -0400\r\n\r\n";
        assert_eq!(
            parsed_received_at(raw).map(|t| t.to_string()),
            Some("2020-09-01T03:59:59Z".to_string())
        );
    }

    #[test]
    fn no_received_falls_back_to_date_and_bad_dates_give_none() {
        let raw = b"Date: Wed, 26 Aug 2020 16:02:14 +0800\r\n\r\n";
        assert_eq!(
            parsed_received_at(raw).map(|t| t.to_string()),
            Some("2020-08-26T08:02:14Z".to_string())
        );
        let raw = b"Received: by x; not a date\r\nSubject: x\r\n\r\n";
        assert_eq!(parsed_received_at(raw), None);
    }
}
