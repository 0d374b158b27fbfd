//! Chart (b): the round's groups (the top, then each unit with its sub-units) × categories. A
//! shown cell is coloured by its traffic light and writes the value and the light; a hidden
//! cell is grey, hatched and says "hidden", with no figure at all.

use plotters::prelude::*;

use super::{
    Area, CENTRE, Chart, Drawn, Figure, LEFT, RIGHT, font, hatch, light, palette, shorten, title,
    units_per_point, wrap, write,
};
use crate::domain::Questionnaire;
use crate::domain::results::RoundResults;
use crate::i18n::Lang;
use crate::render::{text, top_group_name};

pub struct Heatmap<'a> {
    pub q: &'a Questionnaire,
    pub results: &'a RoundResults,
    /// Whether the round covered the whole organisation (names the top row).
    pub whole_organisation: bool,
    pub lang: Lang,
}

const LABEL_WIDTH: i32 = 250;
const COLUMN: i32 = 108;
const ROW: i32 = 44;
/// Where the first row starts: below the title and the column headings.
const TOP: i32 = 112;
/// Space between cells, so that neighbouring cells of one colour stay apart.
const GAP: i32 = 2;
const NOTES: i32 = 64;

impl Chart for Heatmap<'_> {
    fn size(&self) -> (u32, u32) {
        let columns = self.q.categories.len() as i32;
        let rows = self.results.groups.len() as i32;
        (
            (LABEL_WIDTH + COLUMN * columns + 20).max(720) as u32,
            (TOP + ROW * rows + NOTES) as u32,
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>) -> Drawn<DB> {
        let lang = self.lang;
        root.fill(&WHITE)?;
        title(root, lang.t("charts.heatmap.title"))?;
        for (column, category) in self.q.categories.iter().enumerate() {
            let x = LABEL_WIDTH + COLUMN * column as i32 + COLUMN / 2;
            let lines = wrap(&text(lang, &category.name), 14, 3);
            // Bottom-aligned headings: the last line sits just above the first row.
            let first = TOP - 12 - 17 * (lines.len() as i32 - 1);
            for (i, line) in lines.into_iter().enumerate() {
                write(root, line, (x, first + 17 * i as i32), font(14).pos(CENTRE))?;
            }
        }
        let scales = units_per_point(self.q);
        for (row, group) in self.results.groups.iter().enumerate() {
            let y = TOP + ROW * row as i32;
            let name = match group.unit_id {
                None => top_group_name(lang, self.whole_organisation),
                Some(_) => shorten(&group.path, 30),
            };
            write(
                root,
                name,
                (LABEL_WIDTH - 12, y + ROW / 2),
                font(15).pos(RIGHT),
            )?;
            for (column, (category, units)) in self.q.categories.iter().zip(&scales).enumerate() {
                let x = LABEL_WIDTH + COLUMN * column as i32;
                let (from, to) = ((x + GAP, y + GAP), (x + COLUMN - GAP, y + ROW - GAP));
                let centre = x + COLUMN / 2;
                match group.categories.get(&category.id).and_then(|r| r.shown()) {
                    Some(f) => {
                        let figure = Figure::of(category.kind, f, *units, lang);
                        let (colour, light) = light(f.risk.light, lang);
                        root.draw(&Rectangle::new([from, to], colour.filled()))?;
                        write(root, figure.text, (centre, y + 14), font(15).pos(CENTRE))?;
                        write(root, light, (centre, y + 31), font(13).pos(CENTRE))?;
                    }
                    None => {
                        root.draw(&Rectangle::new([from, to], palette::HIDDEN.filled()))?;
                        hatch(root, from, to, palette::GRID)?;
                        // A white label box keeps the word readable over the hatching.
                        root.draw(&Rectangle::new(
                            [
                                (centre - 38, y + ROW / 2 - 9),
                                (centre + 38, y + ROW / 2 + 9),
                            ],
                            WHITE.filled(),
                        ))?;
                        write(
                            root,
                            lang.t("charts.heatmap.hidden"),
                            (centre, y + ROW / 2),
                            font(13).pos(CENTRE).color(&palette::GREY),
                        )?;
                    }
                }
            }
        }
        let notes = TOP + ROW * self.results.groups.len() as i32 + 18;
        write(
            root,
            lang.t("charts.values"),
            (10, notes),
            font(13).pos(LEFT),
        )?;
        let k = self.results.min_group_size.to_string();
        write(
            root,
            lang.t_with("charts.heatmap.hidden_note", &[("k", &k)]),
            (10, notes + 22),
            font(13).pos(LEFT).color(&palette::GREY),
        )
    }
}

#[cfg(test)]
mod tests {
    use crate::i18n::Lang;
    use crate::render::charts::ChartName::Heatmap;
    use crate::render::charts::fixtures::{Data, assert_snapshot};

    #[test]
    fn the_heat_map_marks_hidden_cells_without_a_figure_and_is_held_by_its_snapshot() {
        let data = Data::new();
        let svg = data.svg(Heatmap, Lang::Nl);
        for shown in [
            "De hele organisatie",
            "Kantoor",
            "Zorg/Nacht",
            "18,8%",
            "37,5%",
            "rood",
        ] {
            assert!(svg.contains(shown), "{shown}");
        }
        // Zorg/Nacht (3 respondents) is hidden in every category: 7 hidden cells in its row,
        // and the 5 unanswered behaviour categories in each of the three other rows.
        assert_eq!(svg.matches(">\nverborgen\n<").count(), 7 + 3 * 5);
        let english = data.svg(Heatmap, Lang::En);
        assert!(english.contains("The whole organisation") && english.contains(">\nhidden\n<"));
        assert_snapshot("heatmap-nl.svg", svg.as_bytes());
    }
}
