//! Recurring events and French public holidays. No I/O.
//!
//! The platform's monthly webinar cycle is « le 3e jeudi du mois à 13 h 00, heure de Paris »,
//! moved to the next Thursday when that day is a public holiday ([`MonthlyRule::webinar_cycle`]).
//!
//! Public holidays are the eleven national ones of the Code du travail (art. L3133-1) as they
//! stand today, applied to every year (the law's history, such as 8 May not being a holiday
//! from 1959 to 1981, is not modelled). The days that only Alsace-Moselle keeps (Good Friday,
//! 26 December) and the overseas departments' commemorations of the abolition of slavery are
//! **not** included.

use chrono::{
    DateTime, Datelike, Days, LocalResult, Months, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    TimeZone, Weekday,
};
use chrono_tz::Tz;

/// Easter Sunday of `year` in the Gregorian calendar (anonymous Gregorian computus,
/// Meeus/Jones/Butcher), proleptic for years before 1583.
///
/// # Panics
/// When `year` is outside the years that [`NaiveDate`] can hold (about ±262 000).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let y = i64::from(year);
    let a = y.rem_euclid(19);
    let b = y.div_euclid(100);
    let c = y.rem_euclid(100);
    let d = b.div_euclid(4);
    let e = b.rem_euclid(4);
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l) / 451;
    let n = h + l - 7 * m + 114;
    // n / 31 is 3 or 4, n % 31 + 1 is 1..=31: the casts cannot truncate.
    NaiveDate::from_ymd_opt(year, (n / 31) as u32, (n % 31 + 1) as u32)
        .expect("year within the range of NaiveDate")
}

/// The French national public holidays of `year`, in date order, with their French names.
///
/// A date may appear twice when two holidays coincide (1 May 2008 was both « Fête du Travail »
/// and « Ascension »). Alsace-Moselle's extra days are not included (see the module notes).
///
/// # Panics
/// When `year` is outside the years that [`NaiveDate`] can hold (about ±262 000).
pub fn public_holidays(year: i32) -> Vec<(NaiveDate, &'static str)> {
    let easter = easter_sunday(year);
    let after_easter = |days: u64| {
        easter
            .checked_add_days(Days::new(days))
            .expect("Easter-based holidays fall in spring")
    };
    let fixed = |month: u32, day: u32| {
        NaiveDate::from_ymd_opt(year, month, day).expect("year within the range of NaiveDate")
    };
    let mut days = vec![
        (fixed(1, 1), "Jour de l'an"),
        (after_easter(1), "Lundi de Pâques"),
        (fixed(5, 1), "Fête du Travail"),
        (fixed(5, 8), "Victoire 1945"),
        (after_easter(39), "Ascension"),
        (after_easter(50), "Lundi de Pentecôte"),
        (fixed(7, 14), "Fête nationale"),
        (fixed(8, 15), "Assomption"),
        (fixed(11, 1), "Toussaint"),
        (fixed(11, 11), "Armistice 1918"),
        (fixed(12, 25), "Noël"),
    ];
    // Stable: on a shared date the fixed holiday comes first.
    days.sort_by_key(|(d, _)| *d);
    days
}

/// Whether `d` is a French national public holiday (see [`public_holidays`]). Never panics.
pub fn is_public_holiday(d: NaiveDate) -> bool {
    if matches!(
        (d.month(), d.day()),
        (1, 1) | (5, 1) | (5, 8) | (7, 14) | (8, 15) | (11, 1) | (11, 11) | (12, 25)
    ) {
        return true;
    }
    // Easter-based holidays fall between 23 March and 14 June.
    if !(3..=6).contains(&d.month()) {
        return false;
    }
    let easter = easter_sunday(d.year());
    matches!((d - easter).num_days(), 1 | 39 | 50)
}

/// The longest period, in years, that [`MonthlyRule::occurrences`] accepts.
pub const MAX_RANGE_YEARS: i64 = 20;
/// [`MAX_RANGE_YEARS`] in days (20 × 365.25).
pub const MAX_RANGE_DAYS: i64 = MAX_RANGE_YEARS * 36525 / 100;

/// Why a rule cannot be expanded; the messages are in French, to be shown as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("le rang {0} n'est pas valide : de 1 à 4, ou -1 pour le dernier du mois")]
    InvalidNth(i8),
    #[error(
        "la période demandée ({days} jours) dépasse la limite de {} ans",
        MAX_RANGE_YEARS
    )]
    RangeTooLong { days: i64 },
}

