//! The one mechanism through which every text a person sees is chosen: Dutch or English.
//!
//! Texts live in `locales/*.yml` (rust-i18n, one file per area, both languages side by side);
//! a test checks that every key has both translations.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A language psa speaks. Dutch is the default: psa serves Dutch employers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[derive(utoipa::ToSchema)]
pub enum Lang {
    #[default]
    Nl,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Nl, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::En => "en",
        }
    }

    /// The text for `key` in this language.
    pub fn t(self, key: &str) -> Cow<'static, str> {
        Cow::Owned(crate::_rust_i18n_translate(self.code(), key).into_owned())
    }

    /// The name of the wire value `wire` under `prefix` (`vpo_report.referral`), or `wire` itself
    /// where there is none (an organisation's own referral target, say).
    pub fn term(self, prefix: &str, wire: &str) -> String {
        let key = format!("{prefix}.{wire}");
        let text = self.t(&key);
        // rust-i18n answers an unknown key with `{lang}.{key}`.
        if text == format!("{}.{key}", self.code()) {
            wire.to_owned()
        } else {
            text.into_owned()
        }
    }

    /// A number written with a decimal point, in this language's notation (Dutch: comma).
    pub fn decimal(self, number: &str) -> String {
        match self {
            Lang::Nl => number.replace('.', ","),
            Lang::En => number.to_owned(),
        }
    }

    /// A date as people write it in this language: 29-11-2026, 29 Nov 2026.
    pub fn date(self, date: chrono::NaiveDate) -> String {
        match self {
            Lang::Nl => date.format("%-d-%-m-%Y").to_string(),
            Lang::En => date.format("%-d %b %Y").to_string(),
        }
    }

    /// A date and time to the minute, as people here write it.
    pub fn date_time(self, at: chrono::NaiveDateTime) -> String {
        format!("{} {}", self.date(at.date()), at.format("%H:%M"))
    }

    /// The text for `key` with `%{name}` placeholders filled in.
    pub fn t_with(self, key: &str, args: &[(&str, &str)]) -> String {
        let text = self.t(key);
        let names: Vec<&str> = args.iter().map(|(name, _)| *name).collect();
        let values: Vec<String> = args.iter().map(|(_, value)| (*value).to_owned()).collect();
        rust_i18n::replace_patterns(&text, &names, &values)
    }

    /// The first supported language in an `Accept-Language` header, by the header's quality order.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut ranges: Vec<(f32, usize, &str)> = header
            .split(',')
            .enumerate()
            .filter_map(|(position, part)| {
                let mut pieces = part.trim().split(';');
                let tag = pieces.next()?.trim();
                let quality = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
                Some((quality, position, tag))
            })
            .collect();
        ranges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        ranges
            .into_iter()
            .filter(|(quality, _, _)| *quality > 0.0)
            .find_map(|(_, _, tag)| tag.split('-').next()?.parse().ok())
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown language {0:?}: use nl or en")]
pub struct UnknownLang(String);

impl FromStr for Lang {
    type Err = UnknownLang;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "nl" => Ok(Lang::Nl),
            "en" => Ok(Lang::En),
            _ => Err(UnknownLang(s.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_highest_supported_quality() {
        assert_eq!(
            Lang::from_accept_language("de-DE,en;q=0.8,nl;q=0.9"),
            Some(Lang::Nl)
        );
        assert_eq!(Lang::from_accept_language("en-GB,en;q=0.9"), Some(Lang::En));
        assert_eq!(Lang::from_accept_language("fr, de;q=0.5"), None);
        assert_eq!(
            Lang::from_accept_language("nl;q=0, en;q=0.1"),
            Some(Lang::En)
        );
        assert_eq!(Lang::from_accept_language(""), None);
    }

    #[test]
    fn every_text_key_exists_in_dutch_and_english() {
        fn walk(prefix: &str, table: &toml::Table, missing: &mut Vec<String>) {
            for (key, value) in table {
                if key.starts_with('_') {
                    continue;
                }
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                let Some(inner) = value.as_table() else {
                    missing.push(format!("{path} is not a table of translations"));
                    continue;
                };
                if inner.values().all(toml::Value::is_str) {
                    for lang in Lang::ALL {
                        let text = inner.get(lang.code()).and_then(toml::Value::as_str);
                        if text.is_none_or(|t| t.trim().is_empty()) {
                            missing.push(format!("{path} has no {lang} text"));
                        }
                    }
                } else {
                    walk(&path, inner, missing);
                }
            }
        }
        let mut missing = Vec::new();
        for (file, content) in locale_files() {
            let table: toml::Table = toml::from_str(&content).expect("valid toml");
            walk("", &table, &mut missing);
            missing.iter_mut().for_each(|m| {
                if !m.starts_with(&file) {
                    *m = format!("{file}: {m}");
                }
            });
        }
        assert!(missing.is_empty(), "{missing:#?}");
    }

    #[test]
    fn texts_are_translated_and_placeholders_filled() {
        assert_eq!(Lang::Nl.t("login.title"), "Inloggen");
        assert_eq!(Lang::En.t("login.title"), "Log in");
        assert!(
            Lang::En
                .t_with("home.greeting", &[("email", "a@b.nl")])
                .contains("a@b.nl")
        );
    }

    fn locale_files() -> Vec<(String, String)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .expect("locales dir")
            .map(|entry| entry.expect("entry").path())
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|path| {
                let content = std::fs::read_to_string(&path).expect("readable");
                (path.display().to_string(), content)
            })
            .collect()
    }
}
