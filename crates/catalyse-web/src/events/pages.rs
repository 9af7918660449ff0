//! Events and webinars: the monthly cycle, all events, a page per event, iCalendar feeds.

use crate::error::AppError;
use crate::format::{DAYS_FR, MONTHS_FR};
use crate::pages::{render, PageCtx};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use catalyse_core::agenda::{Event, EventKind, EventStatus};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

/// The start and end of an event in its own time zone.
pub fn span(e: &Event) -> (DateTime<Tz>, DateTime<Tz>) {
    let tz: Tz = e.timezone.parse().unwrap_or(chrono_tz::Europe::Paris);
    let start = e.starts_at.with_timezone(&tz);
    let end = start + chrono::Duration::minutes(e.duration_minutes.max(0) as i64);
    (start, end)
}

/// « jeudi 17 janvier 2019, 13 h 00 – 14 h 00 (heure de Paris) »
pub fn when_fr(e: &Event) -> String {
    use chrono::{Datelike, Timelike};
    let (s, end) = span(e);
    let zone = if e.timezone == "Europe/Paris" {
        "heure de Paris".to_string()
    } else {
        e.timezone.clone()
    };
    format!(
        "{} {} {} {}, {} h {:02} – {} h {:02} ({zone})",
        DAYS_FR[s.weekday().num_days_from_monday() as usize],
        if s.day() == 1 {
            "1er".to_string()
        } else {
            s.day().to_string()
        },
        MONTHS_FR[s.month0() as usize],
        s.year(),
        s.hour(),
        s.minute(),
        end.hour(),
        end.minute()
    )
}

/// When an event takes place, in the page's language: French as [`when_fr`], English
/// « Thursday 17 January 2019, 13:00 – 14:00 (Paris time) ».
pub fn when(lang: crate::i18n::Lang, e: &Event) -> String {
    use chrono::{Datelike, Timelike};
    if lang == crate::i18n::Lang::Fr {
        return when_fr(e);
    }
    const DAYS_EN: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    let (s, end) = span(e);
    let zone = if e.timezone == "Europe/Paris" {
        "Paris time".to_string()
    } else {
        e.timezone.clone()
    };
    format!(
        "{} {} {} {}, {}:{:02} – {}:{:02} ({zone})",
        DAYS_EN[s.weekday().num_days_from_monday() as usize],
        s.day(),
        crate::format::MONTHS_EN[s.month0() as usize],
        s.year(),
        s.hour(),
        s.minute(),
        end.hour(),
        end.minute()
    )
}

/// The kind of an event in the page's language (« Webinaire » / « Webinar »).
pub fn kind_label(t: crate::i18n::Tr, k: EventKind) -> &'static str {
    t.s(match k {
        EventKind::Webinaire => "kinds.webinaire",
        EventKind::Rencontre => "kinds.rencontre",
        EventKind::Journee => "kinds.journee",
        EventKind::Colloque => "kinds.colloque",
        EventKind::VisiteApprenante => "kinds.visite_apprenante",
        EventKind::Atelier => "kinds.atelier",
        EventKind::TempsCollectif => "kinds.temps_collectif",
        EventKind::TempsIndividuel => "kinds.temps_individuel",
        EventKind::MiseEnSituation => "kinds.mise_en_situation",
        EventKind::CoDeveloppement => "kinds.co_developpement",
        EventKind::Temoignage => "kinds.temoignage",
    })
}

/// An event as listed.
pub struct Line {
    pub slug: String,
    pub title: String,
    pub kind: &'static str,
    pub when: String,
    pub datetime: String,
    pub cancelled: bool,
    pub replay: bool,
    pub is_example: bool,
}

fn line(t: crate::i18n::Tr, e: &Event) -> Line {
    Line {
        slug: e.slug.clone(),
        title: e.title.clone(),
        kind: kind_label(t, e.kind),
        when: when(t.lang, e),
        datetime: catalyse_core::time::rfc3339(&e.starts_at),
        cancelled: e.status == EventStatus::Cancelled,
        replay: e.replay_url.is_some(),
        is_example: e.is_example,
    }
}

