//! The animators' table of a cohort, read once from its `Board`: one row per participant,
//! grouped by team, with her attendance at each session, what her team handed in for each
//! deliverable, her modules and her progress. The page (`admin`) and the CSV export show the
//! same table.

use super::pages::submission_url;
use super::service::Board;
use crate::error::AppError;
use crate::pages::PageCtx;
use crate::state::AppState;
use catalyse_core::agenda::EventStatus;
use catalyse_core::parcours::HandIn;
use chrono::{DateTime, Utc};

/// A session as a column: cancelled ones are left out (they count for nothing).
pub struct SessionCol {
    pub id: i64,
    pub slug: String,
    pub step: i32,
    pub title: String,
    /// « 5 juillet 2018 ».
    pub date: String,
    /// Whether it has started: attendance is marked only then.
    pub started: bool,
}

pub struct DeliverableCol {
    pub id: i64,
    pub step: i32,
    pub title: String,
}

/// One session of one participant.
pub struct Cell {
    pub event_id: i64,
    pub attended: bool,
    pub started: bool,
    /// The checkbox's label: who, which session.
    pub label: String,
}

/// What a participant's team handed in for one deliverable.
pub struct HandedCell {
    pub done: bool,
    /// « remis », « constaté ».
    pub text: &'static str,
    /// When (« 3 mars 2026 à 14:05 »).
    pub when: String,
    /// Where to open it again (a file through the platform, or a link).
    pub open: Option<String>,
    /// What the link opens, for its accessible name: « Portrait de territoire — Équipe… ».
    pub what: String,
}

pub struct PersonRow {
    pub user_id: i64,
    pub name: String,
    pub cells: Vec<Cell>,
    pub handed: Vec<HandedCell>,
    pub modules_done: usize,
    pub percent: u32,
}

pub struct TeamGroup {
    pub id: i64,
    pub name: String,
    pub territory: String,
    pub rows: Vec<PersonRow>,
}

pub struct Table {
    pub sessions: Vec<SessionCol>,
    pub cancelled: usize,
    pub deliverables: Vec<DeliverableCol>,
    pub modules_total: usize,
    pub groups: Vec<TeamGroup>,
}

impl Table {
    /// The sessions whose attendance the grid marks, as the form sends them back.
    pub fn shown_sessions(&self) -> String {
        let ids: Vec<String> = (self.sessions.iter())
            .filter(|s| s.started)
            .map(|s| s.id.to_string())
            .collect();
        ids.join(",")
    }

    /// The participants the grid shows, as the form sends them back.
    pub fn shown_people(&self) -> String {
        let ids: Vec<String> = (self.groups.iter())
            .flat_map(|g| &g.rows)
            .map(|r| r.user_id.to_string())
            .collect();
        ids.join(",")
    }

    pub fn participants(&self) -> usize {
        self.groups.iter().map(|g| g.rows.len()).sum()
    }

    /// Whether any session can be marked (one has started and someone is enrolled).
    pub fn markable(&self) -> bool {
        self.participants() > 0 && self.sessions.iter().any(|s| s.started)
    }

    /// Columns besides the name: sessions, deliverables, modules, percent.
    pub fn width(&self) -> usize {
        self.sessions.len() + self.deliverables.len() + 3
    }

