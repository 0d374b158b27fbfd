//! A plan item's status and deadline, sign-off by a second account, and a year's progress
//! replayed from the history.

use std::collections::BTreeMap;

use serde::Serialize;

use super::history::Change;

/// Where a plan item stands (DOMAIN.md section 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Planned,
    InProgress,
    /// Reported done; a second account must sign it off (where the organisation asks for it).
    AwaitingSignOff,
    Done,
    Cancelled,
}

/// Where an item stands for progress reports and the plan-status chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    Done,
    /// In progress, or awaiting sign-off.
    Running,
    Planned,
    /// Past its deadline and not done.
    Overdue,
}

impl ItemStatus {
    /// The item's standing on `today`; `None` for a cancelled item, which counts nowhere.
    pub fn standing(
        self,
        deadline: Option<chrono::NaiveDate>,
        today: chrono::NaiveDate,
    ) -> Option<Standing> {
        match self {
            ItemStatus::Cancelled => None,
            ItemStatus::Done => Some(Standing::Done),
            _ if deadline.is_some_and(|d| d < today) => Some(Standing::Overdue),
            ItemStatus::Planned => Some(Standing::Planned),
            ItemStatus::InProgress | ItemStatus::AwaitingSignOff => Some(Standing::Running),
        }
    }
}

/// Why a status change is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StatusError {
    #[error("report the item done; psa asks for sign-off where the organisation wants it")]
    AwaitingIsNotChosen,
    #[error("only an item reported done awaits sign-off")]
    NotAwaiting,
    #[error("a second account must sign off: not the one that reported the item done")]
    SameAccount,
}

/// The status an item takes when `requested` is asked of it in `current`: done becomes
/// awaiting sign-off where the organisation requires it, and stays so until signed off.
pub fn transition(
    current: ItemStatus,
    requested: ItemStatus,
    sign_off_required: bool,
) -> Result<ItemStatus, StatusError> {
    Ok(match (current, requested) {
        (_, ItemStatus::AwaitingSignOff) => return Err(StatusError::AwaitingIsNotChosen),
        (ItemStatus::Done | ItemStatus::AwaitingSignOff, ItemStatus::Done) => current,
        (_, ItemStatus::Done) if sign_off_required => ItemStatus::AwaitingSignOff,
        (_, requested) => requested,
    })
}

/// Signs off an item awaiting it: done when approved, back in progress when not. `by` must
/// differ from `reported_by`, the account that reported it done.
pub fn sign_off(
    current: ItemStatus,
    reported_by: Option<&str>,
    by: &str,
    approve: bool,
) -> Result<ItemStatus, StatusError> {
    if current != ItemStatus::AwaitingSignOff {
        return Err(StatusError::NotAwaiting);
    }
    if reported_by == Some(by) {
        return Err(StatusError::SameAccount);
    }
    Ok(if approve {
        ItemStatus::Done
    } else {
        ItemStatus::InProgress
    })
}

/// The default deadline of an item of Fine & Kinney `class` accepted on `accepted`: the class's
/// term in calendar months, clamped to the month's end (31 January + 1 month = 28 or 29
/// February).
pub fn default_deadline(
    accepted: chrono::NaiveDate,
    class: u8,
    terms_months: &[u32; 5],
) -> Option<chrono::NaiveDate> {
    let months = terms_months[usize::from(class.clamp(1, 5)) - 1];
    accepted.checked_add_months(chrono::Months::new(months))
}

/// Items per standing, as a year's progress report counts them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ProgressCounts {
    /// Added during the year.
    pub added: u32,
    /// Done (signed off, where required) during the year.
    pub done: u32,
    pub running: u32,
    pub planned: u32,
    pub overdue: u32,
    /// Cancelled during the year.
    pub cancelled: u32,
}

/// One year of the plan, per category, for the report to the works council.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct YearProgress {
    pub year: i32,
    /// The day the standings are counted on: the year's last day, or today in the current year.
    #[schema(value_type = String, format = Date)]
    pub as_of: chrono::NaiveDate,
    #[schema(value_type = BTreeMap<String, ProgressCounts>)]
    pub categories: BTreeMap<String, ProgressCounts>,
    pub total: ProgressCounts,
}