#[derive(Template)]
#[template(path = "events/events.html")]
struct EventsPage<'a> {
    ctx: &'a PageCtx,
    kinds: Vec<(&'static str, &'static str, bool)>,
    upcoming: Vec<Line>,
    /// The pages of upcoming events.
    pager: crate::pages::Pager,
    past: Vec<Line>,
}

#[derive(Deserialize)]
pub struct EventsQuery {
    #[serde(rename = "type")]
    kind: Option<String>,
    page: Option<String>,
}

/// Upcoming events a page of `/evenements`; past ones shown (the latest).
const UPCOMING_PER_PAGE: u32 = 20;
const PAST_SHOWN: usize = 20;

/// `GET /evenements`: upcoming events, then past ones; `?type=` keeps one kind.
pub async fn list(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<EventsQuery>,
) -> Result<Response, AppError> {
    let t = ctx.t;
    let kind = q.kind.as_deref().and_then(|k| k.parse::<EventKind>().ok());
    let page = crate::pages::page_param(q.page.as_deref(), 10_000);
    let now = Utc::now();
    let upcoming = state.store.events(Some(now), None, kind, None).await?;
    let pager = crate::pages::Pager::new(page, upcoming.len(), UPCOMING_PER_PAGE, |n| match kind {
        Some(k) => format!("/evenements?type={}&page={n}", k.as_str()),
        None => format!("/evenements?page={n}"),
    });
    let upcoming: Vec<Line> = upcoming
        .iter()
        .skip((page as usize - 1) * UPCOMING_PER_PAGE as usize)
        .take(UPCOMING_PER_PAGE as usize)
        .map(|e| line(t, e))
        .collect();
    let mut past = state.store.events(None, Some(now), kind, None).await?;
    past.reverse();
    past.truncate(PAST_SHOWN);
    let kinds = EventKind::ALL
        .iter()
        .map(|k| (k.as_str(), kind_label(ctx.t, *k), Some(*k) == kind))
        .collect();
    render(
        &ctx,
        &EventsPage {
            ctx: &ctx,
            kinds,
            upcoming,
            pager,
            past: past.iter().map(|e| line(t, e)).collect(),
        },
    )
}

#[derive(Template)]
#[template(path = "events/webinars.html")]
struct WebinarsPage<'a> {
    ctx: &'a PageCtx,
    rule: String,
    upcoming: Vec<Line>,
    /// Upcoming sessions beyond those shown (listed on `/evenements?type=webinaire`).
    more_upcoming: usize,
    /// (lever slug, lever name, its sessions nearest to today)
    by_lever: Vec<(String, String, Vec<Line>)>,
    past: Vec<Line>,
}

/// Sessions shown in each list of `/webinaires`.
const WEBINARS_SHOWN: usize = 12;

/// The platform's monthly cycle.
pub const CYCLE: &str = "webinaires-mensuels";

