//! Chart (d): the response rate of the round's top group, then of each unit that has at least k
//! invitations of its own (smaller units count with their parent, as `round::progress` decides),
//! as bars with the share and the counts written.

use plotters::prelude::*;

use super::{
    Area, Chart, Drawn, LEFT, RIGHT, bar_scale, font, on_scale, palette, shorten, title, write,
};
use crate::domain::aggregate::one_decimal;
use crate::domain::round::Progress;
use crate::i18n::Lang;
use crate::render::top_group_name;

pub struct ResponseRate<'a> {
    /// Already reduced to what may be shown.
    pub progress: &'a Progress,
    /// Whether the round covered the whole organisation (names the top row).
    pub whole_organisation: bool,
    /// The round's threshold, named in the note.
    pub k: u32,
    pub lang: Lang,
}

const WIDTH: u32 = 900;
const ROW: i32 = 36;
const LABEL_WIDTH: i32 = 250;
const TOP: i32 = 56;
const X0: i32 = LABEL_WIDTH + 10;
const X100: i32 = WIDTH as i32 - 210;

impl Chart for ResponseRate<'_> {
    fn size(&self) -> (u32, u32) {
        let rows = 1 + self.progress.units.len() as i32;
        (WIDTH, (TOP + ROW * rows + 84) as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>) -> Drawn<DB> {
        let lang = self.lang;
        root.fill(&WHITE)?;
        title(root, lang.t("charts.response_rate.title"))?;
        let top = (
            top_group_name(lang, self.whole_organisation),
            self.progress.invited,
            self.progress.responded,
        );
        let units = self
            .progress
            .units
            .iter()
            .map(|u| (shorten(&u.path, 30), u.invited, u.responded));
        let rows: Vec<_> = std::iter::once(top).chain(units).collect();
        let bottom = TOP + ROW * rows.len() as i32;
        bar_scale(root, (X0, X100), (TOP - 6, bottom), "%")?;
        for (row, (name, invited, responded)) in rows.into_iter().enumerate() {
            let y = TOP + ROW * row as i32 + ROW / 2;
            write(root, name, (X0 - 12, y), font(15).pos(RIGHT))?;
            if invited == 0 {
                write(
                    root,
                    lang.t("charts.response_rate.none"),
                    (X0 + 4, y),
                    font(14).pos(LEFT).color(&palette::GREY),
                )?;
                continue;
            }
            let pct = responded as f64 * 100.0 / invited as f64;
            root.draw(&Rectangle::new(
                [
                    (X0, y - 10),
                    (on_scale(pct, (X0, X100)).max(X0 + 1), y + 10),
                ],
                palette::BLUE.filled(),
            ))?;
            let share = one_decimal(i128::from(responded) * 100, i128::from(invited));
            let counts = lang.t_with(
                "charts.response_rate.counts",
                &[
                    ("responded", &responded.to_string()),
                    ("invited", &invited.to_string()),
                ],
            );
            write(
                root,
                format!("{}% · {counts}", lang.decimal(&share)),
                (X100 + 14, y),
                font(15).pos(LEFT),
            )?;
        }
        // The top row is the total: a rule sets it apart from the units.
        root.draw(&PathElement::new(
            vec![(10, TOP + ROW), (WIDTH as i32 - 10, TOP + ROW)],
            palette::GREY,
        ))?;
        let k = self.k.to_string();
        write(
            root,
            lang.t_with("charts.response_rate.note", &[("k", &k)]),
            (10, bottom + 42),
            font(13).pos(LEFT).color(&palette::GREY),
        )
    }
}

#[cfg(test)]
mod tests {
    use crate::i18n::Lang;
    use crate::render::charts::ChartName::ResponseRate;
    use crate::render::charts::fixtures::{Data, assert_snapshot};

    #[test]
    fn the_response_rate_shows_only_units_with_k_invitations_and_is_held_by_its_snapshot() {
        // Kantoor 12 invited, Zorg 10, Zorg/Nacht 4: Nacht counts with Zorg.
        let data = Data::new();
        let svg = data.svg(ResponseRate, Lang::Nl);
        assert!(svg.contains("61,5% · 16 van 26"), "the total");
        assert!(svg.contains("75,0% · 9 van 12"), "Kantoor");
        assert!(svg.contains("50,0% · 7 van 14"), "Zorg with Nacht");
        assert!(
            !svg.contains("Zorg/Nacht"),
            "fewer than k invitations: not a row"
        );
        assert!(
            data.svg(ResponseRate, Lang::En)
                .contains("61.5% · 16 of 26")
        );
        assert_snapshot("response-rate-nl.svg", svg.as_bytes());
    }
}
