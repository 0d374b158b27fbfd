//! Dates as people here read them: plan dates, terms, quarters and the dates written on pages
//! and charts are counted in Europe/Amsterdam (DOMAIN.md section 4), while storage keeps naive UTC.

use chrono::{NaiveDate, NaiveDateTime, Utc};

/// The date in Europe/Amsterdam at a stored (naive UTC) time.
pub fn local_date(utc: NaiveDateTime) -> NaiveDate {
    local_time(utc).date()
}

/// A stored (naive UTC) time on Amsterdam's clock.
pub fn local_time(utc: NaiveDateTime) -> NaiveDateTime {
    utc.and_utc()
        .with_timezone(&chrono_tz::Europe::Amsterdam)
        .naive_local()
}

/// Today in Europe/Amsterdam.
pub fn today() -> NaiveDate {
    local_date(Utc::now().naive_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_late_evening_in_utc_is_the_next_day_in_amsterdam() {
        let utc = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        // Winter: UTC+1; summer: UTC+2.
        assert_eq!(local_date(utc("2026-01-31 22:59")), date("2026-01-31"));
        assert_eq!(local_date(utc("2026-01-31 23:00")), date("2026-02-01"));
        assert_eq!(local_date(utc("2026-06-30 22:00")), date("2026-07-01"));
    }
}