/// `GET /webinaires`: the next sessions, the cycle by lever, past sessions and their replays.
pub async fn webinars(State(state): State<AppState>, ctx: PageCtx) -> Result<Response, AppError> {
    let t = ctx.t;
    let now = Utc::now();
    let all = state
        .store
        .events(None, None, Some(EventKind::Webinaire), None)
        .await?;
    let (past, upcoming): (Vec<&Event>, Vec<&Event>) = all.iter().partition(|e| e.starts_at < now);
    // Each lever's sessions nearest to today: the next ones, then the latest before.
    let near = |l: &str| -> Vec<Line> {
        let of = |e: &&&Event| e.levers.iter().any(|x| x == l);
        let mut before: Vec<Line> = past
            .iter()
            .filter(of)
            .rev()
            .take(2)
            .map(|e| line(t, e))
            .collect();
        before.reverse();
        before
            .into_iter()
            .chain(upcoming.iter().filter(of).take(4).map(|e| line(t, e)))
            .collect()
    };
    let by_lever = state
        .reference
        .levers
        .iter()
        .map(|l| (l.slug.clone(), l.name.clone(), near(&l.slug)))
        .filter(|(_, _, v)| !v.is_empty())
        .collect();
    let rule = state
        .store
        .series(CYCLE)
        .await?
        .map(|s| s.rule)
        .unwrap_or_default();
    render(
        &ctx,
        &WebinarsPage {
            ctx: &ctx,
            rule,
            more_upcoming: upcoming.len().saturating_sub(WEBINARS_SHOWN),
            upcoming: upcoming
                .iter()
                .take(WEBINARS_SHOWN)
                .map(|e| line(t, e))
                .collect(),
            by_lever,
            past: past
                .iter()
                .rev()
                .take(WEBINARS_SHOWN)
                .map(|e| line(t, e))
                .collect(),
        },
    )
}

#[derive(Template)]
#[template(path = "events/event.html")]
struct EventPage<'a> {
    ctx: &'a PageCtx,
    e: Event,
    when: String,
    levers: Vec<(String, String)>,
    json_ld: String,
    replay_host: Option<String>,
    series_title: Option<String>,
    /// The parcours (slug, title) it is a session of.
    cohort: Option<(String, String)>,
    /// Registration is open (a scheduled event still to come).
    open: bool,
    /// « 12 places restantes » or « Complet — liste d'attente ouverte », while open.
    seats: Option<String>,
    /// How an online event's connection link reaches those who have a seat.
    link_note: Option<&'static str>,
    /// Where the signed-in member's registration stands, before the event (she may cancel).
    mine: Option<String>,
    /// What her last action did (`?inscription=deja|annulee`).
    notice: Option<&'static str>,
}

impl EventPage<'_> {
    /// The event's kind in the page's language.
    fn kind(&self) -> &'static str {
        kind_label(self.ctx.t, self.e.kind)
    }
}

#[derive(Deserialize)]
pub struct EventQuery {
    inscription: Option<String>,
}

/// `?etat=`: what the page was sent back after (saved, cancelled…), for the animators' event
/// page and « Mes inscriptions » to say so.
#[derive(Deserialize)]
pub struct NoticeQuery {
    pub etat: Option<String>,
}

/// What the event's page says about seats and about the connection link, and where the
/// signed-in member's registration stands before the event.
async fn registration_view(
    state: &AppState,
    ctx: &PageCtx,
    e: &Event,
    open: bool,
) -> Result<(Option<String>, Option<&'static str>, Option<String>), AppError> {
    let t = ctx.t;
    let now = Utc::now();
    let upcoming = e.status == EventStatus::Scheduled && e.starts_at > now;
    let seats = match e.capacity {
        Some(c) if open => {
            let (taken, _) = state.store.registration_counts(e.id).await?;
            let left = i64::from(c) - taken;
            Some(match left {
                ..=0 => t.s("reg.seats_full").to_string(),
                1 => t.s("reg.seats_one").to_string(),
                n => t.f("reg.seats_left", ctx.num(&n)),
            })
        }
        _ => None,
    };
    // What the mails carry (see `service`): the link in the .ics file joined to the
    // confirmation of a seat, and in the reminders 24 hours and 1 hour before the start.
    let link_note = (upcoming && e.address.is_none()).then(|| {
        t.s(if e.online_url.is_some() {
            "reg.link_note"
        } else {
            "reg.link_note_later"
        })
    });
    // As `service::member_state` finds it (the service reads this module: not called here).
    let mine = match &ctx.user {
        Some(u) if upcoming => state
            .store
            .member_registrations(u.id, u.email.as_str(), Some(e.id))
            .await?
            .into_iter()
            .next(),
        _ => None,
    };
    let mine = mine.map(|(_, place)| match place {
        0 => t.s("reg.mine_seat").to_string(),
        n => t.f("reg.mine_waiting", n),
    });
    Ok((seats, link_note, mine))
}

