//! iCalendar (RFC 5545) writer: the events of the platform as a `.ics` feed or invitation.
//!
//! The output has CRLF line endings, lines folded at 75 octets on UTF-8 character boundaries
//! (continuation lines start with a space), TEXT values escaped, and times in Europe/Paris
//! written as local times (`DTSTART;TZID=Europe/Paris:20190117T130000`) with one VTIMEZONE
//! for Paris in the calendar whenever an event uses it. That VTIMEZONE carries the EU rule
//! (CEST from the last Sunday of March, CET from the last Sunday of October); a time the rule
//! would get wrong (Paris before 1996, when summer time ended in September, or after a future
//! change of the law) and a time in any other zone are written in UTC (`…Z`), so the instant
//! is always right in every client.

use chrono::{DateTime, Datelike, Offset, TimeZone, Utc};
use chrono_tz::Tz;

/// The media type of a `.ics` answer.
pub const CONTENT_TYPE: &str = "text/calendar; charset=utf-8";

/// The platform's product identifier.
pub const PRODID: &str = "-//Catalyse//Catalyse//FR";

/// The state of an event (`STATUS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EventStatus {
    #[default]
    Confirmed,
    Cancelled,
    Tentative,
}

impl EventStatus {
    fn as_ical(self) -> &'static str {
        match self {
            EventStatus::Confirmed => "CONFIRMED",
            EventStatus::Cancelled => "CANCELLED",
            EventStatus::Tentative => "TENTATIVE",
        }
    }
}

/// One event (`VEVENT`). `uid` must be unique in the calendar and stable across versions
/// (clients update an event by its UID; raise `sequence` when it changes). An `end` that is
/// not after `start` is left out (the event then lasts no time).
#[derive(Debug, Clone, PartialEq)]
pub struct CalEvent {
    pub uid: String,
    pub start: DateTime<Tz>,
    pub end: DateTime<Tz>,
    pub summary: String,
    pub description: Option<String>,
    pub location: Option<String>,
    pub url: Option<String>,
    pub status: EventStatus,
    pub sequence: u32,
    pub last_modified: Option<DateTime<Utc>>,
    pub categories: Vec<String>,
}

impl CalEvent {
    /// A confirmed event with nothing but its identity, times and title.
    pub fn new(
        uid: impl Into<String>,
        start: DateTime<Tz>,
        end: DateTime<Tz>,
        summary: impl Into<String>,
    ) -> CalEvent {
        CalEvent {
            uid: uid.into(),
            start,
            end,
            summary: summary.into(),
            description: None,
            location: None,
            url: None,
            status: EventStatus::Confirmed,
            sequence: 0,
            last_modified: None,
            categories: Vec::new(),
        }
    }
}

/// The calendar's own properties. `name` becomes `X-WR-CALNAME` (the name clients show for a
/// subscription); `method` is `METHOD` (`PUBLISH` for a feed, `REQUEST` for an invitation).
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    pub prodid: String,
    pub name: Option<String>,
    pub method: Option<String>,
}

impl Default for Calendar {
    fn default() -> Self {
        Calendar {
            prodid: PRODID.to_string(),
            name: None,
            method: None,
        }
    }
}