/// The day of a change in Europe/Amsterdam, where plan dates are counted.
fn change_day(change: &Change) -> Option<chrono::NaiveDate> {
    chrono::DateTime::parse_from_rfc3339(&change.at)
        .ok()
        .map(|at| at.with_timezone(&chrono_tz::Europe::Amsterdam).date_naive())
}

/// The progress of `year`, replayed from the plan's history (so it shows the plan as it stood at
/// the year's end, not as it was edited later): items done or cancelled during the year, and
/// the standing of the others on the year's last day (today, in the current year).
pub fn progress(history: &[Change], year: i32, today: chrono::NaiveDate) -> YearProgress {
    #[derive(Default)]
    struct Item {
        category: String,
        status: Option<ItemStatus>,
        deadline: Option<chrono::NaiveDate>,
        added: Option<chrono::NaiveDate>,
        /// When the status last changed.
        changed: Option<chrono::NaiveDate>,
    }
    let year_end = chrono::NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(chrono::NaiveDate::MAX);
    let as_of = year_end.min(today);
    let mut items: BTreeMap<&str, Item> = BTreeMap::new();
    for change in history {
        let Some(day) = change_day(change).filter(|d| *d <= as_of) else {
            continue;
        };
        let item = items.entry(&change.item_id).or_default();
        item.added.get_or_insert(day);
        let new = change.new.as_deref();
        match change.field.as_str() {
            "category" => item.category = new.unwrap_or_default().to_owned(),
            "deadline" => item.deadline = new.and_then(|d| d.parse().ok()),
            "status" => {
                item.status = new.and_then(|s| {
                    serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
                });
                item.changed = Some(day);
            }
            _ => {}
        }
    }
    let in_year =
        |day: Option<chrono::NaiveDate>| day.is_some_and(|d| chrono::Datelike::year(&d) == year);
    let mut categories: BTreeMap<String, ProgressCounts> = BTreeMap::new();
    let mut total = ProgressCounts::default();
    for item in items.into_values() {
        let Some(status) = item.status else { continue };
        let mut counts = ProgressCounts {
            added: u32::from(in_year(item.added)),
            ..ProgressCounts::default()
        };
        match status {
            ItemStatus::Cancelled => counts.cancelled = u32::from(in_year(item.changed)),
            ItemStatus::Done => counts.done = u32::from(in_year(item.changed)),
            _ => match status.standing(item.deadline, as_of) {
                Some(Standing::Overdue) => counts.overdue = 1,
                Some(Standing::Running) => counts.running = 1,
                _ => counts.planned = 1,
            },
        }
        for sum in [categories.entry(item.category).or_default(), &mut total] {
            sum.added += counts.added;
            sum.done += counts.done;
            sum.running += counts.running;
            sum.planned += counts.planned;
            sum.overdue += counts.overdue;
            sum.cancelled += counts.cancelled;
        }
    }
    YearProgress {
        year,
        as_of,
        categories,
        total,
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    const TERMS: [u32; 5] = [12, 12, 6, 3, 1];

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn completion_awaits_sign_off_by_a_second_account_where_required() {
        use ItemStatus::*;
        assert_eq!(transition(InProgress, Done, false), Ok(Done));
        assert_eq!(transition(Planned, Done, true), Ok(AwaitingSignOff));
        assert_eq!(
            transition(AwaitingSignOff, Done, true),
            Ok(AwaitingSignOff),
            "asking again does not sign it off"
        );
        assert_eq!(transition(Done, Done, true), Ok(Done), "done stays done");
        assert_eq!(
            transition(AwaitingSignOff, InProgress, true),
            Ok(InProgress)
        );
        assert_eq!(
            transition(Planned, AwaitingSignOff, false),
            Err(StatusError::AwaitingIsNotChosen)
        );
        assert_eq!(
            sign_off(AwaitingSignOff, Some("a@x.nl"), "a@x.nl", true),
            Err(StatusError::SameAccount)
        );
        assert_eq!(
            sign_off(AwaitingSignOff, Some("a@x.nl"), "b@x.nl", true),
            Ok(Done)
        );
        assert_eq!(
            sign_off(AwaitingSignOff, Some("a@x.nl"), "b@x.nl", false),
            Ok(InProgress)
        );
        assert_eq!(
            sign_off(InProgress, Some("a@x.nl"), "b@x.nl", true),
            Err(StatusError::NotAwaiting)
        );
    }

    #[test]
    fn standing_counts_overdue_before_planned_or_running() {
        use ItemStatus::*;
        let today = date(2026, 11, 29);
        let past = Some(date(2026, 11, 28));
        assert_eq!(Planned.standing(past, today), Some(Standing::Overdue));
        assert_eq!(
            AwaitingSignOff.standing(past, today),
            Some(Standing::Overdue)
        );
        assert_eq!(Done.standing(past, today), Some(Standing::Done));
        assert_eq!(Cancelled.standing(past, today), None);
        assert_eq!(
            InProgress.standing(Some(today), today),
            Some(Standing::Running),
            "due today is not overdue"
        );
        assert_eq!(Planned.standing(None, today), Some(Standing::Planned));
    }

    #[test]
    fn a_years_progress_is_replayed_from_the_history_as_it_stood_at_the_year_end() {
        let at = |item: &str, at: &str, field: &str, new: &str| Change {
            item_id: item.into(),
            at: at.into(),
            who: "hr@x.nl".into(),
            field: field.into(),
            old: None,
            new: Some(new.into()),
        };
        let added = |item: &str, day: &str, category: &str, deadline: &str| {
            [
                at(item, day, "category", category),
                at(item, day, "deadline", deadline),
                at(item, day, "status", "planned"),
            ]
        };
        let mut history: Vec<Change> = Vec::new();
        history.extend(added("a", "2025-03-01T09:00:00Z", "pesten", "2025-09-01"));
        history.extend(added("b", "2025-03-01T09:00:00Z", "pesten", "2026-03-01"));
        history.extend(added("c", "2025-03-01T09:00:00Z", "werkdruk", "2025-06-01"));
        history.extend(added("d", "2025-04-01T09:00:00Z", "werkdruk", "2026-06-01"));
        history.push(at("a", "2025-08-01T09:00:00Z", "status", "done"));
        history.push(at("d", "2025-05-01T09:00:00Z", "status", "in_progress"));
        // 23:30 UTC on 31 December is 1 January in Amsterdam: next year's cancellation.
        history.push(at("b", "2025-12-31T23:30:00Z", "status", "cancelled"));
        // Edited later: does not change how 2025 ended.
        history.push(at("c", "2026-02-01T09:00:00Z", "status", "done"));
        history.push(at("c", "2026-02-01T09:00:00Z", "deadline", "2026-12-01"));

        let y2025 = progress(&history, 2025, date(2026, 11, 29));
        assert_eq!(y2025.as_of, date(2025, 12, 31));
        assert_eq!(
            y2025.categories["pesten"],
            ProgressCounts {
                added: 2,
                done: 1,
                planned: 1,
                ..Default::default()
            }
        );
        assert_eq!(
            y2025.categories["werkdruk"],
            ProgressCounts {
                added: 2,
                running: 1,
                overdue: 1,
                ..Default::default()
            }
        );
        assert_eq!(y2025.total.added, 4);

        let y2026 = progress(&history, 2026, date(2026, 11, 29));
        assert_eq!(
            y2026.as_of,
            date(2026, 11, 29),
            "the current year counts to today"
        );
        assert_eq!(
            y2026.categories["pesten"],
            ProgressCounts {
                cancelled: 1,
                ..Default::default()
            },
            "a, done last year, is not counted again"
        );
        assert_eq!(
            y2026.categories["werkdruk"],
            ProgressCounts {
                done: 1,
                overdue: 1,
                ..Default::default()
            },
            "d ran past its deadline"
        );
    }

    #[test]
    fn deadlines_count_calendar_months_clamped_to_the_month_end() {
        assert_eq!(
            default_deadline(date(2026, 1, 31), 5, &TERMS),
            Some(date(2026, 2, 28))
        );
        assert_eq!(
            default_deadline(date(2028, 1, 31), 5, &TERMS),
            Some(date(2028, 2, 29))
        );
        assert_eq!(
            default_deadline(date(2026, 8, 31), 3, &TERMS),
            Some(date(2027, 2, 28))
        );
        assert_eq!(
            default_deadline(date(2026, 11, 29), 4, &TERMS),
            Some(date(2027, 2, 28))
        );
        assert_eq!(
            default_deadline(date(2026, 11, 29), 1, &TERMS),
            Some(date(2027, 11, 29))
        );
        assert_eq!(
            default_deadline(date(2026, 5, 15), 2, &TERMS),
            Some(date(2027, 5, 15))
        );
    }
}
