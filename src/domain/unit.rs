//! Organisation units: the tree of departments and teams that results are grouped by, and the
//! CSV format HR imports it from.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use unicode_normalization::UnicodeNormalization;

use super::Headcount;
use super::ids::UnitId;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitError {
    #[error("a unit name must be 1 to {max} characters, without '/' or control characters")]
    InvalidName { max: usize },
}

/// A unit's name: trimmed and NFC-normalised, so that names that look alike compare alike.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnitName(String);

impl UnitName {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(raw: &str) -> Result<UnitName, UnitError> {
        let name: String = raw.trim().nfc().collect();
        let chars = name.chars().count();
        if chars == 0
            || chars > Self::MAX_CHARS
            || name.contains('/')
            || name.chars().any(char::is_control)
        {
            return Err(UnitError::InvalidName {
                max: Self::MAX_CHARS,
            });
        }
        Ok(UnitName(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UnitName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One unit of an organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub id: UnitId,
    pub parent: Option<UnitId>,
    pub name: UnitName,
    pub headcount: Option<Headcount>,
}

/// An organisation's units.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitTree {
    units: BTreeMap<UnitId, Unit>,
}

impl UnitTree {
    pub fn new(units: impl IntoIterator<Item = Unit>) -> UnitTree {
        UnitTree {
            units: units.into_iter().map(|u| (u.id.clone(), u)).collect(),
        }
    }

    /// Adds `unit`, or replaces the unit with its id.
    pub fn insert(&mut self, unit: Unit) {
        self.units.insert(unit.id.clone(), unit);
    }

    pub fn get(&self, id: &UnitId) -> Option<&Unit> {
        self.units.get(id)
    }

    /// The names from the top down to `id` (empty for an unknown id).
    pub fn path(&self, id: &UnitId) -> Vec<&UnitName> {
        let mut path = Vec::new();
        let mut seen = BTreeSet::new();
        let mut current = self.units.get(id);
        while let Some(unit) = current {
            if !seen.insert(&unit.id) {
                break;
            }
            path.push(&unit.name);
            current = unit.parent.as_ref().and_then(|p| self.units.get(p));
        }
        path.reverse();
        path
    }

    /// `Top/Sub/Team`.
    pub fn path_text(&self, id: &UnitId) -> String {
        let names: Vec<&str> = self.path(id).iter().map(|n| n.as_str()).collect();
        names.join("/")
    }

    /// Every unit in unit path order: paths compared segment by segment by code point, a path
    /// before its extensions (DOMAIN.md section 6).
    pub fn in_path_order(&self) -> Vec<&Unit> {
        let mut units: Vec<(Vec<&UnitName>, &Unit)> =
            self.units.values().map(|u| (self.path(&u.id), u)).collect();
        units.sort_by(|a, b| a.0.cmp(&b.0));
        units.into_iter().map(|(_, u)| u).collect()
    }

    /// Whether `unit` and its descendants include `candidate`.
    pub fn is_within(&self, candidate: &UnitId, unit: &UnitId) -> bool {
        self.path_ids(candidate).contains(unit)
    }

    fn path_ids(&self, id: &UnitId) -> Vec<UnitId> {
        let mut ids = Vec::new();
        let mut current = self.units.get(id);
        while let Some(u) = current {
            if ids.contains(&u.id) {
                break;
            }
            ids.push(u.id.clone());
            current = u.parent.as_ref().and_then(|p| self.units.get(p));
        }
        ids
    }

    pub fn children<'a>(
        &'a self,
        parent: Option<&'a UnitId>,
    ) -> impl Iterator<Item = &'a Unit> + 'a {
        self.units
            .values()
            .filter(move |u| u.parent.as_ref() == parent)
    }

    /// The child of `parent` called `name`.
    pub fn child(&self, parent: Option<&UnitId>, name: &UnitName) -> Option<&Unit> {
        self.units
            .values()
            .find(|u| u.parent.as_ref() == parent && &u.name == name)
    }

    pub fn len(&self) -> usize {
        self.units.len()
    }

    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }
}

/// One valid row of a unit import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    /// Line in the file, from 1.
    pub line: u64,
    pub path: Vec<UnitName>,
    pub headcount: Option<Headcount>,
}

