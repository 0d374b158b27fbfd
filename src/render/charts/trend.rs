//! Chart (c): per category, the top group's figure (behaviour: `exposed_pct`; strain: the mean)
//! over the closed rounds, oldest first. A round that does not show a category leaves a gap.
//! Lines differ by colour, marker shape and dash, and are named at their end with their latest
//! shown value, so the chart reads without colour.

use chrono::NaiveDate;
use plotters::prelude::*;

use super::{
    Area, BELOW, Chart, Drawn, Figure, LEFT, RIGHT, font, on_scale, palette, shorten, title,
    units_per_point, wrap, write,
};
use crate::domain::Questionnaire;
use crate::domain::results::RoundResults;
use crate::i18n::Lang;
use crate::render::text;

/// One closed round on the trend chart.
pub struct TrendRound {
    pub name: String,
    /// Its close date (Europe/Amsterdam).
    pub closed: NaiveDate,
    /// Its stored results; categories not comparable with the charted round left out.
    pub results: RoundResults,
}

pub struct Trend<'a> {
    /// The charted round's questionnaire: its categories are the lines.
    pub q: &'a Questionnaire,
    /// Oldest first, the charted round last.
    pub rounds: &'a [TrendRound],
    pub lang: Lang,
}

const WIDTH: u32 = 1040;
const PLOT_TOP: i32 = 64;
const PLOT_BOTTOM: i32 = 364;
/// The plot's left and right edges; end labels go right of it.
const PX0: i32 = 70;
const PX1: i32 = 660;
const LABEL_X: i32 = PX1 + 24;
/// The least distance between two end labels.
const LABEL_GAP: i32 = 20;

fn y_of(value: f64) -> i32 {
    on_scale(value, (PLOT_BOTTOM, PLOT_TOP))
}

#[derive(Debug, Clone, Copy)]
enum Marker {
    Circle,
    Square,
    TriangleUp,
    Diamond,
    TriangleDown,
    Cross,
    Plus,
}

/// One line's look: colour, marker and dash (on, off; `None`: solid). Seven categories get seven
/// distinct markers and colours, and three dashes in turn.
struct Series {
    colour: RGBColor,
    marker: Marker,
    dash: Option<(i32, i32)>,
}

fn series(index: usize) -> Series {
    const COLOURS: [RGBColor; 7] = [
        palette::BLUE,
        palette::VERMILLION,
        palette::GREEN,
        palette::ORANGE,
        palette::PURPLE,
        palette::SKY_BLUE,
        BLACK,
    ];
    const MARKERS: [Marker; 7] = [
        Marker::Circle,
        Marker::Square,
        Marker::TriangleUp,
        Marker::Diamond,
        Marker::TriangleDown,
        Marker::Cross,
        Marker::Plus,
    ];
    const DASHES: [Option<(i32, i32)>; 3] = [None, Some((9, 5)), Some((2, 4))];
    Series {
        colour: COLOURS[index % COLOURS.len()],
        marker: MARKERS[index % MARKERS.len()],
        dash: DASHES[index % DASHES.len()],
    }
}

impl Series {
    fn mark<DB: DrawingBackend>(&self, root: &Area<DB>, (x, y): (i32, i32)) -> Drawn<DB> {
        let fill = self.colour.filled();
        let stroke = self.colour.stroke_width(3);
        match self.marker {
            Marker::Circle => root.draw(&Circle::new((x, y), 5, fill)),
            Marker::Square => root.draw(&Rectangle::new([(x - 5, y - 5), (x + 5, y + 5)], fill)),
            Marker::TriangleUp => root.draw(&Polygon::new(
                vec![(x, y - 7), (x + 6, y + 5), (x - 6, y + 5)],
                fill,
            )),
            Marker::Diamond => root.draw(&Polygon::new(
                vec![(x, y - 7), (x + 7, y), (x, y + 7), (x - 7, y)],
                fill,
            )),
            Marker::TriangleDown => root.draw(&Polygon::new(
                vec![(x, y + 7), (x + 6, y - 5), (x - 6, y - 5)],
                fill,
            )),
            Marker::Cross => {
                root.draw(&PathElement::new(
                    vec![(x - 5, y - 5), (x + 5, y + 5)],
                    stroke,
                ))?;
                root.draw(&PathElement::new(
                    vec![(x - 5, y + 5), (x + 5, y - 5)],
                    stroke,
                ))
            }
            Marker::Plus => {
                root.draw(&PathElement::new(vec![(x - 6, y), (x + 6, y)], stroke))?;
                root.draw(&PathElement::new(vec![(x, y - 6), (x, y + 6)], stroke))
            }
        }
    }

