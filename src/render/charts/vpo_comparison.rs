//! The chart of the confidential counsellor's annual report: in-scope reports per behaviour
//! category, this year against the year before, as pairs of horizontal bars with every count
//! written. A hidden count ("< 5" or "x") draws no bar: only its mark is written, so that no
//! length gives it away. The year before is hatched as well as coloured, for greyscale print.

use plotters::prelude::*;

use super::plan_status::tick_step;
use super::{Area, BELOW, Chart, Drawn, LEFT, RIGHT, font, hatch, palette, shorten, title, write};
use crate::domain::vpo::suppression::Shown;
use crate::i18n::Lang;

pub struct VpoComparison<'a> {
    pub title: &'a str,
    pub year: i32,
    /// Per category: its name, the year before's count and this year's, as shown.
    pub bars: &'a [(String, Shown, Shown)],
    pub lang: Lang,
}

const WIDTH: u32 = 960;
const ROW: i32 = 52;
const BAR: i32 = 16;
const TOP: i32 = 90;
const X0: i32 = 270;
const BAR_MAX: i32 = 520;

/// A year's swatch: this year plain blue, the year before sky blue and hatched.
fn swatch<DB: DrawingBackend>(
    root: &Area<DB>,
    previous: bool,
    from: (i32, i32),
    to: (i32, i32),
) -> Drawn<DB> {
    let colour = if previous {
        palette::SKY_BLUE
    } else {
        palette::BLUE
    };
    root.draw(&Rectangle::new([from, to], colour.filled()))?;
    if previous {
        hatch(root, from, to, BLACK)?;
    }
    root.draw(&Rectangle::new([from, to], BLACK.stroke_width(1)))
}

impl Chart for VpoComparison<'_> {
    fn size(&self) -> (u32, u32) {
        let rows = i32::try_from(self.bars.len()).unwrap_or(0);
        (WIDTH, u32::try_from(TOP + ROW * rows + 50).unwrap_or(400))
    }

    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>) -> Drawn<DB> {
        let lang = self.lang;
        root.fill(&WHITE)?;
        title(root, self.title)?;
        let years = [(true, self.year - 1), (false, self.year)];
        let mut x = 10;
        for (previous, year) in years {
            swatch(root, previous, (x, 44), (x + 22, 60))?;
            write(root, year.to_string(), (x + 30, 52), font(14).pos(LEFT))?;
            x += 100;
        }
        write(
            root,
            lang.t("vpo_report.chart.hidden"),
            (x + 10, 52),
            font(13).pos(LEFT).color(&palette::GREY),
        )?;
        let count = |shown: &Shown| match shown {
            Shown::Count(n) => u64::from(*n),
            _ => 0,
        };
        let max = self
            .bars
            .iter()
            .flat_map(|(_, a, b)| [count(a), count(b)])
            .max()
            .unwrap_or(0)
            .max(1);
        let step = tick_step(max);
        let scale_max = max.div_ceil(step) * step;
        let x_of = |n: u64| X0 + (n as f64 / scale_max as f64 * f64::from(BAR_MAX)) as i32;
        let rows = i32::try_from(self.bars.len()).unwrap_or(0);
        let bottom = TOP + ROW * rows;
        for tick in (0..=scale_max).step_by(usize::try_from(step).unwrap_or(1)) {
            let x = x_of(tick);
            root.draw(&PathElement::new(
                vec![(x, TOP - 4), (x, bottom)],
                palette::GRID,
            ))?;
            write(root, tick.to_string(), (x, bottom + 6), font(14).pos(BELOW))?;
        }
        for (row, (name, before, now)) in self.bars.iter().enumerate() {
            let top = TOP + ROW * i32::try_from(row).unwrap_or(0) + 8;
            write(
                root,
                shorten(name, 30),
                (X0 - 12, top + BAR),
                font(15).pos(RIGHT),
            )?;
            for (i, (previous, shown)) in [(true, before), (false, now)].into_iter().enumerate() {
                let y0 = top + i32::try_from(i).unwrap_or(0) * (BAR + 2);
                let y = y0 + BAR / 2;
                match shown {
                    Shown::Count(n) => {
                        let x1 = x_of(u64::from(*n));
                        if x1 > X0 {
                            swatch(root, previous, (X0, y0), (x1, y0 + BAR))?;
                        }
                        write(root, n.to_string(), (x1 + 8, y), font(13).pos(LEFT))?;
                    }
                    hidden => {
                        // No bar: a length would show what the mark hides.
                        write(
                            root,
                            hidden.text(),
                            (X0 + 8, y),
                            font(13).pos(LEFT).color(&palette::GREY),
                        )?;
                    }
                }
            }
        }
        write(
            root,
            lang.t("vpo_report.chart.axis"),
            (X0 + BAR_MAX / 2, bottom + 26),
            font(13).pos(BELOW).color(&palette::GREY),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::charts::fixtures::assert_snapshot;
    use crate::render::charts::{Format, render};

    fn chart_svg(lang: Lang) -> String {
        let bars = vec![
            ("Pesten".to_owned(), Shown::Count(6), Shown::Count(7)),
            ("Intimidatie".to_owned(), Shown::Count(0), Shown::Small),
            (
                "Discriminatie".to_owned(),
                Shown::Withheld,
                Shown::Count(12),
            ),
        ];
        let chart = VpoComparison {
            title: "Meldingen per categorie",
            year: 2026,
            bars: &bars,
            lang,
        };
        String::from_utf8(render(&chart, Format::Svg).unwrap()).unwrap()
    }

    #[test]
    fn hidden_counts_draw_no_bar_and_are_marked_and_every_count_is_written() {
        let svg = chart_svg(Lang::Nl);
        for shown in ["2025", "2026", "&lt; 5", ">\nx\n<", ">\n12\n<", ">\n6\n<"] {
            assert!(svg.contains(shown), "{shown} in the chart");
        }
        // Bars: two years of Pesten, one of Discriminatie; plus the legend's two swatches.
        let bars = svg.matches("fill=\"#0072B2\" stroke=\"none\"").count()
            + svg.matches("fill=\"#56B4E9\" stroke=\"none\"").count();
        assert_eq!(bars, 5, "{svg}");
        assert_snapshot("vpo-comparison-nl.svg", svg.as_bytes());
    }

    #[test]
    fn the_png_draws_too() {
        let bars = vec![("Pesten".to_owned(), Shown::Small, Shown::Count(7))];
        let chart = VpoComparison {
            title: "Reports per category",
            year: 2026,
            bars: &bars,
            lang: Lang::En,
        };
        let png = render(&chart, Format::Png).unwrap();
        assert_eq!(&png[..4], b"\x89PNG");
    }
}
