//! The smallest typst `World` that typesets psa's documents (the RI&E export, the counsellor's
//! annual report): one source (the template), its data files and charts, and the fonts embedded
//! in the binary. It reads no files, fetches no packages and has no clock: "today" and the
//! PDF's creation date are the caller's (for the export, the export's).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::LazyLock;

use chrono::{Datelike, NaiveDateTime, Timelike};
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration, Smart};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

use super::content::{Data, chart_path};
use super::{Chart, PdfError};
use crate::export::document::RieExport;

const TEMPLATE: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/reports/rie.typ"));

/// DejaVu Sans, regular and bold: the only fonts the template asks for (the charts' generic
/// `sans-serif` falls back to it too). See `assets/fonts/LICENSE-DejaVu.txt`.
const FONT_FILES: [&[u8]; 2] = [
    include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/fonts/DejaVuSans.ttf"
    )),
    include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/fonts/DejaVuSans-Bold.ttf"
    )),
];

/// Parsed once per process: the library and the fonts are the same for every export.
static LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| LazyHash::new(Library::default()));
static FONTS: LazyLock<Vec<Font>> = LazyLock::new(|| {
    FONT_FILES
        .into_iter()
        .filter_map(|data| Font::new(Bytes::new(data), 0))
        .collect()
});
static BOOK: LazyLock<LazyHash<FontBook>> =
    LazyLock::new(|| LazyHash::new(FontBook::from_fonts(FONTS.iter())));

fn file_id(path: &str) -> Result<FileId, PdfError> {
    let path = VirtualPath::new(path).map_err(|e| PdfError::Typeset(format!("{path}: {e:?}")))?;
    Ok(RootedPath::new(VirtualRoot::Project, path).intern())
}

struct ExportWorld {
    main: Source,
    files: HashMap<FileId, Bytes>,
    today: Option<Datetime>,
}

impl World for ExportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &BOOK
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(not_found(id))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.files.get(&id).cloned().ok_or_else(|| not_found(id))
    }

    fn font(&self, index: usize) -> Option<Font> {
        FONTS.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        self.today
    }
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(PathBuf::from(id.get().vpath().get_with_slash()))
}

/// The moment the export was made, in UTC; its date at midnight if the time does not parse.
fn created_at(doc: &RieExport) -> NaiveDateTime {
    chrono::DateTime::parse_from_rfc3339(&doc.created_at)
        .map(|t| t.naive_utc())
        .unwrap_or_else(|_| doc.date.and_time(chrono::NaiveTime::MIN))
}

fn datetime(at: NaiveDateTime) -> Option<Datetime> {
    let small = |n: u32| u8::try_from(n).ok();
    Datetime::from_ymd_hms(
        at.year(),
        small(at.month())?,
        small(at.day())?,
        small(at.hour())?,
        small(at.minute())?,
        small(at.second())?,
    )
}

fn errors(diagnostics: &[SourceDiagnostic]) -> PdfError {
    let messages: Vec<String> = diagnostics
        .iter()
        .map(|d| {
            let hints = d.hints.iter().map(|h| format!(" (hint: {})", h.v));
            format!("{}{}", d.message, hints.collect::<String>())
        })
        .collect();
    PdfError::Typeset(messages.join("; "))
}

pub(super) fn render(doc: &RieExport, data: &Data, charts: &[Chart]) -> Result<Vec<u8>, PdfError> {
    let json = serde_json::to_vec(data).map_err(|e| PdfError::Typeset(e.to_string()))?;
    let mut files = vec![("/data.json".to_owned(), json)];
    for (i, chart) in charts.iter().enumerate() {
        if let Chart::Svg { svg, .. } = chart {
            files.push((chart_path(i), svg.clone().into_bytes()));
        }
    }
    compile(Job {
        template: ("/rie.typ", TEMPLATE),
        files,
        today: Some(doc.date.and_time(chrono::NaiveTime::MIN)),
        ident: format!("psa-rie-export:{}", doc.id),
        created: Some(created_at(doc)),
    })
}

/// A document to typeset: its template (path and source), the files it reads, and what stands
/// in for the clock. Any of psa's templates; the fonts are the embedded ones.
pub(crate) struct Job {
    pub template: (&'static str, &'static str),
    /// Absolute paths in the document's world (`/data.json`) and their bytes.
    pub files: Vec<(String, Vec<u8>)>,
    /// "Today" for the template, if it may know one.
    pub today: Option<NaiveDateTime>,
    /// Whence the PDF's /ID: the same ident always gives the same one.
    pub ident: String,
    /// The PDF's creation date (UTC); none leaves the document undated.
    pub created: Option<NaiveDateTime>,
}

/// Typesets `job` into a PDF/A-2b.
pub(crate) fn compile(job: Job) -> Result<Vec<u8>, PdfError> {
    let mut files = HashMap::new();
    for (path, bytes) in job.files {
        files.insert(file_id(&path)?, Bytes::new(bytes));
    }
    let (path, source) = job.template;
    let world = ExportWorld {
        main: Source::new(file_id(path)?, source.to_owned()),
        files,
        today: job.today.and_then(datetime),
    };
    typeset(&world, job.ident, job.created.and_then(datetime))
}

/// Compiles the world's document and exports it as PDF/A-2b with the given /ID and date.
fn typeset(world: &ExportWorld, ident: String, at: Option<Datetime>) -> Result<Vec<u8>, PdfError> {
    let started = std::time::Instant::now();
    let compiled = typst::compile::<PagedDocument>(world);
    let laid_out = started.elapsed();
    for warning in &compiled.warnings {
        tracing::debug!(message = %warning.message, "pdf: typst warning");
    }
    let document = compiled.output.map_err(|e| errors(&e))?;
    let options = PdfOptions {
        // The PDF's /ID: the same export always gets the same one.
        ident: Smart::Custom(ident),
        timestamp: at.map(Timestamp::new_utc),
        // PDF/A-2b: an RI&E is kept for years and must open the same way then.
        standards: PdfStandards::new(&[PdfStandard::A_2b])
            .map_err(|e| PdfError::Typeset(e.message().to_string()))?,
        ..PdfOptions::default()
    };
    let bytes = typst_pdf::pdf(&document, &options).map_err(|e| errors(&e));
    tracing::debug!(
        pages = document.pages().len(),
        layout_ms = laid_out.as_millis(),
        total_ms = started.elapsed().as_millis(),
        "pdf: typeset"
    );
    // Each export is typeset once: typst's memoised results would only hold memory (hundreds
    // of megabytes after a large plan) for a document that is never typeset again. Emptying
    // them and freeing the document take about 50 ms that the caller need not wait for.
    let release = move || {
        drop(document);
        typst::comemo::evict(0);
    };
    if let Err(e) = std::thread::Builder::new()
        .name("pdf-release".into())
        .spawn(release)
    {
        tracing::debug!(error = %e, "pdf: no thread to release typst's memory; released here");
        typst::comemo::evict(0);
    }
    bytes
}