/// `GET /evenements/{slug}`
pub async fn event(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(slug): Path<String>,
    Query(q): Query<EventQuery>,
) -> Result<Response, AppError> {
    let e = state.store.event(&slug).await?.ok_or(AppError::NotFound)?;
    let open = e.open_for_registration(Utc::now());
    let (seats, link_note, mine) = registration_view(&state, &ctx, &e, open).await?;
    // Only for her: an anonymous answer may be kept for everyone.
    let notice = match (q.inscription.as_deref(), &ctx.user) {
        (Some("deja"), Some(_)) => Some(ctx.t.s("reg.already")),
        (Some("annulee"), Some(_)) => Some(ctx.t.s("reg.cancelled_notice")),
        _ => None,
    };
    let (start, end) = span(&e);
    let base = state.config.public_url();
    let mut ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "Event",
        "name": e.title,
        "startDate": start.to_rfc3339(),
        "endDate": end.to_rfc3339(),
        "eventStatus": match e.status {
            EventStatus::Cancelled => "https://schema.org/EventCancelled",
            _ => "https://schema.org/EventScheduled",
        },
        "url": format!("{base}/evenements/{}", e.slug),
        "inLanguage": "fr",
        "organizer": {"@type": "Organization", "name": "Catalyse"},
    });
    if !e.description.is_empty() {
        ld["description"] = serde_json::json!(e.description);
    }
    match (&e.online_url, &e.address) {
        (_, Some(addr)) => {
            ld["eventAttendanceMode"] =
                serde_json::json!("https://schema.org/OfflineEventAttendanceMode");
            ld["location"] = serde_json::json!({"@type": "Place", "address": addr});
        }
        (url, None) => {
            ld["eventAttendanceMode"] =
                serde_json::json!("https://schema.org/OnlineEventAttendanceMode");
            ld["location"] = serde_json::json!({
                "@type": "VirtualLocation",
                "url": url.clone().unwrap_or_else(|| format!("{base}/evenements/{}", e.slug)),
            });
        }
    }
    let json_ld = crate::pages::json_ld(&ld);
    let levers = e
        .levers
        .iter()
        .map(|l| (l.clone(), crate::resources::pages::lever_name(&state, l)))
        .collect();
    let replay_host = e.replay_url.as_deref().and_then(|u| {
        u.split("://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .map(str::to_string)
    });
    let series_title = match &e.series {
        Some(s) => state.store.series(s).await?.map(|s| s.title),
        None => None,
    };
    // A session of a parcours says which.
    let cohort = state
        .store
        .session_cohort(e.id)
        .await?
        .map(|c| (c.fields.slug, c.fields.title));
    render(
        &ctx,
        &EventPage {
            ctx: &ctx,
            when: when(ctx.t.lang, &e),
            levers,
            json_ld,
            replay_host,
            series_title,
            cohort,
            open,
            seats,
            link_note,
            mine,
            notice,
            e,
        },
    )
}

fn cal_event(state: &AppState, e: &Event) -> catalyse_formats::icalendar::CalEvent {
    let (start, end) = span(e);
    let base = state.config.public_url();
    let host = state
        .config
        .oai_identifier
        .clone()
        .unwrap_or_else(|| "catalyse.local".into());
    catalyse_formats::icalendar::CalEvent {
        uid: format!("evenement-{}@{host}", e.id),
        start,
        end,
        summary: format!("{} : {}", e.kind.label(), e.title),
        description: Some(format!(
            "{}{}{}",
            e.description,
            if e.description.is_empty() { "" } else { "\n\n" },
            format_args!("{base}/evenements/{}", e.slug)
        )),
        location: e.address.clone().or_else(|| e.online_url.clone()),
        url: Some(format!("{base}/evenements/{}", e.slug)),
        status: match e.status {
            EventStatus::Cancelled => catalyse_formats::icalendar::EventStatus::Cancelled,
            _ => catalyse_formats::icalendar::EventStatus::Confirmed,
        },
        sequence: 0,
        last_modified: Some(e.updated_at),
        categories: vec![e.kind.label().to_string()],
    }
}

