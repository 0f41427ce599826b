//! Dates and date ranges as the query language writes them.

use std::ops::Bound;

use chrono::{Datelike, NaiveDate};

use super::{err, QueryError};

/// Reads `2013-06-30`, `20130630`, `2013-06` or `2013`; `end` picks the last
/// day of a month or year given without a day.
pub(super) fn parse_date(text: &str, pos: usize, end: bool) -> Result<NaiveDate, QueryError> {
    let t = text.trim();
    let bad = || QueryError {
        position: pos,
        message: format!("`{t}` is not a date: use YYYY-MM-DD, YYYYMMDD, YYYY-MM or YYYY"),
    };
    let digits: String = t.chars().filter(|c| c.is_ascii_digit()).collect();
    if !t.chars().all(|c| c.is_ascii_digit() || c == '-') {
        return Err(bad());
    }
    let year: i32 = digits
        .get(..4)
        .and_then(|y| y.parse().ok())
        .ok_or_else(bad)?;
    let (month, day) = match digits.len() {
        4 => (if end { 12 } else { 1 }, None),
        6 => (digits[4..6].parse().map_err(|_| bad())?, None),
        8 => (
            digits[4..6].parse().map_err(|_| bad())?,
            Some(digits[6..8].parse::<u32>().map_err(|_| bad())?),
        ),
        _ => return Err(bad()),
    };
    let day = match day {
        Some(d) => d,
        None if end => last_day(year, month).ok_or_else(bad)?,
        None => 1,
    };
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(bad)
}

fn last_day(year: i32, month: u32) -> Option<u32> {
    let first_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    Some(first_next.pred_opt()?.day())
}

pub(super) fn parse_range(
    raw: &str,
    pos: usize,
    inclusive_from: bool,
    inclusive_to: bool,
) -> Result<(Bound<NaiveDate>, Bound<NaiveDate>), QueryError> {
    let Some(to_at) = raw.find(" TO ") else {
        return err(
            pos,
            "a range is written [FROM TO TO], e.g. [2012-01-01 TO 2013-06-30]",
        );
    };
    let (from_text, to_text) = (raw[..to_at].trim(), raw[to_at + 4..].trim());
    let to_pos = pos + raw[..to_at + 4].chars().count();
    let from = match from_text {
        "*" | "" => Bound::Unbounded,
        t if inclusive_from => Bound::Included(parse_date(t, pos, false)?),
        t => Bound::Excluded(parse_date(t, pos, true)?),
    };
    let to = match to_text {
        "*" | "" => Bound::Unbounded,
        t if inclusive_to => Bound::Included(parse_date(t, to_pos, true)?),
        t => Bound::Excluded(parse_date(t, to_pos, false)?),
    };
    if let (Bound::Included(f) | Bound::Excluded(f), Bound::Included(t) | Bound::Excluded(t)) =
        (from, to)
    {
        if f > t {
            return err(pos, format!("range starts after it ends ({f} > {t})"));
        }
    }
    Ok((from, to))
}