    pub fn read(state: &AppState, ctx: &PageCtx, board: &Board, now: DateTime<Utc>) -> Table {
        let t = ctx.t;
        let paris = |at: &DateTime<Utc>| {
            ctx.date(&at.with_timezone(&chrono_tz::Europe::Paris).date_naive())
        };
        let sessions: Vec<SessionCol> = (board.sessions.iter())
            .filter(|s| s.event.status != EventStatus::Cancelled)
            .map(|s| SessionCol {
                id: s.event.id,
                slug: s.event.slug.clone(),
                step: s.step,
                title: s.event.title.clone(),
                date: paris(&s.event.starts_at),
                started: s.event.starts_at <= now,
            })
            .collect();
        let deliverables: Vec<DeliverableCol> = (board.deliverables.iter())
            .map(|d| DeliverableCol {
                id: d.id,
                step: d.fields.step,
                title: d.fields.title.clone(),
            })
            .collect();
        let by_team = board.by_team();
        let groups = (board.teams.iter())
            .map(|team| {
                let rows = (by_team.get(&team.id).into_iter().flatten())
                    .map(|e| {
                        let p = board.progress_of(e, now).progress;
                        PersonRow {
                            user_id: e.user_id,
                            name: e.display_name.clone(),
                            cells: (sessions.iter())
                                .map(|s| Cell {
                                    event_id: s.id,
                                    attended: board.attended(s.id, e.user_id),
                                    started: s.started,
                                    label: t
                                        .s("parcours_admin.present_of")
                                        .replace("{name}", &e.display_name)
                                        .replace("{title}", &s.title)
                                        .replace("{when}", &s.date),
                                })
                                .collect(),
                            handed: (deliverables.iter())
                                .map(|d| match board.handed_in(d.id, team.id) {
                                    Some(s) => HandedCell {
                                        done: true,
                                        text: t.s(if s.kind == HandIn::Constate {
                                            "parcours_admin.recorded"
                                        } else {
                                            "parcours_admin.handed"
                                        }),
                                        when: ctx.when(&s.submitted_at),
                                        open: submission_url(&board.cohort, s),
                                        what: format!("{} — {}", d.title, team.name),
                                    },
                                    None => HandedCell {
                                        done: false,
                                        text: t.s("parcours_admin.not_handed"),
                                        when: String::new(),
                                        open: None,
                                        what: String::new(),
                                    },
                                })
                                .collect(),
                            modules_done: p.modules_done,
                            percent: p.percent(),
                        }
                    })
                    .collect();
                TeamGroup {
                    id: team.id,
                    name: team.name.clone(),
                    territory: state
                        .territories
                        .get(team.territory.level, &team.territory.code)
                        .map_or_else(|| team.territory.code.clone(), |x| x.name.clone()),
                    rows,
                }
            })
            .collect();
        Table {
            cancelled: board.sessions.len() - sessions.len(),
            sessions,
            deliverables,
            modules_total: board.modules.len(),
            groups,
        }
    }

    /// The table as CSV (UTF-8 with a byte order mark, so that spreadsheets read its accents):
    /// team, territory, name, each session attended, each deliverable handed in by her team,
    /// modules completed, percent. Cells typed by people never run as formulas.
    pub fn csv(&self, ctx: &PageCtx) -> Result<csv::Writer<Vec<u8>>, AppError> {
        let t = ctx.t;
        let mut w = csv::Writer::from_writer("\u{feff}".as_bytes().to_vec());
        let err = |e: csv::Error| AppError::Internal(e.into());
        let yes_no = |b: bool| {
            t.s(if b {
                "parcours_admin.yes"
            } else {
                "parcours_admin.no"
            })
        };
        let mut head: Vec<String> = vec![
            t.s("parcours_admin.csv_team").into(),
            t.s("parcours_admin.csv_territory").into(),
            t.s("parcours_admin.csv_name").into(),
        ];
        head.extend(self.sessions.iter().map(|s| {
            t.s("parcours_admin.csv_session")
                .replace("{step}", &s.step.to_string())
                .replace("{title}", &s.title)
                .replace("{when}", &s.date)
        }));
        head.extend(
            (self.deliverables.iter()).map(|d| t.f("parcours_admin.csv_deliverable", &d.title)),
        );
        head.push(t.f("parcours_admin.csv_modules", self.modules_total));
        head.push(t.s("parcours_admin.csv_percent").into());
        w.write_record(catalyse_core::text::csv_record(
            head.iter().map(String::as_str),
        ))
        .map_err(err)?;
        for g in &self.groups {
            for r in &g.rows {
                let mut line: Vec<String> =
                    vec![g.name.clone(), g.territory.clone(), r.name.clone()];
                line.extend(r.cells.iter().map(|c| yes_no(c.attended).to_string()));
                line.extend(r.handed.iter().map(|h| yes_no(h.done).to_string()));
                line.push(r.modules_done.to_string());
                line.push(r.percent.to_string());
                w.write_record(catalyse_core::text::csv_record(
                    line.iter().map(String::as_str),
                ))
                .map_err(err)?;
            }
        }
        Ok(w)
    }
}