/// The whole `VCALENDAR` for `events`, stamped (`DTSTAMP`) with `now`.
///
/// Events are written in the order given, as given: UIDs are not checked for uniqueness.
/// An event whose start lies outside the years 0000–9999 cannot be written and is left out.
/// An empty `prodid` is replaced by [`PRODID`].
pub fn calendar(cal: &Calendar, events: &[CalEvent], now: DateTime<Utc>) -> String {
    let mut out = String::with_capacity(512 + events.len() * 400);
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    let prodid = if cal.prodid.trim().is_empty() {
        PRODID
    } else {
        cal.prodid.as_str()
    };
    line(&mut out, &format!("PRODID:{}", text(prodid)));
    line(&mut out, "CALSCALE:GREGORIAN");
    if let Some(method) = &cal.method {
        let method: String = method
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if !method.is_empty() {
            line(&mut out, &format!("METHOD:{method}"));
        }
    }
    if let Some(name) = &cal.name {
        line(&mut out, &format!("X-WR-CALNAME:{}", text(name)));
    }
    let events: Vec<&CalEvent> = events.iter().filter(|e| writable(&e.start)).collect();
    let uses_paris = events.iter().any(|e| {
        paris_local(&e.start) || (e.end > e.start && writable(&e.end) && paris_local(&e.end))
    });
    if uses_paris {
        for l in PARIS_VTIMEZONE {
            line(&mut out, l);
        }
    }
    let stamp = utc(&now);
    for e in events {
        line(&mut out, "BEGIN:VEVENT");
        line(&mut out, &format!("UID:{}", text(&e.uid)));
        line(&mut out, &format!("DTSTAMP:{stamp}"));
        line(&mut out, &format!("DTSTART{}", date_time(&e.start)));
        if e.end > e.start && writable(&e.end) {
            line(&mut out, &format!("DTEND{}", date_time(&e.end)));
        }
        line(&mut out, &format!("SUMMARY:{}", text(&e.summary)));
        if let Some(d) = &e.description {
            line(&mut out, &format!("DESCRIPTION:{}", text(d)));
        }
        if let Some(l) = &e.location {
            line(&mut out, &format!("LOCATION:{}", text(l)));
        }
        if let Some(u) = &e.url {
            let u: String = u.chars().filter(|c| !c.is_control()).collect();
            line(&mut out, &format!("URL:{}", u.trim()));
        }
        line(&mut out, &format!("STATUS:{}", e.status.as_ical()));
        line(&mut out, &format!("SEQUENCE:{}", e.sequence));
        if let Some(m) = &e.last_modified {
            line(&mut out, &format!("LAST-MODIFIED:{}", utc(m)));
        }
        let categories: Vec<String> = e
            .categories
            .iter()
            .filter(|c| !c.trim().is_empty())
            .map(|c| text(c))
            .collect();
        if !categories.is_empty() {
            line(&mut out, &format!("CATEGORIES:{}", categories.join(",")));
        }
        line(&mut out, "END:VEVENT");
    }
    line(&mut out, "END:VCALENDAR");
    out
}

/// The VTIMEZONE of Europe/Paris under the EU rule (in force since 1996).
const PARIS_VTIMEZONE: &[&str] = &[
    "BEGIN:VTIMEZONE",
    "TZID:Europe/Paris",
    "X-LIC-LOCATION:Europe/Paris",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
];

/// The UTC offset, in seconds, that [`PARIS_VTIMEZONE`] gives at the instant `t`: +2 h from
/// 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October.
fn paris_rule_offset(t: DateTime<Utc>) -> i32 {
    let last_sunday_1am = |month: u32| {
        // March and October both have 31 days.
        let d = chrono::NaiveDate::from_ymd_opt(t.year(), month, 31)?;
        let back = d.weekday().num_days_from_sunday();
        let d = d.checked_sub_days(chrono::Days::new(u64::from(back)))?;
        Some(Utc.from_utc_datetime(&d.and_hms_opt(1, 0, 0)?))
    };
    match (last_sunday_1am(3), last_sunday_1am(10)) {
        (Some(start), Some(end)) if start <= t && t < end => 7200,
        _ => 3600,
    }
}

/// Whether `t` is in Paris and the VTIMEZONE gives it the same offset as the tz database.
fn paris_local(t: &DateTime<Tz>) -> bool {
    t.timezone() == Tz::Europe__Paris
        && t.offset().fix().local_minus_utc() == paris_rule_offset(t.with_timezone(&Utc))
}

/// Whether both the local and the UTC form of `t` have a four-digit year.
fn writable(t: &DateTime<Tz>) -> bool {
    (0..=9999).contains(&t.year()) && (0..=9999).contains(&t.with_timezone(&Utc).year())
}

