//! The small-count rule of the annual report (DOMAIN.md section 8): in every table, counts from 1
//! to 4 show as "< 5"; then, while a row or column whose total is shown has exactly one hidden
//! cell, its smallest other non-zero cell is hidden too, so that no hidden count follows from a
//! total by subtraction. Zeros are shown: nobody is behind them.

use serde::{Serialize, Serializer};

/// Counts below this, and above zero, are never shown.
pub const SMALL: u32 = 5;

/// A count as the report shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    Count(u32),
    /// 1 to 4: "< 5".
    Small,
    /// Hidden so that a total does not reveal a small count: "x".
    Withheld,
}

impl Shown {
    fn of(count: u32) -> Shown {
        if (1..SMALL).contains(&count) {
            Shown::Small
        } else {
            Shown::Count(count)
        }
    }

    pub fn is_hidden(self) -> bool {
        !matches!(self, Shown::Count(_))
    }

    /// As printed: the count, `< 5`, or `x`.
    pub fn text(self) -> String {
        match self {
            Shown::Count(n) => n.to_string(),
            Shown::Small => format!("< {SMALL}"),
            Shown::Withheld => "x".to_owned(),
        }
    }
}

/// In JSON a shown count is a number; a hidden one is the string `"< 5"` or `"x"`.
impl Serialize for Shown {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Shown::Count(n) => serializer.serialize_u32(*n),
            hidden => serializer.serialize_str(&hidden.text()),
        }
    }
}

/// A count as the API's schema describes it: a number, or `"< 5"` or `"x"` (see `Shown`).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum ShownCount {
    Count(u32),
    Hidden(HiddenMark),
}

#[derive(Serialize, utoipa::ToSchema)]
pub enum HiddenMark {
    /// 1 to 4.
    #[serde(rename = "< 5")]
    Small,
    /// Hidden so that a total does not reveal a small count.
    #[serde(rename = "x")]
    Withheld,
}

/// A table of counts as shown: its cells, and the totals of its rows and columns when it has
/// them (a table whose cases count in several rows, such as categories, has no column totals).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ShownTable {
    #[schema(value_type = Vec<Vec<ShownCount>>)]
    pub cells: Vec<Vec<Shown>>,
    /// One per row, or empty.
    #[schema(value_type = Vec<ShownCount>)]
    pub row_totals: Vec<Shown>,
    /// One per column, or empty.
    #[schema(value_type = Vec<ShownCount>)]
    pub column_totals: Vec<Shown>,
    /// The grand total, when the table has totals both ways.
    #[schema(value_type = Option<ShownCount>)]
    pub total: Option<Shown>,
}

/// A line of counts and the total they add up to, as positions in the working grid.
struct Line {
    cells: Vec<(usize, usize)>,
    total: (usize, usize),
}

