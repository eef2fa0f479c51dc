//! The roster of eligible societies (`config/roster.csv`, format in `call-2020.md`):
//! `name,aliases,credit_code,emails,kind`, several aliases/emails separated by `|`.

use std::collections::HashMap;

use super::ConfigError;
use crate::text::normalize_label;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Society {
    pub name: String,
    pub aliases: Vec<String>,
    pub credit_code: String,
    /// Lower-cased.
    pub emails: Vec<String>,
    /// 社会团体 or 民办非企业.
    pub kind: String,
}

#[derive(Debug, Clone, Default)]
pub struct Roster {
    societies: Vec<Society>,
    /// Each name and alias, normalized, to the first society that has it: names are
    /// looked up for every message, and normalizing the whole roster each time took
    /// 3% of the intake's CPU.
    by_label: HashMap<String, usize>,
}

impl Roster {
    /// Reads a roster file: UTF-8 (with or without BOM) or GBK, as Excel saves CSV on Chinese Windows.
    pub fn load(path: &std::path::Path) -> Result<Roster, ConfigError> {
        let bytes = std::fs::read(path).map_err(|e| ConfigError {
            file: path.display().to_string(),
            line: None,
            key: None,
            message: e.to_string(),
        })?;
        Roster::parse(&bytes, &path.display().to_string())
    }

    pub fn parse(bytes: &[u8], file: &str) -> Result<Roster, ConfigError> {
        let text = decode(bytes);
        let error = |line: Option<usize>, key: Option<&str>, message: String| ConfigError {
            file: file.to_string(),
            line,
            key: key.map(str::to_string),
            message,
        };
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| error(Some(1), None, e.to_string()))?
            .clone();
        let column = |name: &str| {
            headers.iter().position(|h| h == name).ok_or_else(|| {
                error(
                    Some(1),
                    Some(name),
                    format!("the header row has no `{name}` column"),
                )
            })
        };
        let (name_col, aliases_col, code_col, emails_col, kind_col) = (
            column("name")?,
            column("aliases")?,
            column("credit_code")?,
            column("emails")?,
            column("kind")?,
        );
        let mut societies = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| {
                let line = e.position().map(|p| p.line() as usize);
                error(line, None, e.to_string())
            })?;
            let line = record.position().map(|p| p.line() as usize);
            let get = |col: usize| record.get(col).unwrap_or("").trim().to_string();
            let split = |col: usize| -> Vec<String> {
                get(col)
                    .split('|')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            };
            let name = get(name_col);
            if name.is_empty() {
                return Err(error(line, Some("name"), "a society without a name".into()));
            }
            societies.push(Society {
                name,
                aliases: split(aliases_col),
                credit_code: get(code_col).to_ascii_uppercase().replace(' ', ""),
                emails: split(emails_col)
                    .into_iter()
                    .map(|e| e.to_lowercase())
                    .collect(),
                kind: get(kind_col),
            });
        }
        Ok(Roster::new(societies))
    }

    fn new(societies: Vec<Society>) -> Roster {
        let mut by_label = HashMap::new();
        for (index, society) in societies.iter().enumerate() {
            for name in std::iter::once(&society.name).chain(&society.aliases) {
                let label = normalize_label(name);
                if !label.is_empty() {
                    by_label.entry(label).or_insert(index);
                }
            }
        }
        Roster {
            societies,
            by_label,
        }
    }

    /// The societies, in the roster's order.
    pub fn societies(&self) -> &[Society] {
        &self.societies
    }

    /// Matches a name or alias after label normalization (full-width folded, white space removed).
    pub fn by_name(&self, name: &str) -> Option<&Society> {
        let index = *self.by_label.get(&normalize_label(name))?;
        self.societies.get(index)
    }

    pub fn by_credit_code(&self, code: &str) -> Option<&Society> {
        self.societies
            .iter()
            .find(|s| !s.credit_code.is_empty() && s.credit_code.eq_ignore_ascii_case(code))
    }
}

/// UTF-8 (a BOM dropped) when the bytes are valid UTF-8, else GB18030 (a superset of GBK).
fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "name,aliases,credit_code,emails,kind\n\
        常州市电子学会,常州电子学会|市电子学会,51320400MJ58601481,CZDZXH@163.com,社会团体\n";

    #[test]
    fn reads_utf8_with_bom_and_matches_aliases() {
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend_from_slice(CSV.as_bytes());
        let roster = Roster::parse(&bytes, "roster.csv").unwrap();
        assert_eq!(roster.societies.len(), 1);
        assert_eq!(roster.societies[0].emails, ["czdzxh@163.com"]);
        assert_eq!(
            roster.by_name("常 州 电 子 学 会").unwrap().name,
            "常州市电子学会"
        );
        assert!(roster.by_name("常州市化学学会").is_none());
        assert!(roster.by_credit_code("51320400mj58601481").is_some());
    }

    /// An alias two societies share names the first in the roster, as a reader
    /// going down the list would; a name of only white space and colons names none.
    #[test]
    fn a_shared_alias_names_the_first_society() {
        let csv = "name,aliases,credit_code,emails,kind\n\
            常州市电子学会,电子学会,,,社会团体\n\
            常州市电子商务学会,电子学会|电商学会,,,社会团体\n";
        let roster = Roster::parse(csv.as_bytes(), "roster.csv").unwrap();
        assert_eq!(roster.by_name("电子学会：").unwrap().name, "常州市电子学会");
        assert_eq!(
            roster.by_name("电商学会").unwrap().name,
            "常州市电子商务学会"
        );
        assert!(roster.by_name(" ：").is_none());
    }

    #[test]
    fn reads_gbk() {
        let (gbk, _, _) = encoding_rs::GBK.encode(CSV);
        let roster = Roster::parse(&gbk, "roster.csv").unwrap();
        assert_eq!(roster.societies[0].name, "常州市电子学会");
    }

    #[test]
    fn missing_column_names_file_line_and_key() {
        let err = Roster::parse("name,aliases,emails,kind\n".as_bytes(), "r.csv").unwrap_err();
        assert_eq!(err.file, "r.csv");
        assert_eq!(err.line, Some(1));
        assert_eq!(err.key.as_deref(), Some("credit_code"));
    }
}