/// `;TZID=Europe/Paris:YYYYMMDDTHHMMSS` for Paris, `:YYYYMMDDTHHMMSSZ` otherwise.
fn date_time(t: &DateTime<Tz>) -> String {
    if paris_local(t) {
        format!(";TZID=Europe/Paris:{}", t.format("%Y%m%dT%H%M%S"))
    } else {
        format!(":{}", utc(&t.with_timezone(&Utc)))
    }
}

fn utc(t: &DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A TEXT value, escaped (RFC 5545, 3.3.11): `\` `;` `,` and line breaks; other control
/// characters, which the format forbids, are dropped (tab is kept).
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push_str("\\n");
                }
            }
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The longest line, in octets, without its CRLF.
const MAX_LINE: usize = 75;

/// Appends `content` folded at [`MAX_LINE`] octets on character boundaries, then CRLF.
fn line(out: &mut String, content: &str) {
    let mut len = 0;
    for c in content.chars() {
        let w = c.len_utf8();
        if len + w > MAX_LINE {
            out.push_str("\r\n ");
            len = 1;
        }
        out.push(c);
        len += w;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use catalyse_core::events::MonthlyRule;
    use chrono::NaiveDate;

    fn paris(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Tz> {
        Tz::Europe__Paris
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .unwrap()
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2019, 1, 2, 8, 30, 0).unwrap()
    }

    fn unfold(s: &str) -> String {
        s.replace("\r\n ", "")
    }

    /// The unfolded lines, without their CRLF.
    fn lines(s: &str) -> Vec<String> {
        unfold(s)
            .split("\r\n")
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    }

    fn sample() -> Vec<CalEvent> {
        let mut winter = CalEvent::new(
            "webinaire-2019-01@catalyse",
            paris(2019, 1, 17, 13, 0),
            paris(2019, 1, 17, 14, 0),
            "Webinaire : la transition, pas à pas",
        );
        winter.description = Some(
            "Présentation des leviers d'action ; échanges, questions\net retours d'expérience \
             des collectivités — « élus », agents et partenaires é à è ç œ € 🌍 répétés : \
             éééééééééééééééééééééééééééééééééééééééééééééééééééééé"
                .into(),
        );
        winter.location = Some("En ligne, salle \\ virtuelle".into());
        winter.url = Some("https://catalyse.example.fr/webinaires/2019-01?a=1,2;b".into());
        winter.categories = vec!["Webinaire".into(), "Climat, énergie".into()];
        winter.last_modified = Some(Utc.with_ymd_and_hms(2018, 12, 20, 9, 0, 0).unwrap());
        winter.sequence = 2;
        let mut summer = CalEvent::new(
            "webinaire-2019-08@catalyse",
            paris(2019, 8, 22, 13, 0),
            paris(2019, 8, 22, 14, 0),
            "Webinaire d'août",
        );
        summer.status = EventStatus::Cancelled;
        vec![winter, summer]
    }

    fn sample_calendar() -> String {
        let cal = Calendar {
            name: Some("Catalyse — webinaires".into()),
            method: Some("publish".into()),
            ..Calendar::default()
        };
        calendar(&cal, &sample(), now())
    }

    #[test]
    fn ical_folds_long_french_lines_on_char_boundaries() {
        let original = format!(
            "DESCRIPTION:{}",
            "Électricité, énergie — éco-mobilité 🌍 ".repeat(12)
        );
        let mut out = String::new();
        line(&mut out, &original);
        assert!(out.ends_with("\r\n"));
        let physical: Vec<&str> = out.trim_end_matches("\r\n").split("\r\n").collect();
        assert!(physical.len() > 5);
        for (i, l) in physical.iter().enumerate() {
            assert!(l.len() <= 75, "line {i} has {} octets", l.len());
            assert_eq!(i > 0, l.starts_with(' '), "line {i}");
            // Full lines: the next character would not have fitted.
            assert!(l.len() > 71 || i == physical.len() - 1, "line {i} is short");
        }
        assert_eq!(unfold(&out), format!("{original}\r\n"));
        // Every possible cut position with multi-byte characters.
        for pad in 0..4 {
            let s = format!("{}{}", "x".repeat(pad), "é€🌍".repeat(40));
            let mut out = String::new();
            line(&mut out, &s);
            assert!(out.split("\r\n").all(|l| l.len() <= 75));
            assert_eq!(unfold(&out), format!("{s}\r\n"));
        }
        // A line of exactly 75 octets is not folded; 76 is.
        let mut out = String::new();
        line(&mut out, &"a".repeat(75));
        assert_eq!(out, format!("{}\r\n", "a".repeat(75)));
        let mut out = String::new();
        line(&mut out, &"a".repeat(76));
        assert_eq!(out, format!("{}\r\n a\r\n", "a".repeat(75)));
    }

    #[test]
    fn ical_calendar_lines_are_crlf_and_short() {
        let ics = sample_calendar();
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        assert!(!ics.replace("\r\n", "").contains('\n'), "bare LF");
        assert!(!ics.replace("\r\n", "").contains('\r'), "bare CR");
        for l in ics.split("\r\n") {
            assert!(l.len() <= 75, "{l:?}");
        }
        // The long description was folded and unfolds to its escaped self.
        assert!(ics.contains("\r\n "));
        let description = sample()[0].description.clone().unwrap();
        let want = format!("DESCRIPTION:{}", text(&description));
        assert!(lines(&ics).contains(&want));
    }

    #[test]
    fn ical_escapes_text() {
        assert_eq!(
            text("a, b; c\\d\nligne 2\r\nligne 3\rfin"),
            "a\\, b\\; c\\\\d\\nligne 2\\nligne 3\\nfin"
        );
        assert_eq!(text("bip\u{7}\u{0}\ttab"), "bip\ttab");
        assert_eq!(text("Élan « vert »"), "Élan « vert »");
        let l = lines(&sample_calendar());
        assert!(l.contains(&"SUMMARY:Webinaire : la transition\\, pas à pas".to_string()));
        assert!(l.contains(&"LOCATION:En ligne\\, salle \\\\ virtuelle".to_string()));
        assert!(l.contains(&"CATEGORIES:Webinaire,Climat\\, énergie".to_string()));
        // A URI is not TEXT: written as it is.
        assert!(
            l.contains(&"URL:https://catalyse.example.fr/webinaires/2019-01?a=1,2;b".to_string())
        );
        assert!(l.contains(&"X-WR-CALNAME:Catalyse — webinaires".to_string()));
    }

    #[test]
    fn ical_calendar_structure() {
        let l = lines(&sample_calendar());
        assert_eq!(
            &l[..5],
            [
                "BEGIN:VCALENDAR",
                "VERSION:2.0",
                "PRODID:-//Catalyse//Catalyse//FR",
                "CALSCALE:GREGORIAN",
                "METHOD:PUBLISH",
            ]
        );
        assert_eq!(l.iter().filter(|x| *x == "BEGIN:VTIMEZONE").count(), 1);
        assert_eq!(l.iter().filter(|x| *x == "TZID:Europe/Paris").count(), 1);
        assert_eq!(l.iter().filter(|x| *x == "BEGIN:VEVENT").count(), 2);
        assert_eq!(
            l.iter()
                .filter(|x| x.starts_with("DTSTAMP:20190102T083000Z"))
                .count(),
            2
        );
        assert!(l.contains(&"STATUS:CONFIRMED".to_string()));
        assert!(l.contains(&"STATUS:CANCELLED".to_string()));
        assert!(l.contains(&"SEQUENCE:2".to_string()));
        assert!(l.contains(&"LAST-MODIFIED:20181220T090000Z".to_string()));
        assert!(!l.iter().any(|x| x.starts_with("DURATION")));
        // The VTIMEZONE comes before the first event.
        let tz = l.iter().position(|x| x == "BEGIN:VTIMEZONE").unwrap();
        let ev = l.iter().position(|x| x == "BEGIN:VEVENT").unwrap();
        assert!(tz < ev);
        for want in [
            "DTSTART:19700329T020000",
            "DTSTART:19701025T030000",
            "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
            "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
            "TZNAME:CET",
            "TZNAME:CEST",
        ] {
            assert!(l.contains(&want.to_string()), "{want}");
        }
        assert_eq!(CONTENT_TYPE, "text/calendar; charset=utf-8");
    }

    #[test]
    fn ical_winter_and_summer_in_local_time() {
        let l = lines(&sample_calendar());
        for want in [
            "DTSTART;TZID=Europe/Paris:20190117T130000",
            "DTEND;TZID=Europe/Paris:20190117T140000",
            "DTSTART;TZID=Europe/Paris:20190822T130000",
            "DTEND;TZID=Europe/Paris:20190822T140000",
        ] {
            assert!(l.contains(&want.to_string()), "{want}");
        }
    }

    #[test]
    fn ical_webinar_cycle_feed() {
        let rule = MonthlyRule::webinar_cycle();
        let events: Vec<CalEvent> = rule
            .occurrences(
                NaiveDate::from_ymd_opt(2019, 1, 1).unwrap(),
                NaiveDate::from_ymd_opt(2019, 12, 31).unwrap(),
            )
            .unwrap()
            .into_iter()
            .map(|start| {
                let end = start + chrono::TimeDelta::minutes(i64::from(rule.duration_minutes));
                CalEvent::new(
                    format!("webinaire-{}@catalyse", start.format("%Y-%m")),
                    start,
                    end,
                    "Webinaire Catalyse",
                )
            })
            .collect();
        let l = lines(&calendar(&Calendar::default(), &events, now()));
        let starts: Vec<&str> = l
            .iter()
            .filter_map(|x| x.strip_prefix("DTSTART;TZID=Europe/Paris:"))
            .collect();
        assert_eq!(
            starts,
            [
                "20190117T130000",
                "20190221T130000",
                "20190321T130000",
                "20190418T130000",
                "20190516T130000",
                "20190620T130000",
                "20190718T130000",
                "20190822T130000",
                "20190919T130000",
                "20191017T130000",
                "20191121T130000",
                "20191219T130000",
            ]
        );
        assert_eq!(l.iter().filter(|x| *x == "BEGIN:VTIMEZONE").count(), 1);
    }

    #[test]
    fn ical_paris_rule_matches_tzdata_since_1996() {
        // Every hour around each change, 1996–2040: the VTIMEZONE gives tzdata's offset.
        for year in 1996..=2040 {
            for month in [3, 10] {
                let base = Utc.with_ymd_and_hms(year, month, 20, 0, 0, 0).unwrap();
                for h in 0..(24 * 14) {
                    let t = base + chrono::TimeDelta::hours(h);
                    let local = t.with_timezone(&Tz::Europe__Paris);
                    assert_eq!(
                        paris_rule_offset(t),
                        local.offset().fix().local_minus_utc(),
                        "{t}"
                    );
                    assert!(paris_local(&local));
                }
            }
        }
    }

    #[test]
    fn ical_times_the_vtimezone_cannot_tell_are_utc() {
        // 15 October 1990: summer time had ended on 30 September; the RRULE would say CEST.
        let old = paris(1990, 10, 15, 13, 0);
        assert_eq!(old.offset().fix().local_minus_utc(), 3600);
        let ny = Tz::America__New_York
            .with_ymd_and_hms(2024, 7, 4, 9, 0, 0)
            .single()
            .unwrap();
        let events = [
            CalEvent::new("old", old, old + chrono::TimeDelta::hours(1), "Ancien"),
            CalEvent::new("ny", ny, ny + chrono::TimeDelta::hours(1), "New York"),
        ];
        let l = lines(&calendar(&Calendar::default(), &events, now()));
        assert!(l.contains(&"DTSTART:19901015T120000Z".to_string()));
        assert!(l.contains(&"DTEND:19901015T130000Z".to_string()));
        assert!(l.contains(&"DTSTART:20240704T130000Z".to_string()));
        assert!(
            !l.contains(&"BEGIN:VTIMEZONE".to_string()),
            "no event uses it"
        );
    }

    #[test]
    fn ical_odd_inputs() {
        let t = paris(2024, 3, 21, 13, 0);
        let mut e = CalEvent::new("x", t, t, "Sans durée");
        e.categories = vec![" ".into()];
        let cal = Calendar {
            prodid: String::new(),
            name: None,
            method: Some("re quest\r\n".into()),
        };
        let l = lines(&calendar(&cal, &[e.clone()], now()));
        assert!(l.contains(&format!("PRODID:{PRODID}")));
        assert!(l.contains(&"METHOD:REQUEST".to_string()));
        assert!(
            !l.iter().any(|x| x.starts_with("DTEND")),
            "end not after start"
        );
        assert!(!l.iter().any(|x| x.starts_with("CATEGORIES")));
        // A start the format cannot hold is left out; the calendar stays valid.
        let far = Tz::Europe__Paris
            .with_ymd_and_hms(12000, 1, 1, 0, 0, 0)
            .single()
            .unwrap();
        let l = lines(&calendar(
            &cal,
            &[CalEvent::new("far", far, far, "Loin"), e],
            now(),
        ));
        assert_eq!(l.iter().filter(|x| *x == "BEGIN:VEVENT").count(), 1);
        let empty = calendar(&Calendar::default(), &[], now());
        assert!(!empty.contains("VTIMEZONE"));
        assert!(empty.ends_with("END:VCALENDAR\r\n"));
    }

    /// Runs the shared conformance checker when python3 with icalendar is there.
    #[test]
    fn ical_passes_check_ics() {
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/conformance/ical/check_ics.py");
        if !script.exists() {
            println!("SKIP: {} not found", script.display());
            return;
        }
        let ok = std::process::Command::new("python3")
            .args(["-c", "import icalendar, requests"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if !ok {
            println!("SKIP: python3 with icalendar and requests is not available");
            return;
        }
        let mut events = sample();
        // DST change days and a late autumn event too.
        for (i, (m, d)) in [(3, 31), (10, 27), (11, 21)].into_iter().enumerate() {
            let start = paris(2024, m, d, 13, 0);
            let mut e = CalEvent::new(
                format!("extra-{i}@catalyse"),
                start,
                start + chrono::TimeDelta::hours(1),
                format!(
                    "Séance n° {i}, « spéciale » ; {}",
                    "très longue ".repeat(10)
                ),
            );
            e.categories = vec!["a".into(), "b,c".into()];
            events.push(e);
        }
        let ics = calendar(
            &Calendar {
                name: Some("Catalyse".into()),
                method: Some("PUBLISH".into()),
                ..Calendar::default()
            },
            &events,
            now(),
        );
        let path = std::env::temp_dir().join(format!("catalyse-ical-{}.ics", std::process::id()));
        std::fs::write(&path, &ics).unwrap();
        let out = std::process::Command::new("python3")
            .arg(&script)
            .arg(&path)
            .args(["--tz", "Europe/Paris", "--min-events", "5"])
            .output()
            .unwrap();
        let _ = std::fs::remove_file(&path);
        let stdout = String::from_utf8_lossy(&out.stdout);
        println!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "check_ics.py failed:\n{stdout}");
        assert!(stdout.contains("5 events, 1 time zones: OK"), "{stdout}");
    }
}