fn calendar_text(state: &AppState, name: &str, events: &[Event]) -> String {
    let cal = catalyse_formats::icalendar::Calendar {
        prodid: "-//Catalyse//Catalyse//FR".into(),
        name: Some(name.to_string()),
        method: Some("PUBLISH".into()),
    };
    let list: Vec<_> = events.iter().map(|e| cal_event(state, e)).collect();
    catalyse_formats::icalendar::calendar(&cal, &list, Utc::now())
}

/// One event as an iCalendar file (confirmation emails carry it).
pub fn event_ics(state: &AppState, e: &Event) -> String {
    calendar_text(state, &e.title, std::slice::from_ref(e))
}

pub fn ics(state: &AppState, name: &str, events: &[Event], filename: &str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                catalyse_formats::icalendar::CONTENT_TYPE.to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{filename}\""),
            ),
        ],
        calendar_text(state, name, events),
    )
        .into_response()
}

/// `GET /evenements/calendrier.ics`: every public event.
pub async fn calendar(State(state): State<AppState>) -> Result<Response, AppError> {
    let all = state.store.events(None, None, None, None).await?;
    Ok(ics(&state, "Catalyse — événements", &all, "catalyse.ics"))
}

/// `GET /evenements/series/{slug}/calendrier.ics`: one series.
pub async fn series_calendar(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let s = state.store.series(&slug).await?.ok_or(AppError::NotFound)?;
    let all = state.store.events(None, None, None, Some(&slug)).await?;
    Ok(ics(&state, &s.title, &all, &format!("{slug}.ics")))
}

/// `GET /evenements/{slug}/calendrier.ics`: one event, to add to a calendar.
pub async fn event_calendar(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let e = state.store.event(&slug).await?.ok_or(AppError::NotFound)?;
    Ok(ics(
        &state,
        &e.title,
        std::slice::from_ref(&e),
        &format!("{slug}.ics"),
    ))
}

/// `GET /evenements/flux.atom`: the events to come, the next first.
pub async fn atom(State(state): State<AppState>) -> Result<Response, AppError> {
    use catalyse_formats::atom::{Entry, Feed};
    let upcoming = state
        .store
        .events(Some(Utc::now()), None, None, None)
        .await?;
    let base = state.config.public_url();
    let entries: Vec<Entry> = upcoming
        .iter()
        .take(50)
        .map(|e| Entry {
            id: format!("{base}/evenements/{}", e.slug),
            title: format!("{} — {}", e.title, when_fr(e)),
            url: format!("{base}/evenements/{}", e.slug),
            updated: e.updated_at,
            published: None,
            summary: Some(if e.description.is_empty() {
                format!("{} : {}", e.kind.label(), when_fr(e))
            } else {
                e.description.clone()
            }),
            authors: vec![],
            categories: vec![(e.kind.as_str().to_string(), e.kind.label().to_string())],
            content_html: None,
        })
        .collect();
    let feed = Feed {
        id: format!("{base}/evenements"),
        title: "Catalyse — prochains événements".into(),
        subtitle: Some("Webinaires, rencontres et ateliers à venir.".into()),
        self_url: format!("{base}/evenements/flux.atom"),
        alternate_url: format!("{base}/evenements"),
        updated: entries
            .iter()
            .map(|e| e.updated)
            .max()
            .unwrap_or_else(Utc::now),
        author: "Catalyse".into(),
        rights: None,
        lang: "fr".into(),
    };
    Ok((
        [(header::CONTENT_TYPE, catalyse_formats::atom::CONTENT_TYPE)],
        catalyse_formats::atom::atom(&feed, &entries),
    )
        .into_response())
}
