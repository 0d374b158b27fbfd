//! A closed round's charts: what each needs, gathered from storage, drawn by `render::charts`.
//! Shared by the chart endpoint and the export.

use crate::db::DbConnection;
use crate::db::rounds;
use crate::domain::OrganisationId;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::render::charts::{self, ChartName, Format};
use crate::results::ClosedRound;

/// Draws `chart` of a closed round in `format`.
pub fn draw(
    conn: &mut DbConnection,
    organisation: &OrganisationId,
    (row, q, results): &ClosedRound,
    chart: ChartName,
    format: Format,
    lang: Lang,
) -> Result<Vec<u8>, AppError> {
    // The top group is "the organisation" only when the round covered every unit.
    let whole_organisation = |conn: &mut DbConnection| -> Result<bool, AppError> {
        Ok(rounds::chosen_units(conn, organisation, &row.id)?.is_empty())
    };
    match chart {
        ChartName::Categories => charts::render(&charts::Categories { q, results, lang }, format),
        ChartName::Heatmap => {
            let chart = charts::Heatmap {
                q,
                results,
                whole_organisation: whole_organisation(conn)?,
                lang,
            };
            charts::render(&chart, format)
        }
        ChartName::Trend => {
            let rounds: Vec<charts::TrendRound> =
                crate::results::trend_rounds(conn, organisation, row)?
                    .into_iter()
                    .map(|(row, results)| charts::TrendRound {
                        name: row.name,
                        closed: crate::calendar::local_date(row.closed_at.unwrap_or_default()),
                        results,
                    })
                    .collect();
            charts::render(
                &charts::Trend {
                    q,
                    rounds: &rounds,
                    lang,
                },
                format,
            )
        }
        ChartName::ResponseRate => {
            let whole_organisation = whole_organisation(conn)?;
            let counts = rounds::counts(conn, organisation, &row.id)?;
            let progress = crate::domain::round::progress(&row.frozen_units(), &counts, row.k());
            let chart = charts::ResponseRate {
                progress: &progress,
                whole_organisation,
                k: row.k().get(),
                lang,
            };
            charts::render(&chart, format)
        }
        ChartName::PlanStatus => {
            let today = crate::calendar::today();
            // Cancelled items have no standing and count nowhere.
            let items: Vec<_> = crate::db::plan::list(conn, organisation)?
                .into_iter()
                .filter_map(|item| {
                    let standing = item.status().standing(item.deadline, today)?;
                    Some((item.category, standing))
                })
                .collect();
            let chart = charts::PlanStatus {
                q,
                items: &items,
                today,
                lang,
            };
            charts::render(&chart, format)
        }
    }
    .map_err(AppError::Internal)
}
