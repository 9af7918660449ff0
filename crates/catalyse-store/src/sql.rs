//! The SQL both backends share. SQLite and PostgreSQL accept the same `$n` placeholders,
//! `ON CONFLICT … DO UPDATE` and `RETURNING`, so one text serves both; the macro instantiates
//! it for each backend's concrete pool and row types (sqlx's `Any` driver is not used: see
//! ARCHITECTURE.md). What differs between the engines (connection set-up, migrations, column
//! types) lives in `sqlite.rs` and `postgres.rs`.

macro_rules! impl_sql_store {
    ($store:ty, $db:ty, $row:ty, $backend:expr) => {
        mod shared_sql {
        use super::*;
        use $crate::{
            from_ts, ts, AuditEntry, Backend, FileChange, HarvestQuery, NewDataset, NewUser,
            PoolStats, ResourceChange, SessionRecord, Store, StoreError, StoreResult,
            NewRegistration, Registration, RegistrationStatus, Reminder,
        };
        use catalyse_core::resource::{Resource, ResourceFields, ResourceState, StoredFile};
        use catalyse_core::agenda::{Event, EventKind, Series};
        use async_trait::async_trait;
        use catalyse_core::dataset::{
            Dataset, DatasetImport, Indicator, IndicatorValue, TerritoryValue,
        };
        use catalyse_core::reference::ReferenceFrame;
        use catalyse_core::territory::Geography;
        use catalyse_core::{
            ActorFamily, Activity, Email, Lever, MetierFamily, Milestone, Page, Role, Territory,
            TerritoryLevel, User,
        };
        use chrono::{DateTime, Utc};
        use sqlx::Row;

        const USER_COLUMNS: &str =
            "id, email, display_name, role, password_hash, is_example, email_verified_at, created_at";
        const TERRITORY_COLUMNS: &str =
            "level, code, name, region, department, epci, population, postcodes, lat, lon";
        const CHUNK: usize = 500;
        const RESOURCE_COLUMNS: &str =
            "id, slug, title, summary, body, nature, subgroup, levers, themes, authors, year, \
             format, language, licence, url, file_sha256, file_name, file_content_type, \
             file_size, state, is_example, created_at, updated_at, published_at";

        fn resource_from_row(r: &$row) -> StoreResult<Resource> {
            let nature: String = r.try_get("nature")?;
            let state: String = r.try_get("state")?;
            let list = |col: &str| -> StoreResult<Vec<String>> {
                let text: String = r.try_get(col)?;
                serde_json::from_str(&text).map_err(corrupt)
            };
            let file = match r.try_get::<Option<String>, _>("file_sha256")? {
                Some(sha256) => Some(StoredFile {
                    sha256,
                    name: r.try_get::<Option<String>, _>("file_name")?.unwrap_or_default(),
                    content_type: r
                        .try_get::<Option<String>, _>("file_content_type")?
                        .unwrap_or_default(),
                    size: r.try_get::<Option<i64>, _>("file_size")?.unwrap_or_default(),
                }),
                None => None,
            };
            let rfc = |t: i64| from_ts(t).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            Ok(Resource {
                id: r.try_get("id")?,
                fields: ResourceFields {
                    slug: r.try_get("slug")?,
                    title: r.try_get("title")?,
                    summary: r.try_get("summary")?,
                    body: r.try_get("body")?,
                    nature: nature.parse().map_err(corrupt)?,
                    subgroup: r.try_get("subgroup")?,
                    levers: list("levers")?,
                    themes: list("themes")?,
                    authors: list("authors")?,
                    year: r.try_get("year")?,
                    format: r.try_get("format")?,
                    language: r.try_get("language")?,
                    licence: r.try_get("licence")?,
                    url: r.try_get("url")?,
                    is_example: r.try_get("is_example")?,
                },
                state: state.parse().map_err(corrupt)?,
                file,
                created_at: rfc(r.try_get("created_at")?),
                updated_at: rfc(r.try_get("updated_at")?),
                published_at: r.try_get::<Option<i64>, _>("published_at")?.map(rfc),
            })
        }

        const EVENT_COLUMNS: &str =
            "e.id, e.slug, s.slug AS series_slug, e.kind, e.title, e.description, e.levers, \
             e.themes, e.starts_at, e.duration_minutes, e.timezone, e.online_url, e.commune, \
             e.address, e.speakers, e.capacity, e.status, e.replay_url, e.resources, \
             e.is_example, e.updated_at, e.registration_opens_at, e.registration_closes_at";

        fn event_from_row(r: &$row) -> StoreResult<Event> {
            let list = |col: &str| -> StoreResult<Vec<String>> {
                let text: String = r.try_get(col)?;
                serde_json::from_str(&text).map_err(corrupt)
            };
            let kind: String = r.try_get("kind")?;
            let status: String = r.try_get("status")?;
            let rfc = |t: i64| from_ts(t).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            Ok(Event {
                id: r.try_get("id")?,
                slug: r.try_get("slug")?,
                series: r.try_get("series_slug")?,
                kind: kind.parse().map_err(corrupt)?,
                title: r.try_get("title")?,
                description: r.try_get("description")?,
                levers: list("levers")?,
                themes: list("themes")?,
                starts_at: rfc(r.try_get("starts_at")?),
                duration_minutes: r.try_get("duration_minutes")?,
                timezone: r.try_get("timezone")?,
                online_url: r.try_get("online_url")?,
                commune: r.try_get("commune")?,
                address: r.try_get("address")?,
                speakers: list("speakers")?,
                capacity: r.try_get("capacity")?,
                registration_opens: r
                    .try_get::<Option<i64>, _>("registration_opens_at")?
                    .map(rfc),
                registration_closes: r
                    .try_get::<Option<i64>, _>("registration_closes_at")?
                    .map(rfc),
                status: status.parse().map_err(corrupt)?,
                replay_url: r.try_get("replay_url")?,
                resources: list("resources")?,
                is_example: r.try_get("is_example")?,
                updated_at: rfc(r.try_get("updated_at")?),
            })
        }

        const REGISTRATION_COLUMNS: &str =
            "id, event_id, user_id, name, email, organisation, territory, status, created_at, \
             attended";

        fn registration_from_row(r: &$row) -> StoreResult<Registration> {
            let status: String = r.try_get("status")?;
            Ok(Registration {
                id: r.try_get("id")?,
                event_id: r.try_get("event_id")?,
                user_id: r.try_get("user_id")?,
                name: r.try_get("name")?,
                email: r.try_get("email")?,
                organisation: r.try_get("organisation")?,
                territory: r.try_get("territory")?,
                status: RegistrationStatus::parse(&status)
                    .ok_or_else(|| corrupt(format!("registration status {status}")))?,
                created_at: from_ts(r.try_get("created_at")?),
                attended: r.try_get("attended")?,
            })
        }

        /// Locks the event for the rest of the transaction (PostgreSQL; SQLite has one writer)
        /// and tells whether a seat is left.
        async fn seat_left(
            tx: &mut sqlx::Transaction<'_, $db>,
            event_id: i64,
        ) -> StoreResult<bool> {
            let lock = if matches!($backend, Backend::Postgres) { " FOR UPDATE" } else { "" };
            let capacity: Option<i32> = sqlx::query_scalar(&format!(
                "SELECT capacity FROM events WHERE id = $1{lock}"
            ))
            .bind(event_id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(StoreError::NotFound)?;
            let Some(capacity) = capacity else {
                return Ok(true);
            };
            let taken: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM registrations WHERE event_id = $1 AND status = 'confirmed'",
            )
            .bind(event_id)
            .fetch_one(&mut **tx)
            .await?;
            Ok(taken < capacity as i64)
        }

        async fn registration_in(
            tx: &mut sqlx::Transaction<'_, $db>,
            token_hash: &str,
        ) -> StoreResult<Registration> {
            let row = sqlx::query(&format!(
                "SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE token_hash = $1"
            ))
            .bind(token_hash)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(StoreError::NotFound)?;
            registration_from_row(&row)
        }

        async fn set_registration_status(
            tx: &mut sqlx::Transaction<'_, $db>,
            id: i64,
            status: RegistrationStatus,
            now: i64,
        ) -> StoreResult<()> {
            sqlx::query("UPDATE registrations SET status = $1, updated_at = $2 WHERE id = $3")
                .bind(status.as_str())
                .bind(now)
                .bind(id)
                .execute(&mut **tx)
                .await?;
            Ok(())
        }

        fn reminder_column(which: Reminder) -> &'static str {
            match which {
                Reminder::DayBefore => "reminded_day_before",
                Reminder::HourBefore => "reminded_hour_before",
            }
        }

        /// An optional RFC 3339 instant as UTC seconds.
        fn instant(t: &Option<String>) -> StoreResult<Option<i64>> {
            t.as_deref()
                .map(|t| {
                    chrono::DateTime::parse_from_rfc3339(t)
                        .map(|d| d.timestamp())
                        .map_err(corrupt)
                })
                .transpose()
        }

        /// Inserts an event unless its slug is taken; whether it did.
        async fn insert_event(
            tx: &mut sqlx::Transaction<'_, $db>,
            e: &Event,
            now: i64,
        ) -> StoreResult<bool> {
            let json = |v: &Vec<String>| serde_json::to_string(v).map_err(corrupt);
            let start = chrono::DateTime::parse_from_rfc3339(&e.starts_at)
                .map_err(corrupt)?
                .timestamp();
            let done = sqlx::query(
                "INSERT INTO events (slug, series_id, kind, title, description, levers, \
                 themes, starts_at, duration_minutes, timezone, online_url, commune, \
                 address, speakers, capacity, status, replay_url, resources, is_example, \
                 created_at, updated_at, registration_opens_at, registration_closes_at) \
                 VALUES ($1, (SELECT id FROM event_series WHERE slug = $2), $3, $4, $5, $6, \
                 $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $20, $21, \
                 $22) ON CONFLICT (slug) DO NOTHING",
            )
            .bind(&e.slug)
            .bind(&e.series)
            .bind(e.kind.as_str())
            .bind(&e.title)
            .bind(&e.description)
            .bind(json(&e.levers)?)
            .bind(json(&e.themes)?)
            .bind(start)
            .bind(e.duration_minutes)
            .bind(&e.timezone)
            .bind(&e.online_url)
            .bind(&e.commune)
            .bind(&e.address)
            .bind(json(&e.speakers)?)
            .bind(e.capacity)
            .bind(e.status.as_str())
            .bind(&e.replay_url)
            .bind(json(&e.resources)?)
            .bind(e.is_example)
            .bind(now)
            .bind(instant(&e.registration_opens)?)
            .bind(instant(&e.registration_closes)?)
            .execute(&mut **tx)
            .await?;
            Ok(done.rows_affected() == 1)
        }

        /// The fields of a resource as JSON, to compare two versions.
        fn fields_json(f: &ResourceFields) -> serde_json::Map<String, serde_json::Value> {
            match serde_json::to_value(f) {
                Ok(serde_json::Value::Object(m)) => m,
                _ => serde_json::Map::new(),
            }
        }

        fn diff(
            before: &serde_json::Map<String, serde_json::Value>,
            after: &serde_json::Map<String, serde_json::Value>,
        ) -> serde_json::Map<String, serde_json::Value> {
            let mut out = serde_json::Map::new();
            for (k, a) in after {
                let b = before.get(k).cloned().unwrap_or(serde_json::Value::Null);
                if &b != a {
                    out.insert(k.clone(), serde_json::json!([b, a]));
                }
            }
            out
        }

        async fn record_change(
            tx: &mut sqlx::Transaction<'_, $db>,
            id: i64,
            actor: Option<i64>,
            action: &str,
            changes: &serde_json::Map<String, serde_json::Value>,
            now: i64,
        ) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO resource_history (resource_id, at, actor_id, action, changes) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(now)
            .bind(actor)
            .bind(action)
            .bind(serde_json::Value::Object(changes.clone()).to_string())
            .execute(&mut **tx)
            .await?;
            Ok(())
        }

        async fn insert_resource(
            tx: &mut sqlx::Transaction<'_, $db>,
            f: &ResourceFields,
            state: ResourceState,
            file: Option<&StoredFile>,
            now: i64,
        ) -> StoreResult<i64> {
            let json = |v: &Vec<String>| serde_json::to_string(v).map_err(corrupt);
            let published = (state != ResourceState::Draft).then_some(now);
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO resources (slug, title, summary, body, nature, subgroup, levers, \
                 themes, authors, year, format, language, licence, url, file_sha256, file_name, \
                 file_content_type, file_size, state, is_example, created_at, updated_at, \
                 published_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, \
                 $14, $15, $16, $17, $18, $19, $20, $21, $21, $22) RETURNING id",
            )
            .bind(&f.slug)
            .bind(&f.title)
            .bind(&f.summary)
            .bind(&f.body)
            .bind(f.nature.as_str())
            .bind(&f.subgroup)
            .bind(json(&f.levers)?)
            .bind(json(&f.themes)?)
            .bind(json(&f.authors)?)
            .bind(f.year)
            .bind(&f.format)
            .bind(&f.language)
            .bind(&f.licence)
            .bind(&f.url)
            .bind(file.map(|x| x.sha256.clone()))
            .bind(file.map(|x| x.name.clone()))
            .bind(file.map(|x| x.content_type.clone()))
            .bind(file.map(|x| x.size))
            .bind(state.as_str())
            .bind(f.is_example)
            .bind(now)
            .bind(published)
            .fetch_one(&mut **tx)
            .await
            .map_err(|e| StoreError::on_unique(e, "slug", "this slug is already in use"))?;
            Ok(id)
        }

        async fn write_fields(
            tx: &mut sqlx::Transaction<'_, $db>,
            id: i64,
            f: &ResourceFields,
            now: i64,
        ) -> StoreResult<()> {
            let json = |v: &Vec<String>| serde_json::to_string(v).map_err(corrupt);
            sqlx::query(
                "UPDATE resources SET slug = $1, title = $2, summary = $3, body = $4, \
                 nature = $5, subgroup = $6, levers = $7, themes = $8, authors = $9, \
                 year = $10, format = $11, language = $12, licence = $13, url = $14, \
                 is_example = $15, updated_at = $16 WHERE id = $17",
            )
            .bind(&f.slug)
            .bind(&f.title)
            .bind(&f.summary)
            .bind(&f.body)
            .bind(f.nature.as_str())
            .bind(&f.subgroup)
            .bind(json(&f.levers)?)
            .bind(json(&f.themes)?)
            .bind(json(&f.authors)?)
            .bind(f.year)
            .bind(&f.format)
            .bind(&f.language)
            .bind(&f.licence)
            .bind(&f.url)
            .bind(f.is_example)
            .bind(now)
            .bind(id)
            .execute(&mut **tx)
            .await
            .map_err(|e| StoreError::on_unique(e, "slug", "this slug is already in use"))?;
            Ok(())
        }

        async fn resource_in(
            tx: &mut sqlx::Transaction<'_, $db>,
            id: i64,
        ) -> StoreResult<Resource> {
            let row = sqlx::query(&format!(
                "SELECT {RESOURCE_COLUMNS} FROM resources WHERE id = $1"
            ))
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(StoreError::NotFound)?;
            resource_from_row(&row)
        }

        fn corrupt(what: impl std::fmt::Display) -> StoreError {
            StoreError::Corrupt(what.to_string())
        }

        fn user_from_row(r: &$row) -> StoreResult<User> {
            let email: String = r.try_get("email")?;
            let role: String = r.try_get("role")?;
            Ok(User {
                id: r.try_get("id")?,
                email: Email::parse(&email).map_err(|_| corrupt(format!("email {email}")))?,
                display_name: r.try_get("display_name")?,
                role: role.parse().map_err(corrupt)?,
                password_hash: r.try_get("password_hash")?,
                is_example: r.try_get("is_example")?,
                email_verified: r.try_get::<Option<i64>, _>("email_verified_at")?.is_some(),
                created_at: from_ts(r.try_get("created_at")?),
            })
        }

        fn territory_from_row(r: &$row) -> StoreResult<Territory> {
            let level: String = r.try_get("level")?;
            let postcodes: String = r.try_get("postcodes")?;
            Ok(Territory {
                level: level.parse().map_err(corrupt)?,
                code: r.try_get("code")?,
                name: r.try_get("name")?,
                region: r.try_get("region")?,
                department: r.try_get("department")?,
                epci: r.try_get("epci")?,
                population: r.try_get("population")?,
                postcodes: postcodes.split_whitespace().map(String::from).collect(),
                lat: r.try_get("lat")?,
                lon: r.try_get("lon")?,
            })
        }

        fn lever_from_row(r: &$row) -> StoreResult<Lever> {
            let questions: String = r.try_get("questions")?;
            Ok(Lever {
                slug: r.try_get("slug")?,
                position: r.try_get("position")?,
                name: r.try_get("name")?,
                questions: serde_json::from_str(&questions).map_err(corrupt)?,
            })
        }

        fn session_from_row(r: &$row) -> StoreResult<SessionRecord> {
            Ok(SessionRecord {
                id_hash: r.try_get("id_hash")?,
                user_id: r.try_get("user_id")?,
                created_at: from_ts(r.try_get("session_created_at")?),
                last_seen_at: from_ts(r.try_get("last_seen_at")?),
            })
        }

        const DATASET_COLUMNS: &str =
            "d.slug, d.title, d.description, d.source, d.licence, d.is_example, d.updated_at";

        fn dataset_from_row(r: &$row) -> StoreResult<Dataset> {
            Ok(Dataset {
                slug: r.try_get("slug")?,
                title: r.try_get("title")?,
                description: r.try_get("description")?,
                source: r.try_get("source")?,
                licence: r.try_get("licence")?,
                is_example: r.try_get("is_example")?,
                updated_at: from_ts(r.try_get("updated_at")?).to_rfc3339(),
            })
        }

        fn value_from_row(r: &$row) -> StoreResult<IndicatorValue> {
            let level: String = r.try_get("territory_level")?;
            Ok(IndicatorValue {
                territory_level: level.parse().map_err(corrupt)?,
                territory_code: r.try_get("territory_code")?,
                group: r.try_get("grp")?,
                year: r.try_get("year")?,
                value: r.try_get("value")?,
                rank: r.try_get("rank")?,
                peers: r.try_get("peers")?,
            })
        }

        fn page_bounds(page: u32, per_page: u32) -> (u32, u32, i64) {
            let per_page = per_page.clamp(1, 1000);
            let page = page.max(1);
            (page, per_page, (page as i64 - 1) * per_page as i64)
        }

        #[async_trait]
        impl Store for $store {
            fn backend(&self) -> Backend {
                $backend
            }

            fn pool_stats(&self) -> PoolStats {
                let (size, idle) = self.pool_figures();
                PoolStats { size, idle }
            }

            async fn ping(&self) -> StoreResult<()> {
                sqlx::query("SELECT 1").execute(self.r()).await?;
                Ok(())
            }

            async fn close(&self) {
                self.close_pools().await;
            }

            async fn reference_checksum(&self, name: &str) -> StoreResult<Option<String>> {
                Ok(sqlx::query_scalar("SELECT checksum FROM reference_state WHERE name = $1")
                    .bind(name)
                    .fetch_optional(self.r())
                    .await?)
            }

            async fn load_reference(&self, frame: &ReferenceFrame) -> StoreResult<bool> {
                let now = ts(Utc::now());
                let sum = &frame.checksum;
                let mut tx = self.begin_write().await?;
                let current: Option<String> =
                    sqlx::query_scalar("SELECT checksum FROM reference_state WHERE name = $1")
                        .bind("frame")
                        .fetch_optional(&mut *tx)
                        .await?;
                if current.as_deref() == Some(sum.as_str()) {
                    return Ok(false);
                }
                for l in &frame.levers {
                    let questions = serde_json::to_string(&l.questions).map_err(corrupt)?;
                    sqlx::query(
                        "INSERT INTO levers (slug, position, name, questions, checksum) \
                         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (slug) DO UPDATE SET \
                         position = excluded.position, name = excluded.name, \
                         questions = excluded.questions, checksum = excluded.checksum",
                    )
                    .bind(&l.slug)
                    .bind(l.position)
                    .bind(&l.name)
                    .bind(questions)
                    .bind(sum)
                    .execute(&mut *tx)
                    .await?;
                }
                for f in &frame.metier {
                    upsert_named(&mut tx, "metier_families", &f.slug, f.position, &f.name, sum)
                        .await?;
                    for a in &f.activities {
                        sqlx::query(
                            "INSERT INTO activities (slug, family_slug, position, name, checksum) \
                             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (slug) DO UPDATE SET \
                             family_slug = excluded.family_slug, position = excluded.position, \
                             name = excluded.name, checksum = excluded.checksum",
                        )
                        .bind(&a.slug)
                        .bind(&f.slug)
                        .bind(a.position)
                        .bind(&a.name)
                        .bind(sum)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                for f in &frame.actor_families {
                    upsert_named(&mut tx, "actor_families", &f.slug, f.position, &f.name, sum)
                        .await?;
                }
                for table in ["levers", "activities", "metier_families", "actor_families"] {
                    sqlx::query(&format!("DELETE FROM {table} WHERE checksum <> $1"))
                        .bind(sum)
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query("DELETE FROM milestones").execute(&mut *tx).await?;
                for m in &frame.milestones {
                    sqlx::query(
                        "INSERT INTO milestones (date, label, description, pillar, date_precision) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(m.date)
                    .bind(&m.label)
                    .bind(&m.description)
                    .bind(&m.pillar)
                    .bind(&m.date_precision)
                    .execute(&mut *tx)
                    .await?;
                }
                set_state(&mut tx, "frame", sum, now).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn load_geography(&self, geo: &Geography) -> StoreResult<bool> {
                let now = ts(Utc::now());
                let sum = &geo.checksum;
                let mut tx = self.begin_write().await?;
                let current: Option<String> =
                    sqlx::query_scalar("SELECT checksum FROM reference_state WHERE name = $1")
                        .bind("geography")
                        .fetch_optional(&mut *tx)
                        .await?;
                if current.as_deref() == Some(sum.as_str()) {
                    return Ok(false);
                }
                for chunk in geo.territories.chunks(CHUNK) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO territories (level, code, name, region, department, epci, \
                         population, postcodes, lat, lon, checksum) ",
                    );
                    qb.push_values(chunk, |mut b, t| {
                        b.push_bind(t.level.as_str())
                            .push_bind(t.code.clone())
                            .push_bind(t.name.clone())
                            .push_bind(t.region.clone())
                            .push_bind(t.department.clone())
                            .push_bind(t.epci.clone())
                            .push_bind(t.population)
                            .push_bind(t.postcodes.join(" "))
                            .push_bind(t.lat)
                            .push_bind(t.lon)
                            .push_bind(sum.clone());
                    });
                    qb.push(
                        " ON CONFLICT (level, code) DO UPDATE SET name = excluded.name, \
                         region = excluded.region, \
                         department = excluded.department, epci = excluded.epci, \
                         population = excluded.population, postcodes = excluded.postcodes, \
                         lat = excluded.lat, lon = excluded.lon, checksum = excluded.checksum",
                    );
                    qb.build().execute(&mut *tx).await?;
                }
                sqlx::query("DELETE FROM territories WHERE checksum <> $1")
                    .bind(sum)
                    .execute(&mut *tx)
                    .await?;
                set_state(&mut tx, "geography", sum, now).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn levers(&self) -> StoreResult<Vec<Lever>> {
                let rows = sqlx::query(
                    "SELECT slug, position, name, questions FROM levers ORDER BY position",
                )
                .fetch_all(self.r())
                .await?;
                rows.iter().map(lever_from_row).collect()
            }

            async fn lever(&self, slug: &str) -> StoreResult<Option<Lever>> {
                let row = sqlx::query(
                    "SELECT slug, position, name, questions FROM levers WHERE slug = $1",
                )
                .bind(slug)
                .fetch_optional(self.r())
                .await?;
                row.as_ref().map(lever_from_row).transpose()
            }

            async fn metier(&self) -> StoreResult<Vec<MetierFamily>> {
                let families = sqlx::query(
                    "SELECT slug, position, name FROM metier_families ORDER BY position",
                )
                .fetch_all(self.r())
                .await?;
                let activities = sqlx::query(
                    "SELECT slug, family_slug, position, name FROM activities \
                     ORDER BY family_slug, position",
                )
                .fetch_all(self.r())
                .await?;
                let mut out = Vec::with_capacity(families.len());
                for f in &families {
                    let slug: String = f.try_get("slug")?;
                    let mut acts = Vec::new();
                    for a in &activities {
                        let fam: String = a.try_get("family_slug")?;
                        if fam == slug {
                            acts.push(Activity {
                                slug: a.try_get("slug")?,
                                name: a.try_get("name")?,
                                position: a.try_get("position")?,
                            });
                        }
                    }
                    out.push(MetierFamily {
                        slug,
                        name: f.try_get("name")?,
                        position: f.try_get("position")?,
                        activities: acts,
                    });
                }
                Ok(out)
            }

            async fn actor_families(&self) -> StoreResult<Vec<ActorFamily>> {
                let rows = sqlx::query(
                    "SELECT slug, position, name FROM actor_families ORDER BY position",
                )
                .fetch_all(self.r())
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(ActorFamily {
                            slug: r.try_get("slug")?,
                            name: r.try_get("name")?,
                            position: r.try_get("position")?,
                        })
                    })
                    .collect()
            }

            async fn milestones(&self) -> StoreResult<Vec<Milestone>> {
                let rows = sqlx::query(
                    "SELECT date, label, description, pillar, date_precision FROM milestones \
                     ORDER BY date, id",
                )
                .fetch_all(self.r())
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(Milestone {
                            date: r.try_get("date")?,
                            label: r.try_get("label")?,
                            description: r.try_get("description")?,
                            pillar: r.try_get("pillar")?,
                            date_precision: r.try_get("date_precision")?,
                        })
                    })
                    .collect()
            }

            async fn territories(&self) -> StoreResult<Vec<Territory>> {
                use futures_util::TryStreamExt;
                // Streamed row by row: the whole geography is never held twice in memory.
                let sql = format!("SELECT {TERRITORY_COLUMNS} FROM territories ORDER BY level, code");
                let mut rows = sqlx::query(&sql).fetch(self.r());
                let mut out = Vec::with_capacity(40_000);
                while let Some(row) = rows.try_next().await? {
                    out.push(territory_from_row(&row)?);
                }
                out.shrink_to_fit();
                Ok(out)
            }

            async fn create_user(&self, user: &NewUser, now: DateTime<Utc>) -> StoreResult<User> {
                let row = sqlx::query(&format!(
                    "INSERT INTO users (email, display_name, role, password_hash, is_example, \
                     created_at, updated_at, email_verified_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $6, $7) RETURNING {USER_COLUMNS}"
                ))
                .bind(user.email.as_str())
                .bind(&user.display_name)
                .bind(user.role.as_str())
                .bind(&user.password_hash)
                .bind(user.is_example)
                .bind(ts(now))
                .bind(user.email_verified.then(|| ts(now)))
                .fetch_one(self.w())
                .await
                .map_err(|e| StoreError::on_unique(e, "email", "this email already has an account"))?;
                user_from_row(&row)
            }

            async fn discard_unverified_user(&self, user_id: i64) -> StoreResult<bool> {
                let done = sqlx::query(
                    "DELETE FROM users WHERE id = $1 AND email_verified_at IS NULL",
                )
                .bind(user_id)
                .execute(self.w())
                .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn user_by_id(&self, id: i64) -> StoreResult<Option<User>> {
                let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(self.r())
                    .await?;
                row.as_ref().map(user_from_row).transpose()
            }

            async fn user_by_email(&self, email: &Email) -> StoreResult<Option<User>> {
                let row =
                    sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1"))
                        .bind(email.as_str())
                        .fetch_optional(self.r())
                        .await?;
                row.as_ref().map(user_from_row).transpose()
            }

            async fn list_users(&self, page: u32, per_page: u32) -> StoreResult<Page<User>> {
                let (page, per_page, offset) = page_bounds(page, per_page);
                let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
                    .fetch_one(self.r())
                    .await?;
                let rows = sqlx::query(&format!(
                    "SELECT {USER_COLUMNS} FROM users ORDER BY email LIMIT $1 OFFSET $2"
                ))
                .bind(per_page as i64)
                .bind(offset)
                .fetch_all(self.r())
                .await?;
                let items = rows.iter().map(user_from_row).collect::<StoreResult<_>>()?;
                Ok(Page { items, total, page, per_page })
            }

            async fn count_users(&self) -> StoreResult<i64> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
                    .fetch_one(self.r())
                    .await?)
            }

            async fn set_role(
                &self,
                user_id: i64,
                role: Role,
                actor_id: Option<i64>,
                now: DateTime<Utc>,
            ) -> StoreResult<User> {
                let mut tx = self.begin_write().await?;
                let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
                    .bind(user_id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                let before = user_from_row(&row)?;
                if before.role == Role::Admin && role != Role::Admin {
                    let admins: i64 =
                        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin'")
                            .fetch_one(&mut *tx)
                            .await?;
                    if admins <= 1 {
                        return Err(StoreError::Conflict {
                            field: "role",
                            message: "the last administrator cannot lose the role".into(),
                        });
                    }
                }
                let row = sqlx::query(&format!(
                    "UPDATE users SET role = $1, updated_at = $2 WHERE id = $3 \
                     RETURNING {USER_COLUMNS}"
                ))
                .bind(role.as_str())
                .bind(ts(now))
                .bind(user_id)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO audit_log (at, actor_id, action, target, details) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(ts(now))
                .bind(actor_id)
                .bind("set_role")
                .bind(format!("user:{user_id}"))
                .bind(format!("{} -> {}", before.role, role))
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                user_from_row(&row)
            }

            async fn set_password(
                &self,
                user_id: i64,
                hash: &str,
                now: DateTime<Utc>,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3",
                )
                .bind(hash)
                .bind(ts(now))
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn audit_log(&self, limit: u32) -> StoreResult<Vec<AuditEntry>> {
                let rows = sqlx::query(
                    "SELECT at, actor_id, action, target, details FROM audit_log \
                     ORDER BY id DESC LIMIT $1",
                )
                .bind(limit as i64)
                .fetch_all(self.r())
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(AuditEntry {
                            at: from_ts(r.try_get("at")?),
                            actor_id: r.try_get("actor_id")?,
                            action: r.try_get("action")?,
                            target: r.try_get("target")?,
                            details: r.try_get("details")?,
                        })
                    })
                    .collect()
            }

            async fn create_session(&self, s: &SessionRecord) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(&s.id_hash)
                .bind(s.user_id)
                .bind(ts(s.created_at))
                .bind(ts(s.last_seen_at))
                .execute(self.w())
                .await?;
                Ok(())
            }

            async fn session(
                &self,
                id_hash: &str,
                idle_after: DateTime<Utc>,
                created_after: DateTime<Utc>,
            ) -> StoreResult<Option<(SessionRecord, User)>> {
                let row = sqlx::query(
                    "SELECT s.id_hash, s.user_id, s.created_at AS session_created_at, \
                     s.last_seen_at, u.id, u.email, u.display_name, u.role, u.password_hash, \
                     u.is_example, u.email_verified_at, u.created_at FROM sessions s \
                     JOIN users u ON u.id = s.user_id \
                     WHERE s.id_hash = $1 AND s.last_seen_at >= $2 AND s.created_at >= $3",
                )
                .bind(id_hash)
                .bind(ts(idle_after))
                .bind(ts(created_after))
                .fetch_optional(self.r())
                .await?;
                match row {
                    Some(r) => Ok(Some((session_from_row(&r)?, user_from_row(&r)?))),
                    None => Ok(None),
                }
            }

            async fn touch_session(&self, id_hash: &str, now: DateTime<Utc>) -> StoreResult<()> {
                sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
                    .bind(ts(now))
                    .bind(id_hash)
                    .execute(self.w())
                    .await?;
                Ok(())
            }

            async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
                sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
                    .bind(id_hash)
                    .execute(self.w())
                    .await?;
                Ok(())
            }

            async fn purge_sessions(
                &self,
                idle_before: DateTime<Utc>,
                created_before: DateTime<Utc>,
            ) -> StoreResult<u64> {
                let done = sqlx::query(
                    "DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2",
                )
                .bind(ts(idle_before))
                .bind(ts(created_before))
                .execute(self.w())
                .await?;
                Ok(done.rows_affected())
            }

            async fn create_password_reset(
                &self,
                token_hash: &str,
                user_id: i64,
                now: DateTime<Utc>,
                expires_at: DateTime<Utc>,
            ) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(token_hash)
                .bind(user_id)
                .bind(ts(now))
                .bind(ts(expires_at))
                .execute(self.w())
                .await?;
                Ok(())
            }

            async fn password_reset_user(
                &self,
                token_hash: &str,
                now: DateTime<Utc>,
            ) -> StoreResult<Option<i64>> {
                Ok(sqlx::query_scalar(
                    "SELECT user_id FROM password_resets WHERE token_hash = $1 \
                     AND used_at IS NULL AND expires_at > $2",
                )
                .bind(token_hash)
                .bind(ts(now))
                .fetch_optional(self.r())
                .await?)
            }

            async fn reset_password(
                &self,
                token_hash: &str,
                new_hash: &str,
                now: DateTime<Utc>,
            ) -> StoreResult<Option<i64>> {
                let mut tx = self.begin_write().await?;
                let user_id: Option<i64> = sqlx::query_scalar(
                    "UPDATE password_resets SET used_at = $2 WHERE token_hash = $1 \
                     AND used_at IS NULL AND expires_at > $2 RETURNING user_id",
                )
                .bind(token_hash)
                .bind(ts(now))
                .fetch_optional(&mut *tx)
                .await?;
                let Some(user_id) = user_id else {
                    return Ok(None);
                };
                sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
                    .bind(new_hash)
                    .bind(ts(now))
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                // Every other outstanding link of the account dies with this one.
                sqlx::query(
                    "UPDATE password_resets SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL",
                )
                .bind(ts(now))
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(Some(user_id))
            }

            async fn replace_dataset(
                &self,
                dataset: &NewDataset,
                import: &DatasetImport,
                now: DateTime<Utc>,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("DELETE FROM datasets WHERE slug = $1")
                    .bind(&dataset.slug)
                    .execute(&mut *tx)
                    .await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO datasets (slug, title, description, source, licence, is_example, \
                     checksum, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(&dataset.slug)
                .bind(&dataset.title)
                .bind(&dataset.description)
                .bind(&import.source)
                .bind(&import.licence)
                .bind(dataset.is_example)
                .bind(&dataset.checksum)
                .bind(ts(now))
                .fetch_one(&mut *tx)
                .await?;
                let mut ids = std::collections::HashMap::new();
                for i in &import.indicators {
                    let iid: i64 = sqlx::query_scalar(
                        "INSERT INTO indicators (dataset_id, slug, name, unit) \
                         VALUES ($1, $2, $3, $4) RETURNING id",
                    )
                    .bind(id)
                    .bind(&i.slug)
                    .bind(&i.name)
                    .bind(&i.unit)
                    .fetch_one(&mut *tx)
                    .await?;
                    ids.insert(i.slug.as_str(), iid);
                }
                for chunk in import.values.chunks(CHUNK) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO indicator_values (indicator_id, territory_level, \
                         territory_code, grp, year, value, rank, peers) ",
                    );
                    let mut missing = None;
                    qb.push_values(chunk, |mut b, (slug, v)| {
                        let iid = ids.get(slug.as_str()).copied().unwrap_or_else(|| {
                            missing = Some(slug.clone());
                            0
                        });
                        b.push_bind(iid)
                            .push_bind(v.territory_level.as_str())
                            .push_bind(v.territory_code.clone())
                            .push_bind(v.group.clone())
                            .push_bind(v.year)
                            .push_bind(v.value)
                            .push_bind(v.rank)
                            .push_bind(v.peers);
                    });
                    if let Some(slug) = missing {
                        return Err(corrupt(format!("value of an undeclared indicator {slug}")));
                    }
                    qb.build().execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn dataset_checksum(&self, slug: &str) -> StoreResult<Option<String>> {
                Ok(sqlx::query_scalar("SELECT checksum FROM datasets WHERE slug = $1")
                    .bind(slug)
                    .fetch_optional(self.r())
                    .await?)
            }

            async fn datasets(&self) -> StoreResult<Vec<Dataset>> {
                let rows = sqlx::query(&format!(
                    "SELECT {DATASET_COLUMNS} FROM datasets d ORDER BY d.is_example, d.title"
                ))
                .fetch_all(self.r())
                .await?;
                rows.iter().map(dataset_from_row).collect()
            }

            async fn dataset(
                &self,
                slug: &str,
            ) -> StoreResult<Option<(Dataset, Vec<Indicator>)>> {
                let Some(row) = sqlx::query(&format!(
                    "SELECT d.id, {DATASET_COLUMNS} FROM datasets d WHERE d.slug = $1"
                ))
                .bind(slug)
                .fetch_optional(self.r())
                .await?
                else {
                    return Ok(None);
                };
                let id: i64 = row.try_get("id")?;
                let indicators = sqlx::query(
                    "SELECT slug, name, unit FROM indicators WHERE dataset_id = $1 ORDER BY name",
                )
                .bind(id)
                .fetch_all(self.r())
                .await?
                .iter()
                .map(|r| {
                    Ok(Indicator {
                        slug: r.try_get("slug")?,
                        name: r.try_get("name")?,
                        unit: r.try_get("unit")?,
                    })
                })
                .collect::<StoreResult<Vec<_>>>()?;
                Ok(Some((dataset_from_row(&row)?, indicators)))
            }

            async fn indicator_values(
                &self,
                dataset: &str,
                indicator: &str,
                level: Option<TerritoryLevel>,
            ) -> StoreResult<Vec<IndicatorValue>> {
                // Two texts rather than `$3 IS NULL OR …`, which keeps SQLite off its index.
                let at_level = if level.is_some() { "AND v.territory_level = $3" } else { "" };
                let sql = format!(
                    "SELECT v.territory_level, v.territory_code, v.grp, v.year, v.value, v.rank, \
                     v.peers FROM indicator_values v JOIN indicators i ON i.id = v.indicator_id \
                     JOIN datasets d ON d.id = i.dataset_id WHERE d.slug = $1 AND i.slug = $2 \
                     {at_level} ORDER BY v.year DESC, v.grp, v.territory_level, v.rank, \
                     v.territory_code"
                );
                let mut q = sqlx::query(&sql).bind(dataset).bind(indicator);
                if let Some(level) = level {
                    q = q.bind(level.as_str());
                }
                let rows = q.fetch_all(self.r()).await?;
                rows.iter().map(value_from_row).collect()
            }

            async fn indicator_levels(
                &self,
            ) -> StoreResult<Vec<(String, Indicator, TerritoryLevel)>> {
                let rows = sqlx::query(
                    "SELECT DISTINCT d.slug AS dataset, d.title, i.slug, i.name, i.unit, \
                     v.territory_level FROM indicator_values v \
                     JOIN indicators i ON i.id = v.indicator_id \
                     JOIN datasets d ON d.id = i.dataset_id \
                     ORDER BY d.title, i.name, v.territory_level",
                )
                .fetch_all(self.r())
                .await?;
                rows.iter()
                    .map(|r| {
                        let level: String = r.try_get("territory_level")?;
                        Ok((
                            r.try_get("dataset")?,
                            Indicator {
                                slug: r.try_get("slug")?,
                                name: r.try_get("name")?,
                                unit: r.try_get("unit")?,
                            },
                            level.parse().map_err(corrupt)?,
                        ))
                    })
                    .collect()
            }

            async fn territory_values(
                &self,
                level: TerritoryLevel,
                code: &str,
            ) -> StoreResult<Vec<TerritoryValue>> {
                let rows = sqlx::query(&format!(
                    "SELECT {DATASET_COLUMNS}, i.slug AS indicator_slug, i.name AS indicator_name, \
                     i.unit, v.territory_level, v.territory_code, v.grp, v.year, v.value, v.rank, \
                     v.peers FROM indicator_values v JOIN indicators i ON i.id = v.indicator_id \
                     JOIN datasets d ON d.id = i.dataset_id \
                     WHERE v.territory_level = $1 AND v.territory_code = $2 \
                     ORDER BY d.is_example, d.title, i.name, v.grp, v.year DESC"
                ))
                .bind(level.as_str())
                .bind(code)
                .fetch_all(self.r())
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(TerritoryValue {
                            dataset: dataset_from_row(r)?,
                            indicator: Indicator {
                                slug: r.try_get("indicator_slug")?,
                                name: r.try_get("indicator_name")?,
                                unit: r.try_get("unit")?,
                            },
                            value: value_from_row(r)?,
                        })
                    })
                    .collect()
            }

            async fn create_resource(
                &self,
                fields: &ResourceFields,
                state: ResourceState,
                file: Option<&StoredFile>,
                actor: Option<i64>,
                now: DateTime<Utc>,
            ) -> StoreResult<Resource> {
                let mut tx = self.begin_write().await?;
                let id = insert_resource(&mut tx, fields, state, file, ts(now)).await?;
                let mut changes = diff(&serde_json::Map::new(), &fields_json(fields));
                changes.insert("state".into(), serde_json::json!([null, state.as_str()]));
                record_change(&mut tx, id, actor, "create", &changes, ts(now)).await?;
                let r = resource_in(&mut tx, id).await?;
                tx.commit().await?;
                Ok(r)
            }

            async fn update_resource(
                &self,
                id: i64,
                fields: &ResourceFields,
                file: &FileChange,
                actor: Option<i64>,
                now: DateTime<Utc>,
            ) -> StoreResult<Resource> {
                let mut tx = self.begin_write().await?;
                let before = resource_in(&mut tx, id).await?;
                let mut changes = diff(&fields_json(&before.fields), &fields_json(fields));
                let new_file = match file {
                    FileChange::Keep => before.file.clone(),
                    FileChange::Replace(f) => Some(f.clone()),
                    FileChange::Remove => None,
                };
                if new_file != before.file {
                    let name = |f: &Option<StoredFile>| {
                        f.as_ref()
                            .map(|f| serde_json::json!(f.name))
                            .unwrap_or(serde_json::Value::Null)
                    };
                    changes.insert(
                        "file".into(),
                        serde_json::json!([name(&before.file), name(&new_file)]),
                    );
                    sqlx::query(
                        "UPDATE resources SET file_sha256 = $1, file_name = $2, \
                         file_content_type = $3, file_size = $4 WHERE id = $5",
                    )
                    .bind(new_file.as_ref().map(|x| x.sha256.clone()))
                    .bind(new_file.as_ref().map(|x| x.name.clone()))
                    .bind(new_file.as_ref().map(|x| x.content_type.clone()))
                    .bind(new_file.as_ref().map(|x| x.size))
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                }
                if changes.is_empty() {
                    return Ok(before);
                }
                write_fields(&mut tx, id, fields, ts(now)).await?;
                record_change(&mut tx, id, actor, "edit", &changes, ts(now)).await?;
                let r = resource_in(&mut tx, id).await?;
                tx.commit().await?;
                Ok(r)
            }

            async fn set_resource_state(
                &self,
                id: i64,
                state: ResourceState,
                actor: Option<i64>,
                now: DateTime<Utc>,
            ) -> StoreResult<Resource> {
                let mut tx = self.begin_write().await?;
                let before = resource_in(&mut tx, id).await?;
                if before.state == state {
                    return Ok(before);
                }
                sqlx::query(
                    "UPDATE resources SET state = $1, updated_at = $2, \
                     published_at = COALESCE(published_at, $3) WHERE id = $4",
                )
                .bind(state.as_str())
                .bind(ts(now))
                .bind((state == ResourceState::Published).then_some(ts(now)))
                .bind(id)
                .execute(&mut *tx)
                .await?;
                let mut changes = serde_json::Map::new();
                changes.insert(
                    "state".into(),
                    serde_json::json!([before.state.as_str(), state.as_str()]),
                );
                let action = match state {
                    ResourceState::Published => "publish",
                    ResourceState::Archived => "archive",
                    ResourceState::Draft => "draft",
                };
                record_change(&mut tx, id, actor, action, &changes, ts(now)).await?;
                let r = resource_in(&mut tx, id).await?;
                tx.commit().await?;
                Ok(r)
            }

            async fn resource(&self, id: i64) -> StoreResult<Option<Resource>> {
                sqlx::query(&format!("SELECT {RESOURCE_COLUMNS} FROM resources WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(self.r())
                    .await?
                    .as_ref()
                    .map(resource_from_row)
                    .transpose()
            }

            async fn resource_by_slug(&self, slug: &str) -> StoreResult<Option<Resource>> {
                sqlx::query(&format!(
                    "SELECT {RESOURCE_COLUMNS} FROM resources WHERE slug = $1"
                ))
                .bind(slug)
                .fetch_optional(self.r())
                .await?
                .as_ref()
                .map(resource_from_row)
                .transpose()
            }

            async fn resources_by_ids(&self, ids: &[i64]) -> StoreResult<Vec<Resource>> {
                if ids.is_empty() {
                    return Ok(vec![]);
                }
                let mut found = std::collections::HashMap::new();
                for chunk in ids.chunks(CHUNK) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(format!(
                        "SELECT {RESOURCE_COLUMNS} FROM resources WHERE id IN ("
                    ));
                    let mut list = qb.separated(", ");
                    for id in chunk {
                        list.push_bind(*id);
                    }
                    qb.push(")");
                    for row in qb.build().fetch_all(self.r()).await? {
                        let r = resource_from_row(&row)?;
                        found.insert(r.id, r);
                    }
                }
                Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
            }

            async fn resources(
                &self,
                state: Option<ResourceState>,
            ) -> StoreResult<Vec<Resource>> {
                let rows = match state {
                    Some(s) => {
                        sqlx::query(&format!(
                            "SELECT {RESOURCE_COLUMNS} FROM resources WHERE state = $1 ORDER BY id"
                        ))
                        .bind(s.as_str())
                        .fetch_all(self.r())
                        .await?
                    }
                    None => {
                        sqlx::query(&format!(
                            "SELECT {RESOURCE_COLUMNS} FROM resources ORDER BY id"
                        ))
                        .fetch_all(self.r())
                        .await?
                    }
                };
                rows.iter().map(resource_from_row).collect()
            }

            async fn resource_history(&self, id: i64) -> StoreResult<Vec<ResourceChange>> {
                let rows = sqlx::query(
                    "SELECT at, actor_id, action, changes FROM resource_history \
                     WHERE resource_id = $1 ORDER BY id DESC",
                )
                .bind(id)
                .fetch_all(self.r())
                .await?;
                rows.iter()
                    .map(|r| {
                        let changes: String = r.try_get("changes")?;
                        Ok(ResourceChange {
                            at: from_ts(r.try_get("at")?),
                            actor_id: r.try_get("actor_id")?,
                            action: r.try_get("action")?,
                            changes: serde_json::from_str(&changes).map_err(corrupt)?,
                        })
                    })
                    .collect()
            }

            async fn resources_version(&self) -> StoreResult<String> {
                // Every write records a history line in its transaction. The count as well as
                // the largest id: PostgreSQL may commit a smaller id after a larger one.
                let r = sqlx::query(
                    "SELECT COUNT(*) AS n, COALESCE(MAX(id), 0) AS last FROM resource_history",
                )
                .fetch_one(self.r())
                .await?;
                let n: i64 = r.try_get("n")?;
                let last: i64 = r.try_get("last")?;
                Ok(format!("{n}-{last}"))
            }

            async fn import_resources(
                &self,
                items: &[(ResourceFields, ResourceState)],
                actor: Option<i64>,
                now: DateTime<Utc>,
            ) -> StoreResult<(usize, usize)> {
                let now = ts(now);
                let (mut created, mut updated) = (0, 0);
                let mut tx = self.begin_write().await?;
                for (fields, state) in items {
                    let existing: Option<i64> =
                        sqlx::query_scalar("SELECT id FROM resources WHERE slug = $1")
                            .bind(&fields.slug)
                            .fetch_optional(&mut *tx)
                            .await?;
                    match existing {
                        None => {
                            let id = insert_resource(&mut tx, fields, *state, None, now).await?;
                            let mut changes = diff(&serde_json::Map::new(), &fields_json(fields));
                            changes.insert(
                                "state".into(),
                                serde_json::json!([null, state.as_str()]),
                            );
                            record_change(&mut tx, id, actor, "import", &changes, now).await?;
                            created += 1;
                        }
                        Some(id) => {
                            let before = resource_in(&mut tx, id).await?;
                            let mut changes =
                                diff(&fields_json(&before.fields), &fields_json(fields));
                            if before.state != *state {
                                changes.insert(
                                    "state".into(),
                                    serde_json::json!([before.state.as_str(), state.as_str()]),
                                );
                            }
                            if changes.is_empty() {
                                continue;
                            }
                            write_fields(&mut tx, id, fields, now).await?;
                            sqlx::query(
                                "UPDATE resources SET state = $1, \
                                 published_at = COALESCE(published_at, $2) WHERE id = $3",
                            )
                            .bind(state.as_str())
                            .bind((*state != ResourceState::Draft).then_some(now))
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                            record_change(&mut tx, id, actor, "import", &changes, now).await?;
                            updated += 1;
                        }
                    }
                }
                tx.commit().await?;
                Ok((created, updated))
            }

            async fn load_kit(
                &self,
                kit: &[ResourceFields],
                checksum: &str,
                now: DateTime<Utc>,
            ) -> StoreResult<bool> {
                let now = ts(now);
                let mut tx = self.begin_write().await?;
                let current: Option<String> =
                    sqlx::query_scalar("SELECT checksum FROM reference_state WHERE name = $1")
                        .bind("kit")
                        .fetch_optional(&mut *tx)
                        .await?;
                if current.as_deref() == Some(checksum) {
                    return Ok(false);
                }
                for fields in kit {
                    let exists: Option<i64> =
                        sqlx::query_scalar("SELECT id FROM resources WHERE slug = $1")
                            .bind(&fields.slug)
                            .fetch_optional(&mut *tx)
                            .await?;
                    if exists.is_none() {
                        let id = insert_resource(
                            &mut tx,
                            fields,
                            ResourceState::Published,
                            None,
                            now,
                        )
                        .await?;
                        let mut changes = serde_json::Map::new();
                        changes.insert("source".into(), serde_json::json!([null, "kit"]));
                        record_change(&mut tx, id, None, "import", &changes, now).await?;
                    }
                }
                set_state(&mut tx, "kit", checksum, now).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn harvest(&self, q: &HarvestQuery) -> StoreResult<(Vec<Resource>, u64)> {
                // One text for both engines; absent criteria are neutral bounds.
                let (after_at, after_id) = q.after.map(|(t, i)| (ts(t), i)).unwrap_or((i64::MIN, i64::MIN));
                let from = q.from.map(ts).unwrap_or(i64::MIN);
                let until = q.until.map(ts).unwrap_or(i64::MAX);
                let nature = q.nature.map(|n| n.as_str().to_string()).unwrap_or_default();
                let lever = q
                    .lever
                    .as_ref()
                    .map(|l| format!("%\"{}\"%", l.replace(['%', '_', '\\'], "")))
                    .unwrap_or_else(|| "%".into());
                let filter = "state IN ('published', 'archived') AND published_at IS NOT NULL \
                     AND updated_at >= $1 AND updated_at <= $2 \
                     AND ($3 = '' OR nature = $3) AND levers LIKE $4";
                let total: i64 = sqlx::query_scalar(&format!(
                    "SELECT COUNT(*) FROM resources WHERE {filter}"
                ))
                .bind(from)
                .bind(until)
                .bind(&nature)
                .bind(&lever)
                .fetch_one(self.r())
                .await?;
                let rows = sqlx::query(&format!(
                    "SELECT {RESOURCE_COLUMNS} FROM resources WHERE {filter} \
                     AND (updated_at > $5 OR (updated_at = $5 AND id > $6)) \
                     ORDER BY updated_at, id LIMIT $7"
                ))
                .bind(from)
                .bind(until)
                .bind(&nature)
                .bind(&lever)
                .bind(after_at)
                .bind(after_id)
                .bind(q.limit as i64)
                .fetch_all(self.r())
                .await?;
                Ok((
                    rows.iter().map(resource_from_row).collect::<StoreResult<_>>()?,
                    total as u64,
                ))
            }

            async fn harvest_earliest(&self) -> StoreResult<Option<DateTime<Utc>>> {
                let t: Option<i64> = sqlx::query_scalar(
                    "SELECT MIN(updated_at) FROM resources \
                     WHERE state IN ('published', 'archived') AND published_at IS NOT NULL",
                )
                .fetch_one(self.r())
                .await?;
                Ok(t.map(from_ts))
            }

            async fn file_in_use(&self, sha256: &str) -> StoreResult<bool> {
                // A document of the resource centre, or a profile's photo (published or under
                // review): both live in the same file store, by the hash of their content.
                let n: i64 = sqlx::query_scalar(
                    "SELECT (SELECT COUNT(*) FROM resources WHERE file_sha256 = $1) \
                     + (SELECT COUNT(*) FROM members WHERE published_photo = $1) \
                     + (SELECT COUNT(*) FROM members WHERE draft_photo = $1)",
                )
                .bind(sha256)
                .fetch_one(self.r())
                .await?;
                Ok(n > 0)
            }

            async fn load_events(
                &self,
                name: &str,
                checksum: &str,
                series: &[Series],
                events: &[Event],
                now: DateTime<Utc>,
            ) -> StoreResult<bool> {
                let now = ts(now);
                let mut tx = self.begin_write().await?;
                let current: Option<String> =
                    sqlx::query_scalar("SELECT checksum FROM reference_state WHERE name = $1")
                        .bind(name)
                        .fetch_optional(&mut *tx)
                        .await?;
                if current.as_deref() == Some(checksum) {
                    return Ok(false);
                }
                for s in series {
                    sqlx::query(
                        "INSERT INTO event_series (slug, title, description, kind, rule) \
                         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (slug) DO UPDATE SET \
                         title = excluded.title, description = excluded.description, \
                         kind = excluded.kind, rule = excluded.rule",
                    )
                    .bind(&s.slug)
                    .bind(&s.title)
                    .bind(&s.description)
                    .bind(s.kind.as_str())
                    .bind(&s.rule)
                    .execute(&mut *tx)
                    .await?;
                }
                for e in events {
                    insert_event(&mut tx, e, now).await?;
                }
                set_state(&mut tx, name, checksum, now).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn events(
                &self,
                from: Option<DateTime<Utc>>,
                to: Option<DateTime<Utc>>,
                kind: Option<EventKind>,
                series: Option<&str>,
            ) -> StoreResult<Vec<Event>> {
                let rows = sqlx::query(&format!(
                    "SELECT {EVENT_COLUMNS} FROM events e \
                     LEFT JOIN event_series s ON s.id = e.series_id \
                     WHERE e.starts_at >= $1 AND e.starts_at < $2 \
                     AND ($3 = '' OR e.kind = $3) AND ($4 = '' OR s.slug = $4) \
                     ORDER BY e.starts_at, e.id"
                ))
                .bind(from.map(ts).unwrap_or(i64::MIN))
                .bind(to.map(ts).unwrap_or(i64::MAX))
                .bind(kind.map(|k| k.as_str()).unwrap_or(""))
                .bind(series.unwrap_or(""))
                .fetch_all(self.r())
                .await?;
                rows.iter().map(event_from_row).collect()
            }

            async fn event(&self, slug: &str) -> StoreResult<Option<Event>> {
                sqlx::query(&format!(
                    "SELECT {EVENT_COLUMNS} FROM events e \
                     LEFT JOIN event_series s ON s.id = e.series_id WHERE e.slug = $1"
                ))
                .bind(slug)
                .fetch_optional(self.r())
                .await?
                .as_ref()
                .map(event_from_row)
                .transpose()
            }

            async fn event_by_id(&self, id: i64) -> StoreResult<Option<Event>> {
                sqlx::query(&format!(
                    "SELECT {EVENT_COLUMNS} FROM events e \
                     LEFT JOIN event_series s ON s.id = e.series_id WHERE e.id = $1"
                ))
                .bind(id)
                .fetch_optional(self.r())
                .await?
                .as_ref()
                .map(event_from_row)
                .transpose()
            }

            async fn update_event(&self, e: &Event, now: DateTime<Utc>) -> StoreResult<Event> {
                let json = |v: &Vec<String>| serde_json::to_string(v).map_err(corrupt);
                let done = sqlx::query(
                    "UPDATE events SET title = $1, description = $2, levers = $3, \
                     online_url = $4, address = $5, speakers = $6, capacity = $7, status = $8, \
                     replay_url = $9, updated_at = $10, registration_opens_at = $12, \
                     registration_closes_at = $13 WHERE slug = $11",
                )
                .bind(&e.title)
                .bind(&e.description)
                .bind(json(&e.levers)?)
                .bind(&e.online_url)
                .bind(&e.address)
                .bind(json(&e.speakers)?)
                .bind(e.capacity)
                .bind(e.status.as_str())
                .bind(&e.replay_url)
                .bind(ts(now))
                .bind(&e.slug)
                .bind(instant(&e.registration_opens)?)
                .bind(instant(&e.registration_closes)?)
                .execute(self.w())
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                self.event(&e.slug).await?.ok_or(StoreError::NotFound)
            }

            async fn add_events(&self, events: &[Event], now: DateTime<Utc>) -> StoreResult<usize> {
                let mut tx = self.begin_write().await?;
                let mut added = 0;
                for e in events {
                    if insert_event(&mut tx, e, ts(now)).await? {
                        added += 1;
                    }
                }
                tx.commit().await?;
                Ok(added)
            }

            async fn set_attendance(&self, event_id: i64, present: &[i64]) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("UPDATE registrations SET attended = FALSE WHERE event_id = $1")
                    .bind(event_id)
                    .execute(&mut *tx)
                    .await?;
                for id in present {
                    sqlx::query(
                        "UPDATE registrations SET attended = TRUE WHERE event_id = $1 AND id = $2",
                    )
                    .bind(event_id)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn series(&self, slug: &str) -> StoreResult<Option<Series>> {
                let Some(r) = sqlx::query(
                    "SELECT slug, title, description, kind, rule FROM event_series WHERE slug = $1",
                )
                .bind(slug)
                .fetch_optional(self.r())
                .await?
                else {
                    return Ok(None);
                };
                let kind: String = r.try_get("kind")?;
                Ok(Some(Series {
                    slug: r.try_get("slug")?,
                    title: r.try_get("title")?,
                    description: r.try_get("description")?,
                    kind: kind.parse().map_err(corrupt)?,
                    rule: r.try_get("rule")?,
                }))
            }

            async fn register(
                &self,
                event_id: i64,
                r: &NewRegistration,
                now: DateTime<Utc>,
            ) -> StoreResult<Registration> {
                let now = ts(now);
                let mut tx = self.begin_write().await?;
                let seat = seat_left(&mut tx, event_id).await?;
                let status = if r.pending {
                    RegistrationStatus::Pending
                } else if seat {
                    RegistrationStatus::Confirmed
                } else {
                    RegistrationStatus::Waiting
                };
                // A cancelled registration of the same address is replaced by this one. So is
                // an unconfirmed one when the address's owner registers as a member (signed
                // in, her account proves the address): she takes it over, as herself, and
                // whatever a visitor typed with her address goes.
                let replaced = if r.user_id.is_some() && !r.pending {
                    "('cancelled', 'pending')"
                } else {
                    "('cancelled')"
                };
                sqlx::query(&format!(
                    "DELETE FROM registrations WHERE event_id = $1 AND email = $2 \
                     AND status IN {replaced}"
                ))
                .bind(event_id)
                .bind(&r.email)
                .execute(&mut *tx)
                .await?;
                let row = sqlx::query(&format!(
                    "INSERT INTO registrations (event_id, user_id, name, email, organisation, \
                     territory, status, token_hash, consent_at, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $9) \
                     RETURNING {REGISTRATION_COLUMNS}"
                ))
                .bind(event_id)
                .bind(r.user_id)
                .bind(&r.name)
                .bind(&r.email)
                .bind(&r.organisation)
                .bind(&r.territory)
                .bind(status.as_str())
                .bind(&r.token_hash)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| {
                    StoreError::on_unique(e, "email", "this address is already registered")
                })?;
                let reg = registration_from_row(&row)?;
                tx.commit().await?;
                Ok(reg)
            }

            async fn confirm_registration(
                &self,
                token_hash: &str,
                now: DateTime<Utc>,
            ) -> StoreResult<Registration> {
                let now = ts(now);
                let mut tx = self.begin_write().await?;
                let reg = registration_in(&mut tx, token_hash).await?;
                if reg.status != RegistrationStatus::Pending {
                    return Ok(reg);
                }
                let status = if seat_left(&mut tx, reg.event_id).await? {
                    RegistrationStatus::Confirmed
                } else {
                    RegistrationStatus::Waiting
                };
                set_registration_status(&mut tx, reg.id, status, now).await?;
                let reg = registration_in(&mut tx, token_hash).await?;
                tx.commit().await?;
                Ok(reg)
            }

            async fn cancel_registration(
                &self,
                token_hash: &str,
                now: DateTime<Utc>,
            ) -> StoreResult<(Registration, Option<Registration>)> {
                let now = ts(now);
                let mut tx = self.begin_write().await?;
                let reg = registration_in(&mut tx, token_hash).await?;
                if reg.status == RegistrationStatus::Cancelled {
                    return Ok((reg, None));
                }
                // Lock the event first, as a registration does.
                seat_left(&mut tx, reg.event_id).await?;
                set_registration_status(&mut tx, reg.id, RegistrationStatus::Cancelled, now)
                    .await?;
                let mut promoted = None;
                if reg.status == RegistrationStatus::Confirmed
                    && seat_left(&mut tx, reg.event_id).await?
                {
                    let next = sqlx::query(&format!(
                        "SELECT {REGISTRATION_COLUMNS} FROM registrations \
                         WHERE event_id = $1 AND status = 'waiting' ORDER BY id LIMIT 1"
                    ))
                    .bind(reg.event_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if let Some(row) = next {
                        let mut next = registration_from_row(&row)?;
                        set_registration_status(
                            &mut tx,
                            next.id,
                            RegistrationStatus::Confirmed,
                            now,
                        )
                        .await?;
                        next.status = RegistrationStatus::Confirmed;
                        promoted = Some(next);
                    }
                }
                let reg = registration_in(&mut tx, token_hash).await?;
                tx.commit().await?;
                Ok((reg, promoted))
            }

            async fn registration_by_token(
                &self,
                token_hash: &str,
            ) -> StoreResult<Option<Registration>> {
                sqlx::query(&format!(
                    "SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE token_hash = $1"
                ))
                .bind(token_hash)
                .fetch_optional(self.r())
                .await?
                .as_ref()
                .map(registration_from_row)
                .transpose()
            }

            async fn registrations(&self, event_id: i64) -> StoreResult<Vec<Registration>> {
                let rows = sqlx::query(&format!(
                    "SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE event_id = $1 \
                     ORDER BY id"
                ))
                .bind(event_id)
                .fetch_all(self.r())
                .await?;
                rows.iter().map(registration_from_row).collect()
            }

            async fn claim_reminders(
                &self,
                which: Reminder,
                now: DateTime<Utc>,
                from: chrono::Duration,
                to: chrono::Duration,
            ) -> StoreResult<Vec<Registration>> {
                let col = reminder_column(which);
                let rows = sqlx::query(&format!(
                    "UPDATE registrations SET {col} = TRUE \
                     WHERE status = 'confirmed' AND {col} = FALSE AND event_id IN \
                     (SELECT id FROM events WHERE status = 'scheduled' \
                      AND starts_at > $1 AND starts_at <= $2) \
                     RETURNING {REGISTRATION_COLUMNS}"
                ))
                .bind(ts(now + from))
                .bind(ts(now + to))
                .fetch_all(self.w())
                .await?;
                rows.iter().map(registration_from_row).collect()
            }

            async fn release_reminder(&self, id: i64, which: Reminder) -> StoreResult<()> {
                let col = reminder_column(which);
                sqlx::query(&format!("UPDATE registrations SET {col} = FALSE WHERE id = $1"))
                    .bind(id)
                    .execute(self.w())
                    .await?;
                Ok(())
            }

            async fn setting(&self, key: &str) -> StoreResult<Option<String>> {
                Ok(sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                    .bind(key)
                    .fetch_optional(self.r())
                    .await?)
            }

            async fn set_setting(&self, key: &str, value: &str) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO settings (key, value) VALUES ($1, $2) \
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                )
                .bind(key)
                .bind(value)
                .execute(self.w())
                .await?;
                Ok(())
            }

            async fn rate_limit_check(
                &self,
                budgets: &[$crate::RateBudget],
                now: DateTime<Utc>,
            ) -> StoreResult<Option<chrono::Duration>> {
                let now = now.timestamp_millis();
                let mut wait = None;
                for b in budgets {
                    let tat: Option<i64> =
                        sqlx::query_scalar("SELECT tat_ms FROM rate_limits WHERE key = $1")
                            .bind(&b.key)
                            .fetch_optional(self.r())
                            .await?;
                    wait = wait.max(rate_wait(b, tat, now));
                }
                Ok(wait)
            }

            async fn rate_limit_take(
                &self,
                budgets: &[$crate::RateBudget],
                now: DateTime<Utc>,
            ) -> StoreResult<Option<chrono::Duration>> {
                let now = now.timestamp_millis();
                let mut tx = self.begin_write().await?;
                for b in budgets {
                    // One statement per budget: the row lock (PostgreSQL) or the write lock
                    // (SQLite) makes concurrent requests take their turn.
                    let taken: Option<i64> = sqlx::query_scalar(&format!(
                        "INSERT INTO rate_limits (key, tat_ms) VALUES ($1, $2 + $3) \
                         ON CONFLICT (key) DO UPDATE SET tat_ms = {RATE_NEXT} \
                         WHERE {RATE_NEXT} - $2 <= $4 RETURNING tat_ms"
                    ))
                    .bind(&b.key)
                    .bind(now)
                    .bind(b.interval_ms())
                    .bind(b.window_ms())
                    .fetch_optional(&mut *tx)
                    .await?;
                    if taken.is_none() {
                        let tat: Option<i64> =
                            sqlx::query_scalar("SELECT tat_ms FROM rate_limits WHERE key = $1")
                                .bind(&b.key)
                                .fetch_optional(&mut *tx)
                                .await?;
                        tx.rollback().await?;
                        return Ok(Some(
                            rate_wait(b, tat, now).unwrap_or(chrono::Duration::milliseconds(1)),
                        ));
                    }
                }
                tx.commit().await?;
                Ok(None)
            }

            async fn rate_limit_refund(&self, budgets: &[$crate::RateBudget]) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                for b in budgets {
                    sqlx::query("UPDATE rate_limits SET tat_ms = tat_ms - $2 WHERE key = $1")
                        .bind(&b.key)
                        .bind(b.interval_ms())
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn rate_limit_clear(&self, key: &str) -> StoreResult<()> {
                sqlx::query("DELETE FROM rate_limits WHERE key = $1")
                    .bind(key)
                    .execute(self.w())
                    .await?;
                Ok(())
            }

            async fn purge_rate_limits(&self, now: DateTime<Utc>) -> StoreResult<u64> {
                let done = sqlx::query("DELETE FROM rate_limits WHERE tat_ms <= $1")
                    .bind(now.timestamp_millis())
                    .execute(self.w())
                    .await?;
                Ok(done.rows_affected())
            }
        }

        /// A rate-limit row's time after one more event (`$2` is now, `$3` the interval).
        const RATE_NEXT: &str =
            "(CASE WHEN rate_limits.tat_ms > $2 THEN rate_limits.tat_ms ELSE $2 END) + $3";

        /// How long one more event must wait in budget `b`, whose row holds `tat` (GCRA).
        fn rate_wait(
            b: &$crate::RateBudget,
            tat: Option<i64>,
            now: i64,
        ) -> Option<chrono::Duration> {
            let next = tat.unwrap_or(now).max(now) + b.interval_ms();
            let wait = next - b.window_ms() - now;
            (wait > 0).then(|| chrono::Duration::milliseconds(wait))
        }

        async fn upsert_named(
            tx: &mut sqlx::Transaction<'_, $db>,
            table: &str,
            slug: &str,
            position: i32,
            name: &str,
            sum: &str,
        ) -> StoreResult<()> {
            sqlx::query(&format!(
                "INSERT INTO {table} (slug, position, name, checksum) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (slug) DO UPDATE SET position = excluded.position, \
                 name = excluded.name, checksum = excluded.checksum"
            ))
            .bind(slug)
            .bind(position)
            .bind(name)
            .bind(sum)
            .execute(&mut **tx)
            .await?;
            Ok(())
        }

        async fn set_state(
            tx: &mut sqlx::Transaction<'_, $db>,
            name: &str,
            sum: &str,
            now: i64,
        ) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO reference_state (name, checksum, loaded_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (name) DO UPDATE SET checksum = excluded.checksum, \
                 loaded_at = excluded.loaded_at",
            )
            .bind(name)
            .bind(sum)
            .bind(now)
            .execute(&mut **tx)
            .await?;
            Ok(())
        }
    }
    };
}