/// Applies the rule to `counts` (rows of equal length). Row totals are added when `row_totals`,
/// column totals when `column_totals`, and the grand total when both are.
pub fn suppress(counts: &[Vec<u32>], row_totals: bool, column_totals: bool) -> ShownTable {
    let rows = counts.len();
    let columns = counts.first().map_or(0, Vec::len);
    // The working grid: the counts, a column of row totals and a row of column totals.
    let mut values = vec![vec![0u32; columns + 1]; rows + 1];
    for (r, row) in counts.iter().enumerate() {
        for (c, &n) in row.iter().enumerate().take(columns) {
            values[r][c] = n;
            values[r][columns] += n;
            values[rows][c] += n;
            values[rows][columns] += n;
        }
    }
    let mut shown: Vec<Vec<Shown>> = values
        .iter()
        .map(|row| row.iter().map(|&n| Shown::of(n)).collect())
        .collect();
    let mut lines = Vec::new();
    if row_totals {
        for r in 0..rows {
            lines.push(Line {
                cells: (0..columns).map(|c| (r, c)).collect(),
                total: (r, columns),
            });
        }
    }
    if column_totals {
        for c in 0..columns {
            lines.push(Line {
                cells: (0..rows).map(|r| (r, c)).collect(),
                total: (rows, c),
            });
        }
    }
    if row_totals && column_totals {
        lines.push(Line {
            cells: (0..rows).map(|r| (r, columns)).collect(),
            total: (rows, columns),
        });
        lines.push(Line {
            cells: (0..columns).map(|c| (rows, c)).collect(),
            total: (rows, columns),
        });
    }
    // Each pass hides at least one more cell, so this ends.
    loop {
        let mut changed = false;
        for line in &lines {
            let (tr, tc) = line.total;
            if shown[tr][tc].is_hidden() {
                continue;
            }
            let hidden = line
                .cells
                .iter()
                .filter(|&&(r, c)| shown[r][c].is_hidden())
                .count();
            if hidden != 1 {
                continue;
            }
            let smallest = line
                .cells
                .iter()
                .copied()
                .filter(|&(r, c)| !shown[r][c].is_hidden() && values[r][c] > 0)
                .min_by_key(|&(r, c)| (values[r][c], r, c));
            // With no other non-zero cell, the total is the hidden count itself.
            let (r, c) = smallest.unwrap_or(line.total);
            shown[r][c] = Shown::Withheld;
            changed = true;
        }
        if !changed {
            break;
        }
    }
    ShownTable {
        cells: shown[..rows]
            .iter()
            .map(|row| row[..columns].to_vec())
            .collect(),
        row_totals: if row_totals {
            shown[..rows].iter().map(|row| row[columns]).collect()
        } else {
            vec![]
        },
        column_totals: if column_totals {
            shown[rows][..columns].to_vec()
        } else {
            vec![]
        },
        total: (row_totals && column_totals).then(|| shown[rows][columns]),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::Shown::{Count, Small, Withheld};
    use super::*;

    #[test]
    fn small_counts_read_less_than_five_and_zeros_stay() {
        let t = suppress(&[vec![0], vec![4], vec![5], vec![12]], false, false);
        assert_eq!(
            t.cells,
            vec![vec![Count(0)], vec![Small], vec![Count(5)], vec![Count(12)]]
        );
        assert!(t.row_totals.is_empty() && t.column_totals.is_empty() && t.total.is_none());
        assert_eq!(serde_json::to_string(&t.cells[1][0]).unwrap(), "\"< 5\"");
        assert_eq!(serde_json::to_string(&t.cells[3][0]).unwrap(), "12");
    }

    #[test]
    fn a_column_total_that_would_reveal_one_small_count_hides_the_smallest_other() {
        // 3 + 7 + 9 + 0 = 19: with 7 shown, 3 = 19 − 7 − 9.
        let t = suppress(&[vec![3], vec![7], vec![9], vec![0]], false, true);
        let cells: Vec<Shown> = t.cells.iter().map(|r| r[0]).collect();
        assert_eq!(cells, vec![Small, Withheld, Count(9), Count(0)]);
        assert_eq!(t.column_totals, vec![Count(19)]);
    }

    #[test]
    fn hiding_spreads_across_rows_and_columns_until_no_line_has_one_hidden_cell() {
        // Quarters by in/out of scope, with totals both ways.
        let t = suppress(
            &[vec![6, 2], vec![8, 5], vec![9, 0], vec![7, 6]],
            true,
            true,
        );
        for line in 0..4 {
            let hidden = t.cells[line].iter().filter(|s| s.is_hidden()).count();
            assert!(
                t.row_totals[line].is_hidden() || hidden != 1,
                "row {line}: {t:?}"
            );
        }
        for column in 0..2 {
            let hidden = t.cells.iter().filter(|r| r[column].is_hidden()).count();
            assert!(t.column_totals[column].is_hidden() || hidden != 1, "{t:?}");
        }
        assert_eq!(t.cells[0][1], Small);
        assert_eq!(
            t.cells[0][0], Withheld,
            "the row 6 + 2 = 8 would reveal the 2"
        );
        assert_eq!(t.total, Some(Count(43)));
    }

    #[test]
    fn a_lone_count_beside_zeros_hides_its_total_instead() {
        let t = suppress(&[vec![0, 6], vec![0, 9]], true, false);
        assert_eq!(t.cells[0], vec![Count(0), Count(6)]);
        let t = suppress(&[vec![3, 0], vec![0, 9]], true, true);
        assert_eq!(t.cells[0][0], Small);
        assert!(t.row_totals[0].is_hidden(), "3 + 0: the total is the 3");
    }

    /// The values a line's shown figures leave open for one hidden cell: none is pinned down.
    fn no_hidden_cell_follows_from_one_line(counts: &[Vec<u32>], t: &ShownTable) -> bool {
        let rows_ok = t.row_totals.iter().zip(&t.cells).all(|(total, row)| {
            total.is_hidden() || row.iter().filter(|s| s.is_hidden()).count() != 1
        });
        let columns_ok = t.column_totals.iter().enumerate().all(|(c, total)| {
            total.is_hidden() || t.cells.iter().filter(|r| r[c].is_hidden()).count() != 1
        });
        let small_hidden = counts.iter().zip(&t.cells).all(|(row, shown)| {
            row.iter()
                .zip(shown)
                .all(|(&n, s)| !(1..SMALL).contains(&n) || s.is_hidden())
        });
        rows_ok && columns_ok && small_hidden
    }

    proptest! {
        #[test]
        fn no_small_count_is_shown_or_derivable_from_a_shown_total(
            counts in (1usize..6, 1usize..5).prop_flat_map(|(rows, columns)| {
                proptest::collection::vec(proptest::collection::vec(0u32..12, columns), rows)
            }),
            row_totals in any::<bool>(),
            column_totals in any::<bool>(),
        ) {
            let t = suppress(&counts, row_totals, column_totals);
            prop_assert!(no_hidden_cell_follows_from_one_line(&counts, &t), "{:?} {:?}", counts, t);
            for (row, shown) in counts.iter().zip(&t.cells) {
                for (&n, s) in row.iter().zip(shown) {
                    if let Count(c) = s { prop_assert_eq!(*c, n); }
                }
            }
        }
    }
}
