//! Autodiagnostics' store: `DiagnosticsStore` over SQL both engines take.

use super::{ContributionTally, DiagnosticsStore, NewContribution, SavedDiagnostic, SavedFields};
use crate::sql::{corrupt, query, query_scalar, Backing, Conn, Engine, Row};
use crate::{ts, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Datelike, TimeZone, Utc};
use sqlx::Executor;

/// The first instant of `now`'s month: no finer time is kept of a contribution.
fn month_start(now: DateTime<Utc>) -> i64 {
    Utc.with_ymd_and_hms(now.year(), now.month(), 1, 0, 0, 0)
        .single()
        .map_or(ts(now), ts)
}

const SAVED_COLUMNS: &str =
    "id, user_id, questionnaire, answers, department, finished, created_at, updated_at";

fn saved_row<DB: Engine>(r: &Row<DB>) -> StoreResult<SavedDiagnostic> {
    let answers: String = r.try_get("answers")?;
    Ok(SavedDiagnostic {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        questionnaire: r.try_get("questionnaire")?,
        answers: serde_json::from_str(&answers).map_err(corrupt)?,
        department: r.try_get("department")?,
        finished: r.try_get("finished")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

#[async_trait]
impl<S: Backing> DiagnosticsStore for S
where
    for<'c> &'c mut Conn<S::Db>: Executor<'c, Database = S::Db>,
{
    async fn contribute_diagnostics(
        &self,
        contributions: &[NewContribution],
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let mut tx = self.begin_write().await?;
        let mut added = 0;
        for c in contributions {
            added += query(
                "INSERT INTO diagnostic_contributions \
                 (questionnaire, response_hash, department, weak_levers, is_example, month_start) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (response_hash) DO NOTHING",
            )
            .bind(&c.questionnaire)
            .bind(&c.response_hash)
            .bind(&c.department)
            .bind(c.weak_levers.join(","))
            .bind(c.is_example)
            .bind(month_start(now))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        Ok(added)
    }

    async fn diagnostic_tallies(&self) -> StoreResult<Vec<ContributionTally>> {
        query(
            "SELECT questionnaire, department, weak_levers, COUNT(*) AS n, \
             SUM(CASE WHEN is_example THEN 1 ELSE 0 END) AS examples \
             FROM diagnostic_contributions \
             GROUP BY questionnaire, department, weak_levers \
             ORDER BY questionnaire, department, weak_levers",
        )
        .fetch_all(self.r())
        .await?
        .iter()
        .map(|r| {
            let weak: String = r.try_get("weak_levers")?;
            Ok(ContributionTally {
                questionnaire: r.try_get("questionnaire")?,
                department: r.try_get("department")?,
                weak_levers: (weak.split(','))
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
                count: r.try_get("n")?,
                examples: r.try_get("examples")?,
            })
        })
        .collect()
    }

    async fn diagnostics_version(&self) -> StoreResult<String> {
        let r = query(
            "SELECT COUNT(*) AS n, COALESCE(MAX(id), 0) AS last FROM diagnostic_contributions",
        )
        .fetch_one(self.r())
        .await?;
        let (n, last): (i64, i64) = (r.try_get("n")?, r.try_get("last")?);
        Ok(format!("{n}:{last}"))
    }

    async fn save_diagnostic(
        &self,
        user_id: i64,
        f: &SavedFields,
        now: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let answers = serde_json::Value::Object(f.answers.clone()).to_string();
        if let Some(id) = f.id {
            return query_scalar::<_, i64>(
                "UPDATE diagnostic_saved SET answers = $1, department = $2, finished = $3, \
                 updated_at = $4 WHERE id = $5 AND user_id = $6 AND questionnaire = $7 RETURNING id",
            )
            .bind(answers)
            .bind(&f.department)
            .bind(f.finished)
            .bind(ts(now))
            .bind(id)
            .bind(user_id)
            .bind(&f.questionnaire)
            .fetch_optional(self.w())
            .await?
            .ok_or(crate::StoreError::NotFound);
        }
        let id: i64 = query_scalar(
            "INSERT INTO diagnostic_saved (user_id, questionnaire, response_hash, answers, \
             department, finished, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
             ON CONFLICT (user_id, response_hash) DO UPDATE SET answers = excluded.answers, \
             department = excluded.department, finished = excluded.finished, \
             updated_at = excluded.updated_at RETURNING id",
        )
        .bind(user_id)
        .bind(&f.questionnaire)
        .bind(&f.response_hash)
        .bind(answers)
        .bind(&f.department)
        .bind(f.finished)
        .bind(ts(now))
        .fetch_one(self.w())
        .await?;
        Ok(id)
    }

    async fn saved_diagnostics(&self, user_id: i64) -> StoreResult<Vec<SavedDiagnostic>> {
        query(&format!(
            "SELECT {SAVED_COLUMNS} FROM diagnostic_saved WHERE user_id = $1 \
             ORDER BY updated_at DESC, id DESC"
        ))
        .bind(user_id)
        .fetch_all(self.r())
        .await?
        .iter()
        .map(saved_row)
        .collect()
    }

    async fn saved_diagnostic(
        &self,
        user_id: i64,
        id: i64,
    ) -> StoreResult<Option<SavedDiagnostic>> {
        query(&format!(
            "SELECT {SAVED_COLUMNS} FROM diagnostic_saved WHERE id = $1 AND user_id = $2"
        ))
        .bind(id)
        .bind(user_id)
        .fetch_optional(self.r())
        .await?
        .as_ref()
        .map(saved_row)
        .transpose()
    }

    async fn delete_saved_diagnostic(&self, user_id: i64, id: i64) -> StoreResult<bool> {
        Ok(
            query("DELETE FROM diagnostic_saved WHERE id = $1 AND user_id = $2")
                .bind(id)
                .bind(user_id)
                .execute(self.w())
                .await?
                .rows_affected()
                > 0,
        )
    }
}
