//! The questionnaires this instance offers: the shipped files, embedded in the binary and
//! checked at start (psa refuses to start on an invalid one), each with the SHA-256 digest of
//! its text so that a round can prove which definition it used; and the measure catalogue that
//! plans of action draw on, checked against every shipped questionnaire.

use std::path::Path;

use crate::domain::Questionnaire;
use crate::domain::measures::MeasureCatalogue;
use crate::domain::questionnaire::Problem;
use crate::secret::sha256_hex;

/// Questionnaire files shipped with psa: (file name, contents).
const SHIPPED: &[(&str, &str)] = &[(
    "psa-basis.toml",
    include_str!("../questionnaires/psa-basis.toml"),
)];

/// The shipped measure catalogue.
const SHIPPED_MEASURES: (&str, &str) = (
    "measures.toml",
    include_str!("../questionnaires/measures.toml"),
);

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

#[derive(Debug, Clone)]
pub struct Catalog {
    entries: Vec<CatalogEntry>,
    measures: MeasureCatalogue,
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
        let (file, text) = SHIPPED_MEASURES;
        let problems = |problems| FileProblems {
            file: format!("questionnaires/{file}"),
            problems,
        };
        let measures = MeasureCatalogue::parse(text).map_err(problems)?;
        let mismatches: Vec<Problem> = entries
            .iter()
            .flat_map(|e| measures.check_against(&e.questionnaire))
            .collect();
        if !mismatches.is_empty() {
            return Err(problems(mismatches));
        }
        Ok(Catalog { entries, measures })
    }

    pub fn measures(&self) -> &MeasureCatalogue {
        &self.measures
    }

    pub fn get(&self, id: &str) -> Option<&CatalogEntry> {
        self.entries.iter().find(|e| e.questionnaire.id == id)
    }

    pub fn entries(&self) -> &[CatalogEntry] {
        &self.entries
    }
}

/// A file that `psa questionnaire check` read: a questionnaire or a measure catalogue.
#[derive(Debug, Clone)]
pub enum CheckedFile {
    Questionnaire(Box<CatalogEntry>),
    Measures(MeasureCatalogue),
}

/// Reads and checks a questionnaire file or measure catalogue on disk (`psa questionnaire
/// check`). A file with `[[measures]]` and no `[[items]]` is a measure catalogue.
pub fn check_file(path: &Path) -> Result<CheckedFile, FileProblems> {
    let file = path.display().to_string();
    let fail = |problems| FileProblems {
        file: file.clone(),
        problems,
    };
    let text = std::fs::read_to_string(path).map_err(|err| {
        fail(vec![Problem {
            field: "(file)".into(),
            reason: err.to_string(),
        }])
    })?;
    let is_measures = text
        .parse::<toml::Table>()
        .is_ok_and(|table| table.contains_key("measures") && !table.contains_key("items"));
    if is_measures {
        MeasureCatalogue::parse(&text)
            .map(CheckedFile::Measures)
            .map_err(fail)
    } else {
        CatalogEntry::parse(&text)
            .map(|entry| CheckedFile::Questionnaire(Box::new(entry)))
            .map_err(fail)
    }
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
        assert!(catalog.measures().measures_for("werkdruk").count() >= 5);
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