/// A monthly rule: the `nth` (1–4, or -1 for the last) `weekday` of each month at `time` in
/// `tz`, moved by whole weeks to the next same weekday while that date is a French public
/// holiday (when `shift_on_holiday` is true).
///
/// A moved date may fall in the next month (the last Thursday of December 2025 is Christmas,
/// and 1 January 2026 is a holiday too: the session is on 8 January 2026); it is kept, and it
/// belongs to the period that contains the day it actually takes place.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MonthlyRule {
    pub nth: i8,
    pub weekday: Weekday,
    pub time: NaiveTime,
    pub tz: Tz,
    pub duration_minutes: u32,
    pub shift_on_holiday: bool,
}

impl MonthlyRule {
    /// « 3e jeudi du mois à 13:00, Europe/Paris », 60 minutes, moved on public holidays.
    pub fn webinar_cycle() -> MonthlyRule {
        MonthlyRule {
            nth: 3,
            weekday: Weekday::Thu,
            time: NaiveTime::from_hms_opt(13, 0, 0).expect("valid time"),
            tz: Tz::Europe__Paris,
            duration_minutes: 60,
            shift_on_holiday: true,
        }
    }

    /// The occurrences whose (moved) local date lies between `from` and `to` inclusive, in
    /// order, as zoned date-times. An empty list when `from > to`.
    ///
    /// A local time that does not exist on that day (spring-forward gap) is read with the UTC
    /// offset in force before the change, as RFC 5545 and calendar clients do (02:30 on the
    /// last Sunday of March in Paris becomes 03:30 CEST); an ambiguous one (autumn) takes the
    /// earlier instant. Two months landing on the same day give one occurrence.
    ///
    /// # Errors
    /// [`RuleError::InvalidNth`] for a rank other than 1–4 or -1; [`RuleError::RangeTooLong`]
    /// when the period exceeds [`MAX_RANGE_YEARS`] years ([`MAX_RANGE_DAYS`] days).
    pub fn occurrences(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DateTime<Tz>>, RuleError> {
        if !matches!(self.nth, 1..=4 | -1) {
            return Err(RuleError::InvalidNth(self.nth));
        }
        if from > to {
            return Ok(Vec::new());
        }
        let days = (to - from).num_days();
        if days > MAX_RANGE_DAYS {
            return Err(RuleError::RangeTooLong { days });
        }
        // Start two months early: a month's date moved by holidays may land in the period.
        let first = from.with_day(1).expect("day 1 exists");
        let mut month = first.checked_sub_months(Months::new(2)).unwrap_or(first);
        let mut dates = Vec::new();
        while month <= to {
            if let Some(d) = self.date_in_month(month.year(), month.month()) {
                if from <= d && d <= to {
                    dates.push(d);
                }
            }
            match month.checked_add_months(Months::new(1)) {
                Some(next) => month = next,
                None => break,
            }
        }
        dates.sort();
        dates.dedup();
        Ok(dates
            .into_iter()
            .filter_map(|d| zoned(self.tz, d.and_time(self.time)))
            .collect())
    }

    /// The nominal date of the month (before any move), or `None` for an invalid rank.
    fn nominal_in_month(&self, year: i32, month: u32) -> Option<NaiveDate> {
        let wanted = self.weekday.num_days_from_monday();
        match self.nth {
            1..=4 => {
                let first = NaiveDate::from_ymd_opt(year, month, 1)?;
                let ahead = (7 + wanted - first.weekday().num_days_from_monday()) % 7;
                let nth = self.nth as u32; // 1..=4, checked above
                first.checked_add_days(Days::new(u64::from(ahead + 7 * (nth - 1))))
            }
            -1 => {
                let next =
                    NaiveDate::from_ymd_opt(year, month, 1)?.checked_add_months(Months::new(1))?;
                let last = next.pred_opt()?;
                let back = (7 + last.weekday().num_days_from_monday() - wanted) % 7;
                last.checked_sub_days(Days::new(u64::from(back)))
            }
            _ => None,
        }
    }

    /// The day the month's occurrence actually takes place, after holiday moves.
    fn date_in_month(&self, year: i32, month: u32) -> Option<NaiveDate> {
        let mut d = self.nominal_in_month(year, month)?;
        if self.shift_on_holiday {
            // At most three same weekdays in a row are holidays (Mondays of spring 2000);
            // the bound only guards against a logic error.
            for _ in 0..53 {
                if !is_public_holiday(d) {
                    break;
                }
                d = d.checked_add_days(Days::new(7))?;
            }
        }
        Some(d)
    }

    /// A French description of the rule, e.g. « le 3e jeudi de chaque mois à 13 h 00 (heure
    /// de Paris), reporté au jeudi suivant si c'est un jour férié ».
    pub fn describe_fr(&self) -> String {
        use chrono::Timelike;
        let day = weekday_fr(self.weekday);
        let rank = match self.nth {
            1 => "1er".to_string(),
            -1 => "dernier".to_string(),
            n => format!("{n}e"),
        };
        let zone = if self.tz == Tz::Europe__Paris {
            "heure de Paris".to_string()
        } else {
            format!("fuseau {}", self.tz.name())
        };
        let mut s = format!(
            "le {rank} {day} de chaque mois à {} h {:02} ({zone})",
            self.time.hour(),
            self.time.minute()
        );
        if self.shift_on_holiday {
            s.push_str(&format!(
                ", reporté au {day} suivant si c'est un jour férié"
            ));
        }
        s
    }
}

fn weekday_fr(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "lundi",
        Weekday::Tue => "mardi",
        Weekday::Wed => "mercredi",
        Weekday::Thu => "jeudi",
        Weekday::Fri => "vendredi",
        Weekday::Sat => "samedi",
        Weekday::Sun => "dimanche",
    }
}

