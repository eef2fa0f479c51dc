//! The `[digest]` table of the settings file: who gets the staff digest, and when.
//!
//! ```toml
//! [digest]
//! to = ["xhb@czast.org.cn"]   # staff addresses; none means no digest is queued
//! times = ["08:30"]           # times of day, in the call's time zone (Asia/Shanghai)
//! after_deadline = true       # also one the morning after the deadline
//! ```

use jiff::civil::Time;
use serde::{Deserialize, Deserializer};

/// Settings of the staff digest, with serde defaults for every key.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DigestConfig {
    /// The staff addresses; each gets its own copy.
    #[serde(default, deserialize_with = "addresses")]
    pub to: Vec<String>,
    /// Times of day of the scheduled digests, in the call's time zone, sorted.
    /// Empty: no daily digest (the one after the deadline still comes).
    #[serde(default = "default_times", deserialize_with = "times_of_day")]
    pub times: Vec<Time>,
    /// Also send one the morning after the deadline, at the first of `times`
    /// (08:30 when `times` is empty): the closing count.
    #[serde(default = "default_true")]
    pub after_deadline: bool,
    /// Attach the summary workbook (汇总表) to every digest.
    #[serde(default = "default_true")]
    pub attach_workbook: bool,
}

impl Default for DigestConfig {
    fn default() -> DigestConfig {
        DigestConfig {
            to: Vec::new(),
            times: default_times(),
            after_deadline: true,
            attach_workbook: true,
        }
    }
}

impl DigestConfig {
    /// The time of day of the digest after the deadline.
    pub fn morning_time(&self) -> Time {
        self.times.first().copied().unwrap_or(MORNING)
    }
}

const MORNING: Time = Time::constant(8, 30, 0, 0);

fn default_times() -> Vec<Time> {
    vec![MORNING]
}

fn default_true() -> bool {
    true
}

/// Mail addresses, checked at load: a typo stops the daemon at start, not
/// every digest later.
fn addresses<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    let texts = Vec::<String>::deserialize(deserializer)?;
    texts
        .into_iter()
        .map(|text| {
            let address = text.trim().to_string();
            address
                .parse::<lettre::Address>()
                .map(|_| address)
                .map_err(|_| serde::de::Error::custom(format!("{text:?} is not a mail address")))
        })
        .collect()
}

/// "HH:MM" strings as times of day, sorted and without repeats.
fn times_of_day<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Time>, D::Error> {
    let texts = Vec::<String>::deserialize(deserializer)?;
    let mut times = texts
        .iter()
        .map(|text| parse_time_of_day(text).map_err(serde::de::Error::custom))
        .collect::<Result<Vec<_>, _>>()?;
    times.sort();
    times.dedup();
    Ok(times)
}

/// `08:30` or `8:30`; seconds are not asked for.
pub fn parse_time_of_day(text: &str) -> Result<Time, String> {
    let invalid = || format!("{text:?} is not a time of day like \"08:30\"");
    let (hour, minute) = text.trim().split_once(':').ok_or_else(invalid)?;
    let hour: i8 = hour.parse().map_err(|_| invalid())?;
    let minute: i8 = minute.parse().map_err(|_| invalid())?;
    Time::new(hour, minute, 0, 0).map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct File {
        #[serde(default)]
        digest: DigestConfig,
    }

    #[test]
    fn an_absent_table_gives_the_defaults() {
        let file: File = toml::from_str("").unwrap();
        assert_eq!(file.digest, DigestConfig::default());
        assert_eq!(file.digest.times, [Time::constant(8, 30, 0, 0)]);
        assert!(file.digest.after_deadline);
        assert!(file.digest.to.is_empty());
    }

    #[test]
    fn times_are_parsed_sorted_and_deduplicated() {
        let file: File = toml::from_str(
            "[digest]\nto = [\"staff@example.test\"]\ntimes = [\"17:00\", \"8:30\", \"08:30\"]\n\
             after_deadline = false\n",
        )
        .unwrap();
        assert_eq!(
            file.digest.times,
            [Time::constant(8, 30, 0, 0), Time::constant(17, 0, 0, 0)]
        );
        assert!(!file.digest.after_deadline);
        assert_eq!(file.digest.to, ["staff@example.test"]);
    }

    #[test]
    fn a_bad_time_or_key_is_refused() {
        for text in [
            "[digest]\ntimes = [\"25:00\"]\n",
            "[digest]\ntimes = [\"half past eight\"]\n",
            "[digest]\nwhen = [\"08:30\"]\n",
            "[digest]\nto = [\"xhb at czast.org.cn\"]\n",
        ] {
            assert!(toml::from_str::<File>(text).is_err(), "{text}");
        }
    }

    #[test]
    fn the_morning_after_uses_the_first_time_or_half_past_eight() {
        let mut config = DigestConfig {
            times: vec![Time::constant(7, 0, 0, 0), Time::constant(18, 0, 0, 0)],
            ..DigestConfig::default()
        };
        assert_eq!(config.morning_time(), Time::constant(7, 0, 0, 0));
        config.times.clear();
        assert_eq!(config.morning_time(), Time::constant(8, 30, 0, 0));
    }
}