    /// A straight line from `a` to `b` in this series' dash, the pattern starting at `a`.
    fn line<DB: DrawingBackend>(&self, root: &Area<DB>, a: (i32, i32), b: (i32, i32)) -> Drawn<DB> {
        let style = self.colour.stroke_width(2);
        let Some((on, off)) = self.dash else {
            return root.draw(&PathElement::new(vec![a, b], style));
        };
        let (dx, dy) = (f64::from(b.0 - a.0), f64::from(b.1 - a.1));
        let length = dx.hypot(dy);
        let at = |t: f64| {
            let f = t / length;
            (a.0 + (dx * f).round() as i32, a.1 + (dy * f).round() as i32)
        };
        let mut t = 0.0;
        while t < length {
            let end = (t + f64::from(on)).min(length);
            root.draw(&PathElement::new(vec![at(t), at(end)], style))?;
            t += f64::from(on + off);
        }
        Ok(())
    }
}

/// Moves label positions (sorted ascending) apart by at least `LABEL_GAP`, within the plot.
fn spread(ys: &mut [i32]) {
    for i in 1..ys.len() {
        ys[i] = ys[i].max(ys[i - 1] + LABEL_GAP);
    }
    let mut limit = PLOT_BOTTOM + 8;
    for y in ys.iter_mut().rev() {
        *y = (*y).min(limit);
        limit = *y - LABEL_GAP;
    }
}

impl Trend<'_> {
    fn x_of(&self, round: usize) -> i32 {
        match self.rounds.len() {
            0 | 1 => (PX0 + PX1) / 2,
            n => PX0 + 40 + (PX1 - PX0 - 80) * round as i32 / (n as i32 - 1),
        }
    }
}

