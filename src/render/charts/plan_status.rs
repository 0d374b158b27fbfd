//! Chart (e): the plan of action's items per category, as stacked bars of their standing on a
//! given day (done, running, planned, overdue; cancelled items count nowhere), with every count
//! written beside its bar. Overdue is hatched as well as coloured.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use plotters::prelude::*;

use super::{
    Area, BELOW, CENTRE, Chart, Drawn, LEFT, RIGHT, font, hatch, palette, shorten, title, write,
};
use crate::domain::Questionnaire;
use crate::domain::plan::Standing;
use crate::i18n::Lang;
use crate::render::text;

pub struct PlanStatus<'a> {
    /// Categories are named and ordered by this questionnaire; others follow by id.
    pub q: &'a Questionnaire,
    /// Each counting item's category and standing.
    pub items: &'a [(String, Standing)],
    /// The day the standings were taken, written in the title.
    pub today: NaiveDate,
    pub lang: Lang,
}

const STANDINGS: [Standing; 4] = [
    Standing::Done,
    Standing::Running,
    Standing::Planned,
    Standing::Overdue,
];

fn colour(standing: Standing) -> RGBColor {
    match standing {
        Standing::Done => palette::GREEN,
        Standing::Running => palette::SKY_BLUE,
        Standing::Planned => palette::YELLOW,
        Standing::Overdue => palette::VERMILLION,
    }
}

fn key(standing: Standing) -> &'static str {
    match standing {
        Standing::Done => "charts.plan_status.done",
        Standing::Running => "charts.plan_status.running",
        Standing::Planned => "charts.plan_status.planned",
        Standing::Overdue => "charts.plan_status.overdue",
    }
}

const WIDTH: u32 = 960;
const ROW: i32 = 40;
const LABEL_WIDTH: i32 = 250;
const TOP: i32 = 84;
const X0: i32 = LABEL_WIDTH + 10;
const BAR_MAX: i32 = 330;

impl PlanStatus<'_> {
    /// Per row (category name), the count of each standing, in `STANDINGS` order.
    fn rows(&self) -> Vec<(String, [u64; 4])> {
        let mut counts: BTreeMap<&str, [u64; 4]> = BTreeMap::new();
        for (category, standing) in self.items {
            let slot = STANDINGS.iter().position(|s| s == standing).unwrap_or(0);
            counts.entry(category).or_default()[slot] += 1;
        }
        let mut rows: Vec<(String, [u64; 4])> = self
            .q
            .categories
            .iter()
            .map(|c| {
                let n = counts.remove(c.id.as_str()).unwrap_or_default();
                (text(self.lang, &c.name), n)
            })
            .collect();
        rows.extend(counts.into_iter().map(|(id, n)| (id.to_owned(), n)));
        rows
    }
}

/// A step for at most about six ticks from 0 to `max`: 1, 2 or 5 times a power of ten.
pub(super) fn tick_step(max: u64) -> u64 {
    let mut step = 1;
    loop {
        for factor in [1, 2, 5] {
            if max <= step * factor * 6 {
                return step * factor;
            }
        }
        step *= 10;
    }
}

