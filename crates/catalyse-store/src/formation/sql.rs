//! The kit de formation's store: `FormationStore` over SQL both engines take.

use super::{
    FormationLoad, FormationStore, ModuleProgress, Reflection, StoredModule, UnitDone, UnitTarget,
    FORMATION_STATE,
};
use crate::reference::{loaded_checksum, set_state};
use crate::sql::{corrupt, query, Backing, Conn, Engine, Row};
use crate::{ts, StoreError, StoreResult};
use async_trait::async_trait;
use catalyse_core::formation::{Module, QuizResult, Unit, UnitContent, UnitKind};
use chrono::{DateTime, Utc};
use sqlx::{Executor, Transaction};
use std::collections::HashMap;

const MODULE_COLUMNS: &str = "id, slug, position, title, summary, note, is_example, shipped, \
                              edited_at, edited_by, revision, updated_at";

/// A unit with what it links (resources and events joined by slug).
const UNITS: &str = "SELECT u.module_id, u.unit_key, u.section, u.title, u.kind, u.target, \
     u.body, u.minutes, u.is_example, r.title AS r_title, r.state AS r_state, \
     e.title AS e_title, e.status AS e_status, e.replay_url AS e_replay, \
     e.starts_at AS e_start \
     FROM formation_units u \
     LEFT JOIN resources r ON u.kind = 'resource' AND r.slug = u.target \
     LEFT JOIN events e ON u.kind = 'replay' AND e.slug = u.target";

/// A module's row, its units to come.
fn module_row<DB: Engine>(r: &Row<DB>) -> StoreResult<StoredModule> {
    Ok(StoredModule {
        id: r.try_get("id")?,
        module: Module {
            slug: r.try_get("slug")?,
            title: r.try_get("title")?,
            summary: r.try_get("summary")?,
            note: r.try_get("note")?,
            is_example: r.try_get("is_example")?,
            units: vec![],
        },
        position: r.try_get("position")?,
        shipped: r.try_get("shipped")?,
        edited_at: r.time_opt("edited_at")?,
        edited_by: r.try_get("edited_by")?,
        revision: r.try_get("revision")?,
        updated_at: r.time("updated_at")?,
        targets: vec![],
    })
}

/// One row of [`UNITS`]: its module's id, the unit and what it links.
fn unit_row<DB: Engine>(r: &Row<DB>) -> StoreResult<(i64, Unit, Option<UnitTarget>)> {
    let kind: String = r.try_get("kind")?;
    let kind: UnitKind = kind.parse().map_err(corrupt)?;
    let target: String = r.try_get("target")?;
    let body: String = r.try_get("body")?;
    let content = match kind {
        UnitKind::Resource => UnitContent::Resource { slug: target },
        UnitKind::Replay => UnitContent::Replay { event: target },
        UnitKind::Reflection => UnitContent::Reflection { prompt: body },
        UnitKind::Quiz => UnitContent::Quiz {
            questions: serde_json::from_str(&body).map_err(corrupt)?,
        },
    };
    let linked = match kind {
        UnitKind::Resource => r
            .try_get::<Option<String>, _>("r_title")?
            .map(|title| -> StoreResult<UnitTarget> {
                let state: Option<String> = r.try_get("r_state")?;
                Ok(UnitTarget {
                    title,
                    available: state.as_deref() == Some("published"),
                    replay_url: None,
                    starts_at: None,
                })
            })
            .transpose()?,
        UnitKind::Replay => r
            .try_get::<Option<String>, _>("e_title")?
            .map(|title| -> StoreResult<UnitTarget> {
                let status: Option<String> = r.try_get("e_status")?;
                Ok(UnitTarget {
                    title,
                    available: status.as_deref() != Some("cancelled"),
                    replay_url: r.try_get("e_replay")?,
                    starts_at: r.time_opt("e_start")?,
                })
            })
            .transpose()?,
        _ => None,
    };
    let minutes: i64 = r.try_get("minutes")?;
    Ok((
        r.try_get("module_id")?,
        Unit {
            key: r.try_get("unit_key")?,
            section: r.try_get("section")?,
            title: r.try_get("title")?,
            minutes: i32::try_from(minutes).map_err(corrupt)?,
            is_example: r.try_get("is_example")?,
            content,
        },
        linked,
    ))
}