/// `local` in `tz`: the earlier instant when ambiguous; when it falls in a gap, read with the
/// offset in force before the gap (RFC 5545, 3.3.5). `None` only at the ends of chrono's range.
fn zoned(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Tz>> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Some(t),
        LocalResult::Ambiguous(a, b) => Some(a.min(b)),
        LocalResult::None => {
            // A day before, the offset is the one in force before the change.
            let before = tz
                .offset_from_utc_datetime(&local.checked_sub_days(Days::new(1))?)
                .fix();
            let utc = local.checked_sub_signed(chrono::TimeDelta::seconds(i64::from(
                before.local_minus_utc(),
            )))?;
            Some(tz.from_utc_datetime(&utc))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn rule(nth: i8, weekday: Weekday, h: u32, min: u32) -> MonthlyRule {
        MonthlyRule {
            nth,
            weekday,
            time: NaiveTime::from_hms_opt(h, min, 0).unwrap(),
            ..MonthlyRule::webinar_cycle()
        }
    }

    fn in_year(r: &MonthlyRule, year: i32) -> Vec<DateTime<Tz>> {
        r.occurrences(date(year, 1, 1), date(year, 12, 31)).unwrap()
    }

    #[test]
    fn events_seed_2019_dates_with_offsets() {
        let got: Vec<String> = in_year(&MonthlyRule::webinar_cycle(), 2019)
            .iter()
            .map(|t| t.to_rfc3339())
            .collect();
        let want = [
            "2019-01-17T13:00:00+01:00",
            "2019-02-21T13:00:00+01:00",
            "2019-03-21T13:00:00+01:00",
            "2019-04-18T13:00:00+02:00",
            "2019-05-16T13:00:00+02:00",
            "2019-06-20T13:00:00+02:00",
            "2019-07-18T13:00:00+02:00",
            "2019-08-22T13:00:00+02:00",
            "2019-09-19T13:00:00+02:00",
            "2019-10-17T13:00:00+02:00",
            "2019-11-21T13:00:00+01:00",
            "2019-12-19T13:00:00+01:00",
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn events_easter_known_dates() {
        for (y, m, d) in [
            (1818, 3, 22), // earliest possible
            (1943, 4, 25), // latest possible
            (2000, 4, 23),
            (2008, 3, 23),
            (2011, 4, 24),
            (2016, 3, 27),
            (2019, 4, 21),
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2038, 4, 25),
        ] {
            assert_eq!(easter_sunday(y), date(y, m, d), "Easter {y}");
        }
        // Always a Sunday, always between 22 March and 25 April, and no panic far away.
        for y in (-3000..=5000).step_by(7) {
            let e = easter_sunday(y);
            assert_eq!(e.weekday(), Weekday::Sun, "{y}");
            assert!(date(y, 3, 22) <= e && e <= date(y, 4, 25), "{y}");
        }
    }

    #[test]
    fn events_holidays_2019_and_2024() {
        let h2019: Vec<NaiveDate> = public_holidays(2019).into_iter().map(|(d, _)| d).collect();
        assert_eq!(
            h2019,
            [
                date(2019, 1, 1),
                date(2019, 4, 22),
                date(2019, 5, 1),
                date(2019, 5, 8),
                date(2019, 5, 30),
                date(2019, 6, 10),
                date(2019, 7, 14),
                date(2019, 8, 15),
                date(2019, 11, 1),
                date(2019, 11, 11),
                date(2019, 12, 25),
            ]
        );
        let h2024 = public_holidays(2024);
        assert_eq!(
            h2024,
            vec![
                (date(2024, 1, 1), "Jour de l'an"),
                (date(2024, 4, 1), "Lundi de Pâques"),
                (date(2024, 5, 1), "Fête du Travail"),
                (date(2024, 5, 8), "Victoire 1945"),
                (date(2024, 5, 9), "Ascension"),
                (date(2024, 5, 20), "Lundi de Pentecôte"),
                (date(2024, 7, 14), "Fête nationale"),
                (date(2024, 8, 15), "Assomption"),
                (date(2024, 11, 1), "Toussaint"),
                (date(2024, 11, 11), "Armistice 1918"),
                (date(2024, 12, 25), "Noël"),
            ]
        );
        assert_eq!(easter_sunday(2024), date(2024, 3, 31));
        // is_public_holiday agrees with the list, day by day.
        for year in [2019, 2024, 2008, 2000, 2038] {
            let list: Vec<NaiveDate> = public_holidays(year).into_iter().map(|(d, _)| d).collect();
            let mut d = date(year, 1, 1);
            while d.year() == year {
                assert_eq!(is_public_holiday(d), list.contains(&d), "{d}");
                d = d.succ_opt().unwrap();
            }
        }
        assert!(
            !is_public_holiday(date(2024, 3, 31)),
            "Easter Sunday itself"
        );
        assert!(
            !is_public_holiday(date(2024, 3, 29)),
            "Good Friday: Alsace-Moselle only"
        );
        assert!(
            !is_public_holiday(date(2024, 12, 26)),
            "Saint-Étienne: Alsace-Moselle only"
        );
    }

    #[test]
    fn events_coinciding_holidays_are_both_listed() {
        let h = public_holidays(2008);
        let may_first: Vec<&str> = h
            .iter()
            .filter(|(d, _)| *d == date(2008, 5, 1))
            .map(|(_, n)| *n)
            .collect();
        assert_eq!(may_first, ["Fête du Travail", "Ascension"]);
        assert_eq!(h.len(), 11);
    }

    #[test]
    fn events_ascension_on_third_thursday_of_may_moves() {
        let cycle = MonthlyRule::webinar_cycle();
        let mut years = Vec::new();
        for year in 2000..=2100 {
            let ascension = easter_sunday(year) + TimeDelta::days(39);
            let nominal = cycle.nominal_in_month(year, 5).unwrap();
            if nominal == ascension {
                years.push(year);
                let got = cycle
                    .occurrences(date(year, 5, 1), date(year, 5, 31))
                    .unwrap();
                assert_eq!(got.len(), 1, "{year}");
                assert_eq!(
                    got[0].date_naive(),
                    ascension + TimeDelta::days(7),
                    "{year}"
                );
                assert_eq!(got[0].time(), NaiveTime::from_hms_opt(13, 0, 0).unwrap());
            }
        }
        assert!(years.contains(&2023), "{years:?}");
        let may_2023 = cycle
            .occurrences(date(2023, 5, 1), date(2023, 5, 31))
            .unwrap();
        assert_eq!(may_2023[0].to_rfc3339(), "2023-05-25T13:00:00+02:00");
        // 2026: Ascension is 14 May, the 2nd Thursday: the 3rd (21 May) stays.
        assert_eq!(easter_sunday(2026) + TimeDelta::days(39), date(2026, 5, 14));
        let may_2026 = cycle
            .occurrences(date(2026, 5, 1), date(2026, 5, 31))
            .unwrap();
        assert_eq!(may_2026[0].date_naive(), date(2026, 5, 21));
    }

    #[test]
    fn events_which_holidays_hit_the_webinar_2000_2100() {
        let cycle = MonthlyRule::webinar_cycle();
        let mut hit = std::collections::BTreeSet::new();
        for year in 2000..=2100 {
            let holidays = public_holidays(year);
            for month in 1..=12 {
                let nominal = cycle.nominal_in_month(year, month).unwrap();
                let actual = cycle.date_in_month(year, month).unwrap();
                match holidays.iter().find(|(d, _)| *d == nominal) {
                    Some((_, name)) => {
                        hit.insert(*name);
                        assert_eq!(actual, nominal + TimeDelta::days(7), "{nominal}");
                    }
                    None => assert_eq!(actual, nominal),
                }
                assert!(!is_public_holiday(actual));
                assert_eq!(actual.weekday(), Weekday::Thu);
            }
        }
        // 25 December and 1 January never fall on a 3rd Thursday (days 15–21): computed,
        // not assumed. Only the Assumption and Ascension ever move the webinar.
        assert!(!hit.contains("Noël") && !hit.contains("Jour de l'an"));
        assert_eq!(
            hit.into_iter().collect::<Vec<_>>(),
            ["Ascension", "Assomption"]
        );
    }

    #[test]
    fn events_christmas_and_new_year_shift_across_the_year() {
        // Find the years where 25 December is a Thursday, by computation.
        let years: Vec<i32> = (2000..=2100)
            .filter(|&y| date(y, 12, 25).weekday() == Weekday::Thu)
            .collect();
        assert!(years.contains(&2025), "{years:?}");
        let last_thursday = rule(-1, Weekday::Thu, 13, 0);
        let first_thursday = rule(1, Weekday::Thu, 13, 0);
        for y in years {
            // 25 Dec is the last Thursday, 1 Jan the next one: two weeks later, next year.
            let got = last_thursday
                .occurrences(date(y, 12, 1), date(y + 1, 1, 31))
                .unwrap();
            assert_eq!(got[0].date_naive(), date(y + 1, 1, 8), "{y}");
            // The January rule meets 1 January and moves a week.
            let jan = first_thursday
                .occurrences(date(y + 1, 1, 1), date(y + 1, 1, 31))
                .unwrap();
            assert_eq!(jan[0].date_naive(), date(y + 1, 1, 8), "{y}");
            // Asked for December only, the moved session is not in it.
            let dec = last_thursday
                .occurrences(date(y, 12, 1), date(y, 12, 31))
                .unwrap();
            assert!(dec.is_empty(), "{y}: {dec:?}");
        }
        // Without the move, Christmas stays.
        let no_shift = MonthlyRule {
            shift_on_holiday: false,
            ..last_thursday
        };
        let got = no_shift
            .occurrences(date(2025, 12, 1), date(2025, 12, 31))
            .unwrap();
        assert_eq!(got[0].date_naive(), date(2025, 12, 25));
    }

    #[test]
    fn events_three_holidays_in_a_row() {
        // Spring 2000: Easter Monday 24 April, then 1 and 8 May, all Mondays.
        let r = rule(-1, Weekday::Mon, 10, 0);
        let got = r.occurrences(date(2000, 4, 1), date(2000, 5, 31)).unwrap();
        let days: Vec<NaiveDate> = got.iter().map(|t| t.date_naive()).collect();
        assert_eq!(days, [date(2000, 5, 15), date(2000, 5, 29)]);
        // Asking from May still finds April's moved session.
        let got = r.occurrences(date(2000, 5, 1), date(2000, 5, 20)).unwrap();
        assert_eq!(got[0].date_naive(), date(2000, 5, 15));
    }

    #[test]
    fn events_dst_keeps_local_time() {
        // Last Sunday of March and of October are the change days themselves.
        let r = rule(-1, Weekday::Sun, 13, 0);
        let got = in_year(&r, 2024);
        let march = &got[2];
        let october = &got[9];
        assert_eq!(march.to_rfc3339(), "2024-03-31T13:00:00+02:00");
        assert_eq!(october.to_rfc3339(), "2024-10-27T13:00:00+01:00");
        // Last Thursdays around the changes: 13:00 local on both sides.
        let r = rule(-1, Weekday::Thu, 13, 0);
        let got = r.occurrences(date(2019, 3, 1), date(2019, 11, 30)).unwrap();
        let s: Vec<String> = got.iter().map(|t| t.to_rfc3339()).collect();
        assert_eq!(s[0], "2019-03-28T13:00:00+01:00"); // before the change (31 March)
        assert_eq!(s[1], "2019-04-25T13:00:00+02:00");
        assert_eq!(s[7], "2019-10-31T13:00:00+01:00"); // after the change (27 October)
        assert_eq!(s[8], "2019-11-28T13:00:00+01:00");
        assert!(got
            .iter()
            .all(|t| t.time() == NaiveTime::from_hms_opt(13, 0, 0).unwrap()));
    }

    #[test]
    fn events_dst_gap_and_overlap_do_not_panic() {
        // 02:30 on 31 March 2024 does not exist in Paris: read with +01:00, i.e. 03:30 CEST.
        let gap = rule(-1, Weekday::Sun, 2, 30);
        let got = gap
            .occurrences(date(2024, 3, 1), date(2024, 3, 31))
            .unwrap();
        assert_eq!(got[0].to_rfc3339(), "2024-03-31T03:30:00+02:00");
        assert_eq!(got[0].naive_utc().to_string(), "2024-03-31 01:30:00");
        // 02:30 on 27 October 2024 happens twice: the earlier one, still CEST.
        let got = gap
            .occurrences(date(2024, 10, 1), date(2024, 10, 31))
            .unwrap();
        assert_eq!(got[0].to_rfc3339(), "2024-10-27T02:30:00+02:00");
        // Every time of the day, in several zones, over years of changes: no panic, one per month.
        for tz in [
            Tz::Europe__Paris,
            Tz::America__New_York,
            Tz::Australia__Sydney,
        ] {
            for h in 0..24 {
                let r = MonthlyRule {
                    tz,
                    ..rule(-1, Weekday::Sun, h, 30)
                };
                let got = r.occurrences(date(2020, 1, 1), date(2024, 12, 31)).unwrap();
                assert_eq!(got.len(), 60, "{tz} {h}");
            }
        }
    }

    #[test]
    fn events_range_cap_and_invalid_rules() {
        let cycle = MonthlyRule::webinar_cycle();
        let twenty = cycle
            .occurrences(date(2000, 1, 1), date(2019, 12, 31))
            .unwrap();
        assert_eq!(twenty.len(), 240);
        let err = cycle
            .occurrences(date(2000, 1, 1), date(2021, 1, 1))
            .unwrap_err();
        assert!(matches!(err, RuleError::RangeTooLong { .. }));
        assert!(err.to_string().contains("20 ans"), "{err}");
        let err = cycle
            .occurrences(NaiveDate::MIN, NaiveDate::MAX)
            .unwrap_err();
        assert!(matches!(err, RuleError::RangeTooLong { .. }));
        // The very ends of chrono's range do not panic.
        let start = cycle
            .occurrences(NaiveDate::MIN, NaiveDate::MIN + TimeDelta::days(400))
            .unwrap();
        assert!(!start.is_empty());
        let end = cycle
            .occurrences(NaiveDate::MAX - TimeDelta::days(400), NaiveDate::MAX)
            .unwrap();
        assert!(!end.is_empty());
        assert!(cycle
            .occurrences(date(2020, 1, 1), date(2019, 1, 1))
            .unwrap()
            .is_empty());
        for nth in [0, 5, -2, i8::MIN, i8::MAX] {
            let r = MonthlyRule {
                nth,
                ..MonthlyRule::webinar_cycle()
            };
            let err = r
                .occurrences(date(2020, 1, 1), date(2020, 12, 31))
                .unwrap_err();
            assert_eq!(err, RuleError::InvalidNth(nth));
            assert!(err.to_string().contains("n'est pas valide"));
        }
    }

    #[test]
    fn events_describe_fr() {
        assert_eq!(
            MonthlyRule::webinar_cycle().describe_fr(),
            "le 3e jeudi de chaque mois à 13 h 00 (heure de Paris), reporté au jeudi suivant \
             si c'est un jour férié"
        );
        let r = MonthlyRule {
            tz: Tz::America__Montreal,
            shift_on_holiday: false,
            ..rule(1, Weekday::Mon, 9, 5)
        };
        assert_eq!(
            r.describe_fr(),
            "le 1er lundi de chaque mois à 9 h 05 (fuseau America/Montreal)"
        );
        assert!(rule(-1, Weekday::Fri, 18, 30)
            .describe_fr()
            .starts_with("le dernier vendredi de chaque mois à 18 h 30"));
    }

    #[test]
    fn events_rule_serde_round_trip() {
        let r = MonthlyRule::webinar_cycle();
        let json = serde_json::to_string(&r).unwrap();
        assert!(json.contains("Europe/Paris"), "{json}");
        let back: MonthlyRule = serde_json::from_str(&json).unwrap();
        assert_eq!(back, r);
    }
}
