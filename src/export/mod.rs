//! The RI&E PSA export of a closed round: gathered once from storage into one document, rendered
//! into every format, signed, and stored, so that every download gives the same bytes.

pub mod document;
pub mod signing;

use chrono::NaiveDateTime;

use crate::catalog::Catalog;
use crate::db::DbConnection;
use crate::db::exports::{ExportFile, ExportRow};
use crate::domain::OrganisationId;
use crate::domain::plan::verify_chain;
use crate::domain::questionnaire::CategoryKind;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::plan::{HistoryEntryView, PlanItemView};
use crate::results::ClosedRound;
use document::{
    CategoryPart, Method, OrganisationPart, PlanPart, ResponsePart, RieExport, RoundPart, UnitPart,
    UnitResponse, response_pct,
};

/// What an export is made of besides the round: its id, language and moment.
pub struct Request<'a> {
    pub id: &'a str,
    pub lang: Lang,
    pub now: NaiveDateTime,
}

/// The export of a closed round as it stands now.
pub fn build(
    conn: &mut DbConnection,
    catalog: &Catalog,
    organisation: &OrganisationId,
    (row, q, results): ClosedRound,
    request: Request,
) -> Result<RieExport, AppError> {
    let lang = request.lang;
    let org = crate::db::organisations::get(conn, organisation)?
        .ok_or_else(|| AppError::NotFound("the organisation no longer exists".into()))?;
    let frozen = row.frozen_units();
    let whole = crate::db::rounds::chosen_units(conn, organisation, &row.id)?.is_empty();
    let counts = crate::db::rounds::counts(conn, organisation, &row.id)?;
    let progress = crate::domain::round::progress(&frozen, &counts, row.k());
    let items = crate::db::plan::list(conn, organisation)?;
    let missing = crate::plan::missing_risks(conn, catalog, organisation, &items)?;
    let history = crate::db::plan::history(conn, organisation)?;
    let chain = verify_chain(history.iter().map(|e| (&e.change, e.hash.as_str())));
    let accounts = crate::plan::accounts(conn, organisation)?;
    let checklist = crate::db::policy::checklist(conn, organisation)?;
    let approval = crate::db::policy::approval(conn, organisation, &row.id)?;
    let vpo_reports = crate::vpo::signals::for_round(conn, organisation, &row)?;
    let today = crate::calendar::today();
    let text = |texts: &crate::domain::questionnaire::Texts| {
        texts
            .get(lang.code())
            .or_else(|| texts.values().next())
            .cloned()
            .unwrap_or_default()
    };
    let amsterdam = crate::calendar::local_date;
    let catalogue = catalog.measures();
    Ok(RieExport {
        schema: document::SCHEMA.to_owned(),
        id: request.id.to_owned(),
        created_at: crate::db::utc(request.now),
        date: amsterdam(request.now),
        lang,
        organisation: OrganisationPart {
            name: org.settings.name.to_string(),
            headcount: org.settings.headcount.map(|h| h.get()),
        },
        round: RoundPart {
            id: row.id.clone(),
            name: row.name.clone(),
            opened_at: row.opened_at.map(crate::db::utc),
            closed_at: row.closed_at.map(crate::db::utc),
        },
        method: Method {
            questionnaire_id: q.id.clone(),
            questionnaire_version: q.version.clone(),
            questionnaire_title: text(&q.title),
            questionnaire_digest: row.questionnaire_digest.clone().unwrap_or_default(),
            catalogue: format!("{} {}", catalogue.id, catalogue.version),
            period_from: row.opened_at.map(amsterdam),
            period_to: row.closed_at.map(amsterdam),
            whole_organisation: whole,
            units: frozen
                .iter()
                .map(|u| UnitPart {
                    id: u.id.clone(),
                    path: u.path.clone(),
                    headcount: u.headcount,
                })
                .collect(),
            languages: row.languages(),
            k: row.k().get(),
        },
        categories: q
            .categories
            .iter()
            .map(|c| CategoryPart {
                id: c.id.clone(),
                name: text(&c.name),
                kind: match c.kind {
                    CategoryKind::Behaviour => "behaviour",
                    CategoryKind::Strain => "strain",
                }
                .to_owned(),
            })
            .collect(),
        response: ResponsePart {
            invited: progress.invited,
            responded: progress.responded,
            response_pct: response_pct(progress.invited, progress.responded),
            units: progress
                .units
                .into_iter()
                .map(|u| UnitResponse {
                    response_pct: response_pct(u.invited, u.responded),
                    unit_id: u.unit_id,
                    path: u.path,
                    invited: u.invited,
                    responded: u.responded,
                })
                .collect(),
        },
        results,
        plan: PlanPart {
            items: items
                .into_iter()
                .map(|item| PlanItemView::of(item, today, &accounts))
                .collect(),
            complete: missing.is_empty(),
            missing,
            intact: chain.is_ok(),
            head: chain.unwrap_or_else(|_| {
                history.last().map_or_else(
                    || crate::domain::plan::GENESIS.to_owned(),
                    |e| e.hash.clone(),
                )
            }),
            history: history.into_iter().map(HistoryEntryView::from).collect(),
        },
        checklist: crate::domain::policy::entries(&checklist),
        consent: approval.consent,
        review: approval.review,
        vpo_reports,
    })
}