fn done_row<DB: Engine>(r: &Row<DB>) -> StoreResult<UnitDone> {
    let score: Option<i64> = r.try_get("score")?;
    let out_of: Option<i64> = r.try_get("out_of")?;
    let answers: Option<String> = r.try_get("answers")?;
    let quiz = match (score, out_of, answers) {
        (Some(score), Some(out_of), Some(answers)) => Some(QuizResult {
            score: i32::try_from(score).map_err(corrupt)?,
            out_of: i32::try_from(out_of).map_err(corrupt)?,
            answers: serde_json::from_str(&answers).map_err(corrupt)?,
        }),
        _ => None,
    };
    Ok(UnitDone {
        unit_key: r.try_get("unit_key")?,
        completed_at: r.time("completed_at")?,
        quiz,
    })
}

/// Modules (all, or the one of `slug`) with their units, in order.
async fn read_modules<DB: Engine>(
    pool: &sqlx::Pool<DB>,
    slug: Option<&str>,
) -> StoreResult<Vec<StoredModule>>
where
    for<'c> &'c mut Conn<DB>: Executor<'c, Database = DB>,
{
    let (modules, units) = match slug {
        Some(slug) => {
            let m = query(&format!(
                "SELECT {MODULE_COLUMNS} FROM formation_modules WHERE slug = $1"
            ))
            .bind(slug)
            .fetch_all(pool)
            .await?;
            let u = query(&format!(
                "{UNITS} JOIN formation_modules m ON m.id = u.module_id WHERE m.slug = $1 \
                 ORDER BY u.position"
            ))
            .bind(slug)
            .fetch_all(pool)
            .await?;
            (m, u)
        }
        None => {
            let m = query(&format!(
                "SELECT {MODULE_COLUMNS} FROM formation_modules ORDER BY position, id"
            ))
            .fetch_all(pool)
            .await?;
            let u = query(&format!("{UNITS} ORDER BY u.module_id, u.position"))
                .fetch_all(pool)
                .await?;
            (m, u)
        }
    };
    let mut out: Vec<StoredModule> = modules.iter().map(module_row).collect::<Result<_, _>>()?;
    let at: HashMap<i64, usize> = out.iter().enumerate().map(|(i, m)| (m.id, i)).collect();
    for row in &units {
        let (module_id, unit, target) = unit_row(row)?;
        if let Some(&i) = at.get(&module_id) {
            out[i].module.units.push(unit);
            out[i].targets.push(target);
        }
    }
    Ok(out)
}

