//! Chart (a): per category of the round's top group, the prevalence (behaviour: `exposed_pct`)
//! or the mean (strain) with its 95% interval as a whisker, the written traffic light, and the
//! national benchmark as a diamond.

use plotters::prelude::*;

use super::{
    Area, BELOW, Chart, Drawn, Figure, LEFT, RIGHT, bar_scale, font, light, on_scale, palette,
    title, units_per_point, write,
};
use crate::domain::Questionnaire;
use crate::domain::results::{CategoryResult, RoundResults};
use crate::i18n::Lang;
use crate::render::text;

pub struct Categories<'a> {
    pub q: &'a Questionnaire,
    pub results: &'a RoundResults,
    pub lang: Lang,
}

const WIDTH: u32 = 900;
const ROW: i32 = 44;
const LABEL_WIDTH: i32 = 230;
const TOP: i32 = 60;
/// Where 0 and 100 lie on the horizontal axis.
const X0: i32 = LABEL_WIDTH + 10;
const X100: i32 = WIDTH as i32 - 190;

fn x_of(value: f64) -> i32 {
    on_scale(value, (X0, X100))
}

impl Chart for Categories<'_> {
    fn size(&self) -> (u32, u32) {
        (
            WIDTH,
            TOP as u32 + ROW as u32 * self.q.categories.len() as u32 + 70,
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>) -> Drawn<DB> {
        let lang = self.lang;
        root.fill(&WHITE)?;
        title(root, lang.t("charts.categories.title"))?;
        let bottom = TOP + ROW * self.q.categories.len() as i32;
        // The scale: 0 to 100, percent for behaviour, points for strain.
        bar_scale(root, (X0, X100), (TOP - 6, bottom), "")?;
        write(
            root,
            lang.t("charts.categories.axis"),
            ((X0 + X100) / 2, bottom + 28),
            font(14).pos(BELOW),
        )?;
        let top = self.results.groups.first();
        let scales = units_per_point(self.q);
        for (row, (category, units)) in self.q.categories.iter().zip(scales).enumerate() {
            let y = TOP + ROW * row as i32 + ROW / 2;
            write(
                root,
                text(lang, &category.name),
                (X0 - 12, y),
                font(15).pos(RIGHT),
            )?;
            let shown = top
                .and_then(|g| g.categories.get(&category.id))
                .and_then(|r| r.shown());
            match shown {
                Some(f) => draw_row(root, f, Figure::of(category.kind, f, units, lang), y, lang)?,
                None => write(
                    root,
                    lang.t("charts.hidden"),
                    (X0 + 4, y),
                    font(14).pos(LEFT).color(&palette::GREY),
                )?,
            }
        }
        Ok(())
    }
}

fn draw_row<DB: DrawingBackend>(
    root: &Area<DB>,
    f: &CategoryResult,
    figure: Figure,
    y: i32,
    lang: Lang,
) -> Drawn<DB> {
    let (colour, light) = light(f.risk.light, lang);
    root.draw(&Rectangle::new(
        [(X0, y - 11), (x_of(figure.value).max(X0 + 1), y + 11)],
        colour.filled(),
    ))?;
    // The interval: a whisker with end caps, black so it reads on every bar colour.
    let (xl, xh) = (x_of(figure.low), x_of(figure.high));
    root.draw(&PathElement::new(
        vec![(xl, y), (xh, y)],
        BLACK.stroke_width(2),
    ))?;
    for x in [xl, xh] {
        root.draw(&PathElement::new(
            vec![(x, y - 7), (x, y + 7)],
            BLACK.stroke_width(2),
        ))?;
    }
    if let Some(benchmark) = f.risk.benchmark_pct {
        let x = x_of(benchmark.to_f64());
        root.draw(&Polygon::new(
            vec![(x, y - 8), (x + 6, y), (x, y + 8), (x - 6, y)],
            WHITE.filled(),
        ))?;
        root.draw(&PathElement::new(
            vec![(x, y - 8), (x + 6, y), (x, y + 8), (x - 6, y), (x, y - 8)],
            BLACK.stroke_width(2),
        ))?;
    }
    write(
        root,
        format!("{} · {light}", figure.text),
        (X100 + 14, y),
        font(15).pos(LEFT),
    )
}

#[cfg(test)]
mod tests {
    use crate::i18n::Lang;
    use crate::render::charts::ChartName::Categories;
    use crate::render::charts::fixtures::{Data, assert_snapshot};

    #[test]
    fn the_categories_chart_writes_lights_and_is_held_by_its_snapshot() {
        let data = Data::new();
        let svg = data.svg(Categories, Lang::Nl);
        // Written lights, hidden categories named as such, Dutch decimal comma.
        assert!(svg.contains("18,8% · rood"), "3 of 16 exposed");
        assert!(svg.contains("verborgen"));
        assert!(data.svg(Categories, Lang::En).contains("18.8% · red"));
        assert_snapshot("categories-nl.svg", svg.as_bytes());
    }
}