impl Chart for Trend<'_> {
    fn size(&self) -> (u32, u32) {
        (WIDTH, (PLOT_BOTTOM + 150) as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>) -> Drawn<DB> {
        let lang = self.lang;
        root.fill(&WHITE)?;
        title(root, lang.t("charts.trend.title"))?;
        for tick in (0..=100).step_by(25) {
            let y = y_of(f64::from(tick));
            root.draw(&PathElement::new(vec![(PX0, y), (PX1, y)], palette::GRID))?;
            write(root, tick.to_string(), (PX0 - 8, y), font(14).pos(RIGHT))?;
        }
        // Each round under its place: its name (at most two lines) and close date.
        let spacing = match self.rounds.len() {
            0 | 1 => PX1 - PX0,
            n => (PX1 - PX0 - 80) / (n as i32 - 1),
        };
        let chars = (spacing / 8).clamp(6, 24) as usize;
        for (i, round) in self.rounds.iter().enumerate() {
            let x = self.x_of(i);
            root.draw(&PathElement::new(
                vec![(x, PLOT_TOP), (x, PLOT_BOTTOM)],
                palette::GRID,
            ))?;
            let mut lines = wrap(&round.name, chars, 2);
            lines.push(round.closed.format("%Y-%m-%d").to_string());
            for (j, line) in lines.into_iter().enumerate() {
                let y = PLOT_BOTTOM + 8 + 17 * j as i32;
                write(root, line, (x, y), font(13).pos(BELOW))?;
            }
        }
        let scales = units_per_point(self.q);
        let mut labels = Vec::new();
        let mut never_shown = Vec::new();
        for (index, (category, units)) in self.q.categories.iter().zip(scales).enumerate() {
            let look = series(index);
            let points: Vec<Option<(i32, i32, String)>> = self
                .rounds
                .iter()
                .enumerate()
                .map(|(i, round)| {
                    let f = round
                        .results
                        .groups
                        .first()?
                        .categories
                        .get(&category.id)?
                        .shown()?;
                    let figure = Figure::of(category.kind, f, units, lang);
                    Some((self.x_of(i), y_of(figure.value), figure.text))
                })
                .collect();
            // Lines join neighbouring shown rounds only: a hidden round is a gap.
            for pair in points.windows(2) {
                if let [Some(a), Some(b)] = pair {
                    look.line(root, (a.0, a.1), (b.0, b.1))?;
                }
            }
            for (x, y, _) in points.iter().flatten() {
                look.mark(root, (*x, *y))?;
            }
            let name = text(lang, &category.name);
            match points.iter().rposition(Option::is_some) {
                Some(last) => {
                    let (_, y, value) = points[last].clone().unwrap_or_default();
                    // A line that ends before the charted round says when its value was.
                    let label = if last + 1 == self.rounds.len() {
                        format!("{name} {value}")
                    } else {
                        let closed = self.rounds[last].closed.format("%Y-%m-%d");
                        format!("{name} {value} ({closed})")
                    };
                    labels.push((y, index, shorten(&label, 44)));
                }
                None => never_shown.push(name),
            }
        }
        labels.sort();
        let mut ys: Vec<i32> = labels.iter().map(|(y, _, _)| *y).collect();
        spread(&mut ys);
        for ((_, index, label), y) in labels.into_iter().zip(ys) {
            let look = series(index);
            look.line(root, (LABEL_X, y), (LABEL_X + 28, y))?;
            look.mark(root, (LABEL_X + 14, y))?;
            write(root, label, (LABEL_X + 36, y), font(14).pos(LEFT))?;
        }
        let notes = PLOT_BOTTOM + 76;
        write(
            root,
            lang.t("charts.values"),
            (10, notes),
            font(13).pos(LEFT),
        )?;
        write(
            root,
            lang.t("charts.trend.gap"),
            (10, notes + 22),
            font(13).pos(LEFT).color(&palette::GREY),
        )?;
        if !never_shown.is_empty() {
            let hidden = lang.t_with(
                "charts.trend.never_shown",
                &[("categories", &never_shown.join(", "))],
            );
            for (i, line) in wrap(&hidden, 130, 2).into_iter().enumerate() {
                let y = notes + 44 + 18 * i as i32;
                write(
                    root,
                    line,
                    (10, y),
                    font(13).pos(LEFT).color(&palette::GREY),
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::charts::ChartName;
    use crate::render::charts::fixtures::{Data, assert_snapshot};

    #[test]
    fn end_labels_keep_their_distance_within_the_plot() {
        let mut ys = [100, 100, 105, 300, PLOT_BOTTOM, PLOT_BOTTOM];
        spread(&mut ys);
        assert_eq!(ys, [100, 120, 140, 300, PLOT_BOTTOM - 12, PLOT_BOTTOM + 8]);
    }

    #[test]
    fn the_trend_leaves_a_gap_where_a_round_hides_a_category_and_is_held_by_its_snapshot() {
        let data = Data::new();
        let svg = data.svg(ChartName::Trend, Lang::Nl);
        for shown in [
            "pesten 18,8%",
            "PSA voorjaar",
            "2025-06-15",
            "In geen ronde getoond: agressie en geweld, intimidatie",
        ] {
            assert!(svg.contains(shown), "{shown}");
        }
        assert!(
            data.svg(ChartName::Trend, Lang::En)
                .contains("bullying 18.8%")
        );
        assert_snapshot("trend-nl.svg", svg.as_bytes());
    }
}