/// Writes a module's units (its old ones removed first).
async fn write_units<DB: Engine>(
    tx: &mut Transaction<'_, DB>,
    module_id: i64,
    units: &[Unit],
) -> StoreResult<()>
where
    for<'c> &'c mut Conn<DB>: Executor<'c, Database = DB>,
{
    query("DELETE FROM formation_units WHERE module_id = $1")
        .bind(module_id)
        .execute(&mut **tx)
        .await?;
    for (i, u) in units.iter().enumerate() {
        let (target, body) = match &u.content {
            UnitContent::Resource { slug } => (slug.clone(), String::new()),
            UnitContent::Replay { event } => (event.clone(), String::new()),
            UnitContent::Reflection { prompt } => (String::new(), prompt.clone()),
            UnitContent::Quiz { questions } => (
                String::new(),
                serde_json::to_string(questions).map_err(corrupt)?,
            ),
        };
        query(
            "INSERT INTO formation_units (module_id, unit_key, position, section, title, kind, \
             target, body, minutes, is_example) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(module_id)
        .bind(&u.key)
        .bind(i as i64 + 1)
        .bind(&u.section)
        .bind(&u.title)
        .bind(u.kind().as_str())
        .bind(target)
        .bind(body)
        .bind(i64::from(u.minutes))
        .bind(u.is_example)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Creates a shipped module at `position`.
async fn insert_module<DB: Engine>(
    tx: &mut Transaction<'_, DB>,
    m: &Module,
    position: i64,
    now: i64,
) -> StoreResult<()>
where
    for<'c> &'c mut Conn<DB>: Executor<'c, Database = DB>,
{
    let id: i64 = query(
        "INSERT INTO formation_modules (slug, position, title, summary, note, is_example, \
         shipped, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, TRUE, $7, $7) \
         RETURNING id",
    )
    .bind(&m.slug)
    .bind(position)
    .bind(&m.title)
    .bind(&m.summary)
    .bind(&m.note)
    .bind(m.is_example)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    write_units(tx, id, &m.units).await
}

/// Replaces a module's text and units; `edited` says whether by an animator (`Some`: her id
/// and the time) or back to the file (`None`: the edited mark cleared). `Conflict` on
/// `revision` when it moved since `revision` (unless `revision` is `None`: the loader).
async fn rewrite<DB: Engine>(
    tx: &mut Transaction<'_, DB>,
    slug: &str,
    revision: Option<i64>,
    m: &Module,
    edited: Option<(i64, i64)>,
    now: i64,
) -> StoreResult<()>
where
    for<'c> &'c mut Conn<DB>: Executor<'c, Database = DB>,
{
    let row = query(&format!(
        "SELECT id, revision FROM formation_modules WHERE slug = $1{}",
        DB::FOR_UPDATE
    ))
    .bind(slug)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    let id: i64 = row.try_get("id")?;
    let current: i64 = row.try_get("revision")?;
    if revision.is_some_and(|r| r != current) {
        return Err(StoreError::Conflict {
            field: "revision",
            message: "the module changed since this version".into(),
        });
    }
    query(
        "UPDATE formation_modules SET title = $1, summary = $2, note = $3, is_example = $4, \
         edited_at = $5, edited_by = $6, revision = revision + 1, updated_at = $7 \
         WHERE id = $8",
    )
    .bind(&m.title)
    .bind(&m.summary)
    .bind(&m.note)
    .bind(m.is_example)
    .bind(edited.map(|(_, at)| at))
    .bind(edited.map(|(by, _)| by))
    .bind(now)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    write_units(tx, id, &m.units).await
}

/// An animator's change of a module, in the audit trail.
async fn audit<DB: Engine>(
    tx: &mut Transaction<'_, DB>,
    action: &str,
    slug: &str,
    actor: i64,
    now: i64,
) -> StoreResult<()>
where
    for<'c> &'c mut Conn<DB>: Executor<'c, Database = DB>,
{
    query(
        "INSERT INTO audit_log (at, actor_id, action, target, details) \
         VALUES ($1, $2, $3, $4, '')",
    )
    .bind(now)
    .bind(actor)
    .bind(action)
    .bind(format!("formation:{slug}"))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The module of `slug` read back after a write.
async fn read_one<DB: Engine>(pool: &sqlx::Pool<DB>, slug: &str) -> StoreResult<StoredModule>
where
    for<'c> &'c mut Conn<DB>: Executor<'c, Database = DB>,
{
    read_modules(pool, Some(slug))
        .await?
        .pop()
        .ok_or(StoreError::NotFound)
}

/// The id of module `module` if it has the unit `unit`.
async fn unit_module<DB: Engine>(
    tx: &mut Transaction<'_, DB>,
    module: &str,
    unit: &str,
) -> StoreResult<i64>
where
    for<'c> &'c mut Conn<DB>: Executor<'c, Database = DB>,
{
    query(
        "SELECT u.module_id FROM formation_units u JOIN formation_modules m \
         ON m.id = u.module_id WHERE m.slug = $1 AND u.unit_key = $2",
    )
    .bind(module)
    .bind(unit)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StoreError::NotFound)?
    .try_get("module_id")
    .map_err(Into::into)
}

/// Marks the unit done (the first time kept) with a quiz's result, returning the row.
async fn mark_done<DB: Engine>(
    tx: &mut Transaction<'_, DB>,
    (user_id, module_id, unit): (i64, i64, &str),
    quiz: Option<&QuizResult>,
    now: i64,
) -> StoreResult<UnitDone>
where
    for<'c> &'c mut Conn<DB>: Executor<'c, Database = DB>,
{
    let answers = quiz
        .map(|q| serde_json::to_string(&q.answers).map_err(corrupt))
        .transpose()?;
    let row = query(
        "INSERT INTO formation_progress (user_id, module_id, unit_key, completed_at, score, \
         out_of, answers) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (user_id, module_id, unit_key) DO UPDATE SET \
         score = COALESCE(excluded.score, formation_progress.score), \
         out_of = COALESCE(excluded.out_of, formation_progress.out_of), \
         answers = COALESCE(excluded.answers, formation_progress.answers) \
         RETURNING unit_key, completed_at, score, out_of, answers",
    )
    .bind(user_id)
    .bind(module_id)
    .bind(unit)
    .bind(now)
    .bind(quiz.map(|q| i64::from(q.score)))
    .bind(quiz.map(|q| i64::from(q.out_of)))
    .bind(answers)
    .fetch_one(&mut **tx)
    .await?;
    done_row(&row)
}

#[async_trait]
impl<S: Backing> FormationStore for S
where
    for<'c> &'c mut Conn<S::Db>: Executor<'c, Database = S::Db>,
{
    async fn load_formation(
        &self,
        modules: &[Module],
        checksum: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<FormationLoad>> {
        let now = ts(now);
        let mut tx = self.begin_write().await?;
        if loaded_checksum(&mut *tx, FORMATION_STATE).await?.as_deref() == Some(checksum) {
            return Ok(None);
        }
        let rows = query("SELECT slug, shipped, edited_at FROM formation_modules")
            .fetch_all(&mut *tx)
            .await?;
        let mut there: HashMap<String, (bool, bool)> = HashMap::new();
        for r in &rows {
            let edited = r.time_opt("edited_at")?.is_some();
            there.insert(r.try_get("slug")?, (r.try_get("shipped")?, edited));
        }
        let mut load = FormationLoad::default();
        for (i, m) in modules.iter().enumerate() {
            let position = i as i64 + 1;
            match there.remove(&m.slug) {
                None => {
                    insert_module(&mut tx, m, position, now).await?;
                    load.created += 1;
                }
                Some((_, false)) => {
                    rewrite(&mut tx, &m.slug, None, m, None, now).await?;
                    load.updated += 1;
                }
                Some((_, true)) => load.kept.push(m.slug.clone()),
            }
            query("UPDATE formation_modules SET position = $1, shipped = TRUE WHERE slug = $2")
                .bind(position)
                .bind(&m.slug)
                .execute(&mut *tx)
                .await?;
        }
        for (slug, (shipped, edited)) in there {
            if !shipped {
                continue;
            }
            let sql = if edited {
                "UPDATE formation_modules SET shipped = FALSE WHERE slug = $1"
            } else {
                load.removed += 1;
                "DELETE FROM formation_modules WHERE slug = $1"
            };
            query(sql).bind(slug).execute(&mut *tx).await?;
        }
        set_state(&mut *tx, FORMATION_STATE, checksum, now).await?;
        tx.commit().await?;
        Ok(Some(load))
    }

    async fn formation_modules(&self) -> StoreResult<Vec<StoredModule>> {
        read_modules(self.r(), None).await
    }

    async fn formation_module_titles(&self) -> StoreResult<Vec<(String, String)>> {
        query("SELECT slug, title FROM formation_modules ORDER BY position, id")
            .fetch_all(self.r())
            .await?
            .iter()
            .map(|r| Ok((r.try_get("slug")?, r.try_get("title")?)))
            .collect()
    }

    async fn formation_module(&self, slug: &str) -> StoreResult<Option<StoredModule>> {
        Ok(read_modules(self.r(), Some(slug)).await?.pop())
    }

    async fn edit_formation_module(
        &self,
        slug: &str,
        revision: i64,
        module: &Module,
        editor: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<StoredModule> {
        let mut tx = self.begin_write().await?;
        let at = ts(now);
        rewrite(
            &mut tx,
            slug,
            Some(revision),
            module,
            Some((editor, at)),
            at,
        )
        .await?;
        audit(&mut tx, "formation.edit", slug, editor, at).await?;
        tx.commit().await?;
        read_one(self.w(), slug).await
    }

    async fn reset_formation_module(
        &self,
        slug: &str,
        revision: i64,
        shipped: &Module,
        editor: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<StoredModule> {
        let mut tx = self.begin_write().await?;
        rewrite(&mut tx, slug, Some(revision), shipped, None, ts(now)).await?;
        audit(&mut tx, "formation.reset", slug, editor, ts(now)).await?;
        tx.commit().await?;
        read_one(self.w(), slug).await
    }

    async fn complete_formation_unit(
        &self,
        user_id: i64,
        module: &str,
        unit: &str,
        quiz: Option<&QuizResult>,
        now: DateTime<Utc>,
    ) -> StoreResult<UnitDone> {
        let mut tx = self.begin_write().await?;
        let module_id = unit_module(&mut tx, module, unit).await?;
        let done = mark_done(&mut tx, (user_id, module_id, unit), quiz, ts(now)).await?;
        tx.commit().await?;
        Ok(done)
    }

    async fn save_formation_reflection(
        &self,
        user_id: i64,
        module: &str,
        unit: &str,
        text: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<UnitDone> {
        let mut tx = self.begin_write().await?;
        let module_id = unit_module(&mut tx, module, unit).await?;
        query(
            "INSERT INTO formation_reflections (user_id, module_id, unit_key, text, updated_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, module_id, unit_key) \
             DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at",
        )
        .bind(user_id)
        .bind(module_id)
        .bind(unit)
        .bind(text)
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        let done = mark_done(&mut tx, (user_id, module_id, unit), None, ts(now)).await?;
        tx.commit().await?;
        Ok(done)
    }

    async fn formation_reflection(
        &self,
        user_id: i64,
        module: &str,
        unit: &str,
    ) -> StoreResult<Option<Reflection>> {
        let row = query(
            "SELECT f.text, f.updated_at FROM formation_reflections f JOIN formation_modules m \
             ON m.id = f.module_id WHERE f.user_id = $1 AND m.slug = $2 AND f.unit_key = $3",
        )
        .bind(user_id)
        .bind(module)
        .bind(unit)
        .fetch_optional(self.r())
        .await?;
        row.map(|r| {
            Ok(Reflection {
                text: r.try_get("text")?,
                updated_at: r.time("updated_at")?,
            })
        })
        .transpose()
    }

    async fn formation_units_done(&self, user_id: i64, module: &str) -> StoreResult<Vec<UnitDone>> {
        let rows = query(
            "SELECT p.unit_key, p.completed_at, p.score, p.out_of, p.answers \
             FROM formation_progress p JOIN formation_modules m ON m.id = p.module_id \
             WHERE p.user_id = $1 AND m.slug = $2 ORDER BY p.completed_at, p.unit_key",
        )
        .bind(user_id)
        .bind(module)
        .fetch_all(self.r())
        .await?;
        rows.iter().map(done_row).collect()
    }

    async fn formation_progress(&self, user_id: i64) -> StoreResult<Vec<ModuleProgress>> {
        let rows = query(
            "SELECT m.slug, m.title, COUNT(u.unit_key) AS total, COUNT(p.unit_key) AS done, \
             MAX(p.completed_at) AS last_done FROM formation_modules m \
             LEFT JOIN formation_units u ON u.module_id = m.id \
             LEFT JOIN formation_progress p ON p.user_id = $1 AND p.module_id = u.module_id \
             AND p.unit_key = u.unit_key \
             GROUP BY m.id, m.slug, m.title, m.position ORDER BY m.position, m.id",
        )
        .bind(user_id)
        .fetch_all(self.r())
        .await?;
        rows.iter()
            .map(|r| {
                let done: i64 = r.try_get("done")?;
                let total: i64 = r.try_get("total")?;
                let last = r.time_opt("last_done")?;
                Ok(ModuleProgress {
                    slug: r.try_get("slug")?,
                    title: r.try_get("title")?,
                    done,
                    total,
                    completed_at: last.filter(|_| total > 0 && done == total),
                })
            })
            .collect()
    }

    async fn completed_formation_modules(&self, user_id: i64) -> StoreResult<Vec<ModuleProgress>> {
        let all = self.formation_progress(user_id).await?;
        Ok(all
            .into_iter()
            .filter(|p| p.completed_at.is_some())
            .collect())
    }
}