/// A rejected row of a unit import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub problem: RowProblem,
}

/// What is wrong with a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowProblem {
    Unreadable,
    NotUtf8,
    TooManyFields(usize),
    BadPath(String),
    BadHeadcount(String),
    Repeats { line: u64 },
    NoUnits,
}

impl RowProblem {
    /// Text key (`locales/`) and its placeholders, for pages.
    pub fn text_key(&self) -> (&'static str, Vec<(&'static str, String)>) {
        match self {
            RowProblem::Unreadable => ("units.import.unreadable", vec![]),
            RowProblem::NotUtf8 => ("units.import.not_utf8", vec![]),
            RowProblem::TooManyFields(n) => (
                "units.import.too_many_fields",
                vec![("count", n.to_string())],
            ),
            RowProblem::BadPath(path) => ("units.import.bad_path", vec![("path", path.clone())]),
            RowProblem::BadHeadcount(raw) => {
                ("units.import.bad_headcount", vec![("value", raw.clone())])
            }
            RowProblem::Repeats { line } => {
                ("units.import.repeats", vec![("line", line.to_string())])
            }
            RowProblem::NoUnits => ("units.import.no_units", vec![]),
        }
    }
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RowProblem::Unreadable => f.write_str("cannot be read as CSV"),
            RowProblem::NotUtf8 => f.write_str("is not UTF-8 text"),
            RowProblem::TooManyFields(n) => {
                write!(f, "has {n} fields; expected path and headcount")
            }
            RowProblem::BadPath(path) => write!(
                f,
                "path {path:?}: every part must be 1 to {} characters, without control characters",
                UnitName::MAX_CHARS
            ),
            RowProblem::BadHeadcount(raw) => {
                write!(
                    f,
                    "headcount {raw:?} is not a whole number from 1 to {}",
                    Headcount::MAX
                )
            }
            RowProblem::Repeats { line } => write!(f, "repeats the unit of line {line}"),
            RowProblem::NoUnits => f.write_str("the file holds no units"),
        }
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.problem)
    }
}

