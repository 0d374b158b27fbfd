//! The questionnaires this instance offers: the shipped files, embedded in the binary and
//! checked at start (psa refuses to start on an invalid one), each with the SHA-256 digest of
//! its text so that a round can prove which definition it used.

use std::path::Path;

use crate::domain::Questionnaire;
use crate::domain::questionnaire::Problem;
use crate::secret::sha256_hex;

/// Questionnaire files shipped with psa: (file name, contents).
const SHIPPED: &[(&str, &str)] = &[(
    "psa-basis.toml",
    include_str!("../questionnaires/psa-basis.toml"),
)];

/// A questionnaire with the text it was read from.
#[derive(Debug, Clone)]
pub struct CatalogEntry {
    pub questionnaire: Questionnaire,
    /// The file's text: what a round's snapshot stores.
    pub source: String,
    /// SHA-256 of `source`, hex.
    pub digest: String,
}

impl CatalogEntry {
    pub fn parse(source: &str) -> Result<CatalogEntry, Vec<Problem>> {
        Ok(CatalogEntry {
            questionnaire: Questionnaire::parse(source)?,
            source: source.to_owned(),
            digest: sha256_hex(source),
        })
    }
}

/// The problems of one file.
#[derive(Debug, thiserror::Error)]
#[error("{}", .problems.iter().map(|p| format!("{}: {p}", .file)).collect::<Vec<_>>().join("; "))]
pub struct FileProblems {
    pub file: String,
    pub problems: Vec<Problem>,
}

#[derive(Debug, Clone, Default)]
pub struct Catalog {
    entries: Vec<CatalogEntry>,
}

impl Catalog {
    /// The shipped questionnaires, every one checked.
    pub fn shipped() -> Result<Catalog, FileProblems> {
        let mut entries = Vec::new();
        for (file, text) in SHIPPED {
            let entry = CatalogEntry::parse(text).map_err(|problems| FileProblems {
                file: format!("questionnaires/{file}"),
                problems,
            })?;
            entries.push(entry);
        }
        Ok(Catalog { entries })
    }

    pub fn get(&self, id: &str) -> Option<&CatalogEntry> {
        self.entries.iter().find(|e| e.questionnaire.id == id)
    }

    pub fn entries(&self) -> &[CatalogEntry] {
        &self.entries
    }
}

/// Reads and checks a questionnaire file on disk (`psa questionnaire check`).
pub fn check_file(path: &Path) -> Result<CatalogEntry, FileProblems> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|err| FileProblems {
        file: file.clone(),
        problems: vec![Problem {
            field: "(file)".into(),
            reason: err.to_string(),
        }],
    })?;
    CatalogEntry::parse(&text).map_err(|problems| FileProblems { file, problems })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_questionnaire_is_valid() {
        let catalog = Catalog::shipped().unwrap_or_else(|e| panic!("{e}"));
        let entry = catalog.get("psa-basis").expect("the default questionnaire");
        assert_eq!(entry.digest.len(), 64);
        assert_eq!(entry.digest, sha256_hex(&entry.source));
    }

    #[test]
    fn problems_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kapot.toml");
        std::fs::write(&path, "id = \"x\"\n").unwrap();
        let err = check_file(&path).unwrap_err();
        assert!(
            err.to_string()
                .starts_with(&format!("{}: ", path.display())),
            "{err}"
        );
        assert!(check_file(&dir.path().join("absent.toml")).is_err());
    }
}