/// The formats of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Pdf,
    Xlsx,
    Json,
    /// The tables as CSV files.
    Zip,
}

impl Format {
    pub const ALL: [Format; 4] = [Format::Pdf, Format::Xlsx, Format::Json, Format::Zip];

    pub fn extension(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Xlsx => "xlsx",
            Format::Json => "json",
            Format::Zip => "zip",
        }
    }

    pub fn parse(extension: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.extension() == extension)
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Pdf => "application/pdf",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Json => "application/json",
            Format::Zip => "application/zip",
        }
    }
}

/// Makes the export of a closed round by `who`, renders and signs every format, and stores it:
/// `NotFound` for no such round, `Conflict` for one not closed.
pub fn make(
    conn: &mut DbConnection,
    catalog: &Catalog,
    signer: &signing::ExportSigner,
    organisation: &OrganisationId,
    round_id: &str,
    request: Request,
    who: &str,
) -> Result<ExportRow, AppError> {
    use crate::render::export as render;
    let round = crate::results::closed_round(conn, organisation, round_id)?;
    let charts = charts(conn, organisation, &round, request.lang)?;
    let q = round.1.clone();
    let row = ExportRow {
        id: request.id.to_owned(),
        organisation_id: organisation.to_string(),
        round_id: round.0.id.clone(),
        lang: request.lang.code().to_owned(),
        created_at: request.now,
        created_by: who.to_owned(),
    };
    let doc = build(conn, catalog, organisation, round, request)?;
    let tables = render::tables::tables(&doc, &q);
    let at = render::stamp(&doc);
    let failed = |e: String| AppError::Internal(format!("rendering the export: {e}"));
    // The PDF takes longest: it is typeset on a thread of its own while the others are made.
    let (pdf, others) = std::thread::scope(|scope| {
        let pdf = scope.spawn(|| render::pdf::pdf(&doc, &tables, &charts));
        let others = (|| {
            Ok::<_, AppError>([
                (Format::Json, render::json(&doc).map_err(failed)?),
                (
                    Format::Zip,
                    render::spreadsheet::csv_zip(doc.lang, &tables, at).map_err(failed)?,
                ),
                (
                    Format::Xlsx,
                    render::spreadsheet::xlsx(&tables, at).map_err(failed)?,
                ),
            ])
        })();
        let pdf = pdf
            .join()
            .map_err(|_| AppError::Internal("typesetting the export's PDF panicked".into()));
        (pdf, others)
    });
    let pdf = pdf?.map_err(|e| failed(e.to_string()))?;
    let rendered = others?.into_iter().chain([(Format::Pdf, pdf)]);
    let files: Vec<ExportFile> = rendered
        .map(|(format, bytes)| ExportFile {
            format: format.extension().to_owned(),
            signature: signer.sign(&bytes),
            bytes,
        })
        .collect();
    crate::db::exports::create(conn, &row, &files)?;
    Ok(row)
}

/// Every chart of the round, titled in `lang`, for the PDF: as SVG, but the heatmap, which the
/// PDF prints from the results as a table.
pub fn charts(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    round: &ClosedRound,
    lang: Lang,
) -> Result<Vec<crate::render::export::pdf::Chart>, AppError> {
    use crate::render::charts::{ChartName, Format};
    use crate::render::export::pdf::Chart;
    ChartName::ALL
        .into_iter()
        .map(|chart| {
            let title = lang
                .t(&format!(
                    "charts.{}.title",
                    chart.as_str().replace('-', "_")
                ))
                .into_owned();
            if chart == ChartName::Heatmap {
                return Ok(Chart::Heatmap { title });
            }
            let svg = crate::charts::draw(conn, organisation, round, chart, Format::Svg, lang)?;
            Ok(Chart::Svg {
                title,
                svg: String::from_utf8(svg).map_err(|e| AppError::Internal(e.to_string()))?,
            })
        })
        .collect()
}
