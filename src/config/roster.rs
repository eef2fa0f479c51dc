//! The roster of eligible societies (`config/roster.csv`, format in `call-2020.md`).

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
    pub societies: Vec<Society>,
}

impl Roster {
    /// Reads a roster file: UTF-8 (with or without BOM) or GBK.
    pub fn load(path: &std::path::Path) -> Result<Roster, super::ConfigError> {
        let _ = path;
        todo!("config helper")
    }

    pub fn parse(bytes: &[u8], file: &str) -> Result<Roster, super::ConfigError> {
        let _ = (bytes, file);
        todo!("config helper")
    }

    /// Matches a name or alias after label normalization (full-width folded, white space removed).
    pub fn by_name(&self, name: &str) -> Option<&Society> {
        let _ = name;
        todo!("config helper")
    }

    pub fn by_credit_code(&self, code: &str) -> Option<&Society> {
        self.societies.iter().find(|s| s.credit_code.eq_ignore_ascii_case(code))
    }
}
