//! `ParcoursStore` over the shared SQL.

use super::*;
use crate::events::insert_event;
use crate::sql::{query, query_as, query_scalar, Backing, Conn};
use crate::ts;

#[async_trait]
impl<S: Backing> ParcoursStore for S
where
    for<'c> &'c mut Conn<S::Db>: Executor<'c, Database = S::Db>,
{
    async fn create_cohort(
        &self,
        f: &CohortFields,
        is_example: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<Cohort> {
        let modules = serde_json::to_string(&f.modules).map_err(corrupt)?;
        let id: i64 = query_scalar(
            "INSERT INTO cohorts (slug, title, summary, description, starts_on, ends_on, \
             modules, is_example, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
        )
        .bind(f.slug.clone())
        .bind(f.title.clone())
        .bind(f.summary.clone())
        .bind(f.description.clone())
        .bind(f.starts_on.to_string())
        .bind(f.ends_on.to_string())
        .bind(modules)
        .bind(is_example)
        .bind(ts(now))
        .fetch_one(self.w())
        .await
        .map_err(|e| match e {
            StoreError::Database(e) => StoreError::on_unique(e, "slug", SLUG_TAKEN),
            e => e,
        })?;
        cohort_by_id(self.w(), id).await
    }

    async fn update_cohort(
        &self,
        id: i64,
        f: &CohortFields,
        now: DateTime<Utc>,
    ) -> StoreResult<Cohort> {
        let modules = serde_json::to_string(&f.modules).map_err(corrupt)?;
        let done = query(
            "UPDATE cohorts SET slug = $2, title = $3, summary = $4, description = $5, \
             starts_on = $6, ends_on = $7, modules = $8, updated_at = $9 WHERE id = $1",
        )
        .bind(id)
        .bind(f.slug.clone())
        .bind(f.title.clone())
        .bind(f.summary.clone())
        .bind(f.description.clone())
        .bind(f.starts_on.to_string())
        .bind(f.ends_on.to_string())
        .bind(modules)
        .bind(ts(now))
        .execute(self.w())
        .await
        .map_err(|e| StoreError::on_unique(e, "slug", SLUG_TAKEN))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        cohort_by_id(self.w(), id).await
    }

    async fn cohorts(&self) -> StoreResult<Vec<Cohort>> {
        query_as(&format!(
            "SELECT {COHORT_COLUMNS} FROM cohorts ORDER BY starts_on DESC, id DESC"
        ))
        .fetch_all(self.r())
        .await
    }

    async fn cohort(&self, slug: &str) -> StoreResult<Option<Cohort>> {
        query_as(&format!(
            "SELECT {COHORT_COLUMNS} FROM cohorts WHERE slug = $1"
        ))
        .bind(slug.to_string())
        .fetch_optional(self.r())
        .await
    }

    async fn add_team(
        &self,
        cohort_id: i64,
        name: &str,
        territory: &TerritoryRef,
    ) -> StoreResult<Team> {
        query_as(
            "INSERT INTO cohort_teams (cohort_id, name, territory_level, territory_code) \
             VALUES ($1, $2, $3, $4) \
             RETURNING id, cohort_id, name, territory_level, territory_code",
        )
        .bind(cohort_id)
        .bind(name.to_string())
        .bind(territory.level.as_str())
        .bind(territory.code.clone())
        .fetch_one(self.w())
        .await
        .map_err(|e| match e {
            StoreError::Database(e) => StoreError::on_unique(
                e,
                "territory",
                "ce territoire a déjà son équipe dans la cohorte",
            ),
            e => e,
        })
    }

    async fn teams(&self, cohort_id: i64) -> StoreResult<Vec<Team>> {
        query_as(
            "SELECT id, cohort_id, name, territory_level, territory_code FROM cohort_teams \
             WHERE cohort_id = $1 ORDER BY name, id",
        )
        .bind(cohort_id)
        .fetch_all(self.r())
        .await
    }

    async fn enrol(
        &self,
        cohort_id: i64,
        user_id: i64,
        role: CohortRole,
        team_id: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let team_id = match role {
            CohortRole::Animateur => None,
            CohortRole::Participant => team_id,
        };
        let mut tx = self.begin_write().await?;
        if role == CohortRole::Participant {
            let ok: i64 =
                query_scalar("SELECT COUNT(*) FROM cohort_teams WHERE id = $1 AND cohort_id = $2")
                    .bind(team_id)
                    .bind(cohort_id)
                    .fetch_one(&mut *tx)
                    .await?;
            if ok == 0 {
                return Err(StoreError::Conflict {
                    field: "team",
                    message: "une participante appartient à une équipe de la cohorte".into(),
                });
            }
        }
        query(
            "INSERT INTO cohort_members (cohort_id, user_id, role, team_id, joined_at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (cohort_id, user_id) DO UPDATE SET role = $3, team_id = $4",
        )
        .bind(cohort_id)
        .bind(user_id)
        .bind(role.as_str())
        .bind(team_id)
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn unenrol(&self, cohort_id: i64, user_id: i64) -> StoreResult<bool> {
        let done = query("DELETE FROM cohort_members WHERE cohort_id = $1 AND user_id = $2")
            .bind(cohort_id)
            .bind(user_id)
            .execute(self.w())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn enrolments(&self, cohort_id: i64) -> StoreResult<Vec<Enrolment>> {
        query_as(&format!(
            "{ENROLMENT_SELECT} LEFT JOIN cohort_teams t ON t.id = m.team_id \
             WHERE m.cohort_id = $1 \
             ORDER BY CASE WHEN m.role = 'animateur' THEN 0 ELSE 1 END, t.name, \
             u.display_name, u.id"
        ))
        .bind(cohort_id)
        .fetch_all(self.r())
        .await
    }

    async fn enrolment(&self, cohort_id: i64, user_id: i64) -> StoreResult<Option<Enrolment>> {
        query_as(&format!(
            "{ENROLMENT_SELECT} WHERE m.cohort_id = $1 AND m.user_id = $2"
        ))
        .bind(cohort_id)
        .bind(user_id)
        .fetch_optional(self.r())
        .await
    }

    async fn member_cohorts(&self, user_id: i64) -> StoreResult<Vec<(Cohort, Enrolment)>> {
        let mut out = Vec::new();
        let rows: Vec<Enrolment> = query_as(&format!(
            "{ENROLMENT_SELECT} JOIN cohorts c ON c.id = m.cohort_id WHERE m.user_id = $1 \
             ORDER BY c.starts_on DESC, c.id DESC"
        ))
        .bind(user_id)
        .fetch_all(self.r())
        .await?;
        for e in rows {
            out.push((cohort_by_id(self.r(), e.cohort_id).await?, e));
        }
        Ok(out)
    }

    async fn set_cohort_mail(
        &self,
        cohort_id: i64,
        user_id: i64,
        notify_replies: bool,
        weekly_digest: bool,
    ) -> StoreResult<()> {
        let done = query(
            "UPDATE cohort_members SET notify_replies = $3, weekly_digest = $4 \
             WHERE cohort_id = $1 AND user_id = $2",
        )
        .bind(cohort_id)
        .bind(user_id)
        .bind(notify_replies)
        .bind(weekly_digest)
        .execute(self.w())
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn add_session(
        &self,
        cohort_id: i64,
        event: &Event,
        step: i32,
        now: DateTime<Utc>,
    ) -> StoreResult<Session> {
        let mut tx = self.begin_write().await?;
        if !insert_event(&mut *tx, event, ts(now)).await? {
            return Err(StoreError::Conflict {
                field: "slug",
                message: SLUG_TAKEN.into(),
            });
        }
        let event_id: i64 = query_scalar("SELECT id FROM events WHERE slug = $1")
            .bind(event.slug.clone())
            .fetch_one(&mut *tx)
            .await?;
        query("INSERT INTO cohort_sessions (event_id, cohort_id, step) VALUES ($1, $2, $3)")
            .bind(event_id)
            .bind(cohort_id)
            .bind(step)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        let event = crate::EventStore::event_by_id(self, event_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(Session { step, event })
    }

    async fn sessions(&self, cohort_id: i64) -> StoreResult<Vec<Session>> {
        let steps: Vec<(i64, i32)> = query(
            "SELECT cs.event_id, cs.step FROM cohort_sessions cs JOIN events e \
             ON e.id = cs.event_id WHERE cs.cohort_id = $1 ORDER BY e.starts_at, e.id",
        )
        .bind(cohort_id)
        .fetch_all(self.r())
        .await?
        .iter()
        .map(|r| Ok((r.try_get("event_id")?, r.try_get("step")?)))
        .collect::<StoreResult<_>>()?;
        let mut out = Vec::with_capacity(steps.len());
        for (id, step) in steps {
            if let Some(event) = crate::EventStore::event_by_id(self, id).await? {
                out.push(Session { step, event });
            }
        }
        Ok(out)
    }

    async fn session_cohort(&self, event_id: i64) -> StoreResult<Option<Cohort>> {
        query_as(&format!(
            "SELECT {COHORT_COLUMNS} FROM cohorts WHERE id = \
             (SELECT cohort_id FROM cohort_sessions WHERE event_id = $1)"
        ))
        .bind(event_id)
        .fetch_optional(self.r())
        .await
    }

    async fn cohort_attendance(&self, cohort_id: i64) -> StoreResult<Vec<(i64, i64)>> {
        // Two index-friendly halves rather than one join on `user_id OR email` (which read
        // every registration of every session once per member: 8 times slower on the pilot).
        // Account addresses are stored in lower case.
        query(
            "SELECT r.event_id, m.user_id FROM cohort_sessions cs \
             JOIN registrations r ON r.event_id = cs.event_id \
             JOIN cohort_members m ON m.cohort_id = cs.cohort_id AND m.user_id = r.user_id \
             WHERE cs.cohort_id = $1 AND r.attended AND r.status <> 'cancelled' \
             UNION \
             SELECT r.event_id, m.user_id FROM cohort_sessions cs \
             JOIN registrations r ON r.event_id = cs.event_id \
             JOIN users u ON u.email = LOWER(r.email) \
             JOIN cohort_members m ON m.cohort_id = cs.cohort_id AND m.user_id = u.id \
             WHERE cs.cohort_id = $1 AND r.attended AND r.status <> 'cancelled' \
             ORDER BY 1, 2",
        )
        .bind(cohort_id)
        .fetch_all(self.r())
        .await?
        .iter()
        .map(|r| Ok((r.try_get("event_id")?, r.try_get("user_id")?)))
        .collect()
    }

    async fn cohort_completed_modules(&self, cohort_id: i64) -> StoreResult<Vec<(i64, String)>> {
        query(
            "SELECT p.user_id, m.slug FROM cohort_members cm \
             JOIN formation_progress p ON p.user_id = cm.user_id \
             JOIN formation_units u ON u.module_id = p.module_id AND u.unit_key = p.unit_key \
             JOIN formation_modules m ON m.id = p.module_id \
             WHERE cm.cohort_id = $1 \
             GROUP BY p.user_id, m.id, m.slug \
             HAVING COUNT(*) = (SELECT COUNT(*) FROM formation_units t WHERE t.module_id = m.id) \
             ORDER BY p.user_id, m.slug",
        )
        .bind(cohort_id)
        .fetch_all(self.r())
        .await?
        .iter()
        .map(|r| Ok((r.try_get("user_id")?, r.try_get("slug")?)))
        .collect()
    }

    async fn set_member_attendance(
        &self,
        event_id: i64,
        user_id: i64,
        present: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        mark(&mut tx, event_id, user_id, present, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn set_cohort_attendance(
        &self,
        cohort_id: i64,
        marks: &[(i64, i64, bool)],
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let sessions: Vec<i64> =
            query_scalar("SELECT event_id FROM cohort_sessions WHERE cohort_id = $1")
                .bind(cohort_id)
                .fetch_all(&mut *tx)
                .await?;
        let people: Vec<i64> =
            query_scalar("SELECT user_id FROM cohort_members WHERE cohort_id = $1")
                .bind(cohort_id)
                .fetch_all(&mut *tx)
                .await?;
        for (event_id, user_id, present) in marks {
            if !sessions.contains(event_id) || !people.contains(user_id) {
                // Dropped without commit: nothing of the grid is written.
                return Err(StoreError::NotFound);
            }
            mark(&mut tx, *event_id, *user_id, *present, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn add_deliverable(
        &self,
        cohort_id: i64,
        f: &DeliverableFields,
    ) -> StoreResult<Deliverable> {
        query_as(&format!(
            "INSERT INTO cohort_deliverables (cohort_id, title, description, step, due_on) \
             VALUES ($1, $2, $3, $4, $5) RETURNING {DELIVERABLE_COLUMNS}"
        ))
        .bind(cohort_id)
        .bind(f.title.clone())
        .bind(f.description.clone())
        .bind(f.step)
        .bind(f.due_on.map(|d| d.to_string()))
        .fetch_one(self.w())
        .await
    }

    async fn deliverables(&self, cohort_id: i64) -> StoreResult<Vec<Deliverable>> {
        query_as(&format!(
            "SELECT {DELIVERABLE_COLUMNS} FROM cohort_deliverables WHERE cohort_id = $1 \
             ORDER BY step, due_on, id"
        ))
        .bind(cohort_id)
        .fetch_all(self.r())
        .await
    }

    async fn submit(
        &self,
        deliverable_id: i64,
        team_id: i64,
        user_id: Option<i64>,
        s: &NewSubmission,
        now: DateTime<Utc>,
    ) -> StoreResult<Submission> {
        let mut tx = self.begin_write().await?;
        let same_cohort: i64 = query_scalar(
            "SELECT COUNT(*) FROM cohort_deliverables d JOIN cohort_teams t \
             ON t.cohort_id = d.cohort_id WHERE d.id = $1 AND t.id = $2",
        )
        .bind(deliverable_id)
        .bind(team_id)
        .fetch_one(&mut *tx)
        .await?;
        if same_cohort == 0 {
            return Err(StoreError::NotFound);
        }
        let (kind, link, file, note) = match s {
            NewSubmission::File(f) => (HandIn::Fichier, None, Some(f), String::new()),
            NewSubmission::Link(l) => (HandIn::Lien, Some(l.clone()), None, String::new()),
            NewSubmission::Recorded(n) => (HandIn::Constate, None, None, n.clone()),
        };
        let id: i64 = query_scalar(
            "INSERT INTO cohort_submissions (deliverable_id, team_id, user_id, kind, link, \
             file_sha256, file_name, file_content_type, file_size, note, submitted_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(deliverable_id)
        .bind(team_id)
        .bind(user_id)
        .bind(kind.as_str())
        .bind(link)
        .bind(file.map(|f| f.sha256.clone()))
        .bind(file.map(|f| f.name.clone()))
        .bind(file.map(|f| f.content_type.clone()))
        .bind(file.map(|f| f.size))
        .bind(note)
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        self.submission(id).await?.ok_or(StoreError::NotFound)
    }

    async fn submissions(&self, cohort_id: i64) -> StoreResult<Vec<Submission>> {
        query_as(&format!(
            "SELECT {SUBMISSION_COLUMNS} FROM cohort_submissions s \
             JOIN cohort_deliverables d ON d.id = s.deliverable_id \
             WHERE d.cohort_id = $1 ORDER BY s.submitted_at DESC, s.id DESC"
        ))
        .bind(cohort_id)
        .fetch_all(self.r())
        .await
    }

    async fn submission(&self, id: i64) -> StoreResult<Option<Submission>> {
        query_as(&format!(
            "SELECT {SUBMISSION_COLUMNS} FROM cohort_submissions s WHERE s.id = $1"
        ))
        .bind(id)
        .fetch_optional(self.r())
        .await
    }

    async fn add_post(
        &self,
        cohort_id: i64,
        parent_id: Option<i64>,
        author_id: i64,
        body: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<CohortPost> {
        let mut tx = self.begin_write().await?;
        let parent = match parent_id {
            None => None,
            Some(p) => {
                let row =
                    query("SELECT parent_id FROM cohort_posts WHERE id = $1 AND cohort_id = $2")
                        .bind(p)
                        .bind(cohort_id)
                        .fetch_optional(&mut *tx)
                        .await?
                        .ok_or(StoreError::NotFound)?;
                // One level of threads: an answer to an answer goes to its message.
                Some(row.try_get::<Option<i64>, _>("parent_id")?.unwrap_or(p))
            }
        };
        let id: i64 = query_scalar(
            "INSERT INTO cohort_posts (cohort_id, parent_id, author_id, body, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(cohort_id)
        .bind(parent)
        .bind(author_id)
        .bind(body.to_string())
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        self.post(id).await?.ok_or(StoreError::NotFound)
    }

    async fn posts(&self, cohort_id: i64) -> StoreResult<Vec<CohortPost>> {
        let all: Vec<CohortPost> = query_as(&format!(
            "{POST_SELECT} WHERE p.cohort_id = $1 ORDER BY p.created_at, p.id"
        ))
        .bind(cohort_id)
        .fetch_all(self.r())
        .await?;
        let (mut tops, answers): (Vec<_>, Vec<_>) =
            all.into_iter().partition(|p| p.parent_id.is_none());
        tops.reverse();
        let mut out = Vec::with_capacity(tops.len() + answers.len());
        for top in tops {
            let id = top.id;
            out.push(top);
            out.extend(answers.iter().filter(|a| a.parent_id == Some(id)).cloned());
        }
        Ok(out)
    }

    async fn post(&self, id: i64) -> StoreResult<Option<CohortPost>> {
        query_as(&format!("{POST_SELECT} WHERE p.id = $1"))
            .bind(id)
            .fetch_optional(self.r())
            .await
    }

    async fn posts_since(
        &self,
        cohort_id: i64,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<CohortPost>> {
        query_as(&format!(
            "{POST_SELECT} WHERE p.cohort_id = $1 AND p.created_at >= $2 \
             ORDER BY p.created_at, p.id"
        ))
        .bind(cohort_id)
        .bind(ts(since))
        .fetch_all(self.r())
        .await
    }

    async fn claim_digests(
        &self,
        cohort_id: i64,
        before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Enrolment>> {
        let claimed: Vec<i64> = query_scalar(
            "UPDATE cohort_members SET digest_sent_at = $3 WHERE cohort_id = $1 \
             AND weekly_digest AND (digest_sent_at IS NULL OR digest_sent_at < $2) \
             RETURNING user_id",
        )
        .bind(cohort_id)
        .bind(ts(before))
        .bind(ts(now))
        .fetch_all(self.w())
        .await?;
        let mut out = Vec::with_capacity(claimed.len());
        for user_id in claimed {
            if let Some(e) = self.enrolment(cohort_id, user_id).await? {
                out.push(e);
            }
        }
        Ok(out)
    }

    async fn release_cohort_digest(
        &self,
        cohort_id: i64,
        user_id: i64,
        claimed_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        query(
            "UPDATE cohort_members SET digest_sent_at = NULL \
             WHERE cohort_id = $1 AND user_id = $2 AND digest_sent_at = $3",
        )
        .bind(cohort_id)
        .bind(user_id)
        .bind(ts(claimed_at))
        .execute(self.w())
        .await?;
        Ok(())
    }
}

/// One cell of attendance, in the writer's transaction: her registration's `attended`, a
/// confirmed registration made for her if she had none.
async fn mark<DB: Engine>(
    tx: &mut sqlx::Transaction<'_, DB>,
    event_id: i64,
    user_id: i64,
    present: bool,
    now: DateTime<Utc>,
) -> StoreResult<()>
where
    for<'c> &'c mut Conn<DB>: Executor<'c, Database = DB>,
{
    let user = query("SELECT email, display_name FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound)?;
    let email: String = user.try_get("email")?;
    let name: String = user.try_get("display_name")?;
    let existing: Option<i64> = query_scalar(
        "SELECT id FROM registrations WHERE event_id = $1 \
         AND (user_id = $2 OR LOWER(email) = LOWER($3)) \
         ORDER BY CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END, id LIMIT 1",
    )
    .bind(event_id)
    .bind(user_id)
    .bind(email.clone())
    .fetch_optional(&mut **tx)
    .await?;
    match existing {
        Some(id) => {
            // Whoever was there attended, whatever her registration said.
            query(
                "UPDATE registrations SET attended = $2, updated_at = $3, \
                 status = CASE WHEN $2 THEN 'confirmed' ELSE status END WHERE id = $1",
            )
            .bind(id)
            .bind(present)
            .bind(ts(now))
            .execute(&mut **tx)
            .await?;
        }
        None if present => {
            // Not a secret's hash (those are 64 hex digits): no link can reach it.
            query(
                "INSERT INTO registrations (event_id, user_id, name, email, status, \
                 token_hash, consent_at, created_at, updated_at, attended) \
                 VALUES ($1, $2, $3, $4, 'confirmed', $5, $6, $6, $6, TRUE)",
            )
            .bind(event_id)
            .bind(user_id)
            .bind(name)
            .bind(email)
            .bind(format!("parcours-{event_id}-{user_id}"))
            .bind(ts(now))
            .execute(&mut **tx)
            .await?;
        }
        None => {}
    }
    Ok(())
}