impl Chart for PlanStatus<'_> {
    fn size(&self) -> (u32, u32) {
        (WIDTH, (TOP + ROW * self.rows().len() as i32 + 50) as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>) -> Drawn<DB> {
        let lang = self.lang;
        root.fill(&WHITE)?;
        let date = self.today.format("%Y-%m-%d").to_string();
        title(
            root,
            lang.t_with("charts.plan_status.title", &[("date", &date)]),
        )?;
        // The legend: each standing's swatch and name, in bar order.
        let mut x = 10;
        for standing in STANDINGS {
            swatch(root, standing, (x, 44), (x + 22, 60))?;
            let name = lang.t(key(standing)).into_owned();
            let width = 36 + 9 * name.chars().count() as i32;
            write(root, name, (x + 30, 52), font(14).pos(LEFT))?;
            x += width;
        }
        let rows = self.rows();
        let max = rows
            .iter()
            .map(|(_, n)| n.iter().sum::<u64>())
            .max()
            .unwrap_or(0)
            .max(1);
        let step = tick_step(max);
        let scale_max = max.div_ceil(step) * step;
        let x_of = |count: u64| X0 + (count as f64 / scale_max as f64 * f64::from(BAR_MAX)) as i32;
        let bottom = TOP + ROW * rows.len() as i32;
        for tick in (0..=scale_max).step_by(step as usize) {
            let x = x_of(tick);
            root.draw(&PathElement::new(
                vec![(x, TOP - 4), (x, bottom)],
                palette::GRID,
            ))?;
            write(root, tick.to_string(), (x, bottom + 6), font(14).pos(BELOW))?;
        }
        for (row, (name, counts)) in rows.into_iter().enumerate() {
            let y = TOP + ROW * row as i32 + ROW / 2;
            write(root, shorten(&name, 30), (X0 - 12, y), font(15).pos(RIGHT))?;
            let mut from = 0;
            let mut parts = Vec::new();
            for (standing, count) in STANDINGS.into_iter().zip(counts) {
                if count == 0 {
                    continue;
                }
                let (x0, x1) = (x_of(from), x_of(from + count));
                swatch(root, standing, (x0, y - 11), (x1, y + 11))?;
                if x1 - x0 >= 20 {
                    // Counts inside segments wide enough; the text beside the bar has them all.
                    root.draw(&Rectangle::new(
                        [((x0 + x1) / 2 - 8, y - 8), ((x0 + x1) / 2 + 8, y + 8)],
                        WHITE.filled(),
                    ))?;
                    write(
                        root,
                        count.to_string(),
                        ((x0 + x1) / 2, y),
                        font(13).pos(CENTRE),
                    )?;
                }
                from += count;
                parts.push(format!("{count} {}", lang.t(key(standing))));
            }
            let written = if parts.is_empty() {
                lang.t("charts.plan_status.no_items").into_owned()
            } else {
                parts.join(" · ")
            };
            write(root, written, (X0 + BAR_MAX + 14, y), font(14).pos(LEFT))?;
        }
        write(
            root,
            lang.t("charts.plan_status.axis"),
            (X0 + BAR_MAX / 2, bottom + 26),
            font(13).pos(BELOW).color(&palette::GREY),
        )
    }
}

/// A standing's colour with a black outline; overdue is hatched too, for greyscale print.
fn swatch<DB: DrawingBackend>(
    root: &Area<DB>,
    standing: Standing,
    from: (i32, i32),
    to: (i32, i32),
) -> Drawn<DB> {
    root.draw(&Rectangle::new([from, to], colour(standing).filled()))?;
    if standing == Standing::Overdue {
        hatch(root, from, to, BLACK)?;
    }
    root.draw(&Rectangle::new([from, to], BLACK.stroke_width(1)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::charts::ChartName;
    use crate::render::charts::fixtures::{Data, assert_snapshot};

    #[test]
    fn ticks_are_one_two_or_five_times_a_power_of_ten() {
        assert_eq!(tick_step(1), 1);
        assert_eq!(tick_step(6), 1);
        assert_eq!(tick_step(7), 2);
        assert_eq!(tick_step(30), 5);
        assert_eq!(tick_step(31), 10);
        assert_eq!(tick_step(1000), 200);
    }

    #[test]
    fn the_plan_status_writes_every_count_and_is_held_by_its_snapshot() {
        let data = Data::new();
        let svg = data.svg(ChartName::PlanStatus, Lang::Nl);
        for shown in [
            "stand op 2026-03-01",
            "2 klaar · 1 loopt · 1 te laat",
            "1 gepland · 1 te laat",
            "geen maatregelen",
            "vpo_signaal",
        ] {
            assert!(svg.contains(shown), "{shown}");
        }
        let english = data.svg(ChartName::PlanStatus, Lang::En);
        assert!(english.contains("2 done · 1 running · 1 overdue"));
        assert_snapshot("plan-status-nl.svg", svg.as_bytes());
    }
}