/// Parses a unit import: one unit a line as `path;headcount` (or with `,`), the path
/// `/`-separated from the top, headcount optional; UTF-8 with or without BOM; a first line
/// `path;headcount` is a header. Returns every bad row, or all rows when all are good.
pub fn parse_unit_csv(bytes: &[u8]) -> Result<Vec<ImportRow>, Vec<RowError>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let delimiter = if first_line.contains(&b';') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delimiter)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut seen: BTreeMap<Vec<UnitName>, u64> = BTreeMap::new();
    for (index, record) in reader.byte_records().enumerate() {
        let record = match record {
            Ok(record) => record,
            Err(err) => {
                let line = err.position().map_or(index as u64 + 1, |p| p.line());
                errors.push(RowError {
                    line,
                    problem: RowProblem::Unreadable,
                });
                continue;
            }
        };
        let line = record.position().map_or(index as u64 + 1, |p| p.line());
        let fields: Vec<&[u8]> = record.iter().collect();
        if fields.iter().all(|f| f.is_empty()) {
            continue;
        }
        let texts: Result<Vec<&str>, _> = fields.iter().map(|f| std::str::from_utf8(f)).collect();
        let Ok(texts) = texts else {
            errors.push(RowError {
                line,
                problem: RowProblem::NotUtf8,
            });
            continue;
        };
        if index == 0
            && texts
                .first()
                .is_some_and(|f| f.eq_ignore_ascii_case("path"))
        {
            continue;
        }
        if texts.len() > 2 {
            errors.push(RowError {
                line,
                problem: RowProblem::TooManyFields(texts.len()),
            });
            continue;
        }
        let path: Result<Vec<UnitName>, _> = texts[0]
            .trim_matches('/')
            .split('/')
            .map(UnitName::parse)
            .collect();
        let path = match path {
            Ok(path) => path,
            Err(_) => {
                errors.push(RowError {
                    line,
                    problem: RowProblem::BadPath(texts[0].to_owned()),
                });
                continue;
            }
        };
        let headcount = match texts.get(1).copied().filter(|h| !h.is_empty()) {
            None => None,
            Some(raw) => match raw.parse::<i64>().ok().map(Headcount::new) {
                Some(Ok(h)) => Some(h),
                _ => {
                    errors.push(RowError {
                        line,
                        problem: RowProblem::BadHeadcount(raw.to_owned()),
                    });
                    continue;
                }
            },
        };
        if let Some(first) = seen.insert(path.clone(), line) {
            errors.push(RowError {
                line,
                problem: RowProblem::Repeats { line: first },
            });
            continue;
        }
        rows.push(ImportRow {
            line,
            path,
            headcount,
        });
    }
    if rows.is_empty() && errors.is_empty() {
        errors.push(RowError {
            line: 1,
            problem: RowProblem::NoUnits,
        });
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> UnitId {
        UnitId::new(s)
    }

    fn unit(i: &str, parent: Option<&str>, name: &str) -> Unit {
        Unit {
            id: id(i),
            parent: parent.map(id),
            name: UnitName::parse(name).unwrap(),
            headcount: None,
        }
    }

    #[test]
    fn names_are_normalised_and_checked() {
        // "é" as one code point and as e + combining accent are the same name.
        assert_eq!(
            UnitName::parse("Caf\u{e9}").unwrap(),
            UnitName::parse(" Cafe\u{301} ").unwrap()
        );
        for bad in ["", "  ", "a/b", "tab\there"] {
            assert!(UnitName::parse(bad).is_err(), "{bad:?}");
        }
        assert!(UnitName::parse(&"x".repeat(101)).is_err());
    }

    #[test]
    fn paths_and_path_order_follow_the_tree() {
        let tree = UnitTree::new([
            unit("1", None, "Zorg"),
            unit("2", Some("1"), "Team B"),
            unit("3", Some("1"), "Team A"),
            unit("4", None, "Administratie"),
            unit("5", Some("3"), "Nacht"),
        ]);
        assert_eq!(tree.path_text(&id("5")), "Zorg/Team A/Nacht");
        let order: Vec<String> = tree
            .in_path_order()
            .iter()
            .map(|u| tree.path_text(&u.id))
            .collect();
        assert_eq!(
            order,
            [
                "Administratie",
                "Zorg",
                "Zorg/Team A",
                "Zorg/Team A/Nacht",
                "Zorg/Team B"
            ]
        );
        assert!(tree.is_within(&id("5"), &id("1")));
        assert!(!tree.is_within(&id("4"), &id("1")));
        assert_eq!(
            tree.child(Some(&id("1")), &UnitName::parse("Team A").unwrap())
                .unwrap()
                .id,
            id("3")
        );
    }

    #[test]
    fn a_good_import_is_read_with_either_delimiter_and_a_bom() {
        let text =
            "\u{feff}path;headcount\nZorg;120\nZorg/Team A;12\nZorg/Team B;\nAdministratie\n";
        let rows = parse_unit_csv(text.as_bytes()).unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[1].line, 3);
        assert_eq!(rows[1].path.len(), 2);
        assert_eq!(rows[1].headcount.unwrap().get(), 12);
        assert_eq!(rows[2].headcount, None);
        let commas = parse_unit_csv(b"Zorg,120\nZorg/Team A,12\n").unwrap();
        assert_eq!(commas[1].path[1].as_str(), "Team A");
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line() {
        let text = "Zorg;120\nZorg//Team;3\nZorg/Team A;-4\nZorg;5\nA;1;2\nZorg/Team A;twelve\n";
        let errors = parse_unit_csv(text.as_bytes()).unwrap_err();
        let lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
        assert!(
            errors[0]
                .to_string()
                .starts_with("line 2: path \"Zorg//Team\""),
            "{}",
            errors[0]
        );
        assert_eq!(lines, [2, 3, 4, 5, 6], "{errors:#?}");
        assert_eq!(errors[2].problem, RowProblem::Repeats { line: 1 });
        assert!(parse_unit_csv(b"").is_err());
        let latin1 = parse_unit_csv(b"Caf\xe9;3\n").unwrap_err();
        assert_eq!(latin1[0].problem, RowProblem::NotUtf8);
    }
}
