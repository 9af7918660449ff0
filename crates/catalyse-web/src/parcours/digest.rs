//! The weekly digest of each cohort's space, sent by the reminders' job (every minute): for
//! each cohort, the people who want it and whose last digest is a week old (or who never had
//! one) are claimed in the database — so that two runs or two instances never send it twice —
//! and each gets the messages and answers of the last seven days that others wrote. When
//! there are none, nothing is sent, but the claim stays: the next one is a week later, so
//! that the digest stays weekly. A mail that cannot be sent is given back
//! (`release_cohort_digest`) and tried again at the next run. Two digests may both list a post
//! written in the minute between a claim falling due and the job's run.

use super::posts::{author_name, quoted};
use crate::i18n::Tr;
use crate::mail::Mail;
use crate::state::AppState;
use catalyse_core::parcours::Cohort;
use catalyse_store::CohortPost;
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;

/// The posts a digest lists, before « and N more ».
const DIGEST_POSTS: usize = 40;
/// Characters of each post a digest quotes.
const DIGEST_CHARS: usize = 600;

fn week() -> Duration {
    Duration::days(7)
}

/// Every cohort's digests due at `now`; how many mails went.
pub async fn send_weekly_digests(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let mut sent = 0;
    for c in state.store.cohorts().await? {
        let due = state.store.claim_digests(c.id, now - week(), now).await?;
        if due.is_empty() {
            continue;
        }
        let posts: Vec<CohortPost> = state
            .store
            .posts_since(c.id, now - week())
            .await?
            .into_iter()
            .filter(|p| p.created_at <= now)
            .collect();
        // Whom each answer answers: the messages' authors, older ones read once.
        let mut answered: HashMap<i64, Option<CohortPost>> = HashMap::new();
        for parent in posts.iter().filter_map(|p| p.parent_id) {
            if let std::collections::hash_map::Entry::Vacant(slot) = answered.entry(parent) {
                slot.insert(state.store.post(parent).await?);
            }
        }
        for e in due {
            let theirs: Vec<&CohortPost> = posts
                .iter()
                .filter(|p| p.author_id != Some(e.user_id))
                .collect();
            if theirs.is_empty() {
                continue;
            }
            let Some(user) = state.store.user_by_id(e.user_id).await? else {
                continue;
            };
            let t = Tr::for_user(&user);
            let body = digest_body(state, t, &c, &e.display_name, &theirs, &answered);
            let subject = t.f("cohort_space.digest_subject", &c.fields.title);
            let mail = Mail {
                to: user.email.as_str(),
                subject: &subject,
                body,
                attachment: None,
            };
            match state.mailer.send(&state.mail_from, mail).await {
                Ok(()) => sent += 1,
                Err(err) => {
                    tracing::warn!(error = %format!("{err:#}"), cohort = c.id, user = e.user_id, "cohort digest not sent; will retry");
                    state
                        .store
                        .release_cohort_digest(c.id, e.user_id, now)
                        .await?;
                }
            }
        }
    }
    Ok(sent)
}

/// The digest's text for one person, in her language.
fn digest_body(
    state: &AppState,
    t: Tr,
    c: &Cohort,
    name: &str,
    posts: &[&CohortPost],
    answered: &HashMap<i64, Option<CohortPost>>,
) -> String {
    let mut list = String::new();
    for p in posts.iter().take(DIGEST_POSTS) {
        let when = crate::format::format_datetime(t.lang, &p.created_at);
        let head = match p
            .parent_id
            .and_then(|id| answered.get(&id))
            .and_then(Option::as_ref)
        {
            Some(m) => t
                .s("cohort_space.digest_answer")
                .replace("{when}", &when)
                .replace("{to}", &author_name(t, m))
                .replace("{author}", &author_name(t, p)),
            None => t
                .s("cohort_space.digest_message")
                .replace("{when}", &when)
                .replace("{author}", &author_name(t, p)),
        };
        list.push_str(&format!("{head}\n{}\n\n", quoted(t, &p.body, DIGEST_CHARS)));
    }
    if posts.len() > DIGEST_POSTS {
        list.push_str(&format!(
            "{}\n\n",
            t.f("cohort_space.digest_more", posts.len() - DIGEST_POSTS)
        ));
    }
    let base = state.config.public_url();
    let slug = &c.fields.slug;
    t.s("cohort_space.digest_body")
        .replace("{name}", name)
        .replace("{cohort}", &c.fields.title)
        .replace(
            "{count}",
            &t.n("cohort_space.digest_count", posts.len() as i64),
        )
        .replace("{url}", &format!("{base}/parcours/{slug}/echanges"))
        .replace(
            "{settings}",
            &format!("{base}/parcours/{slug}/echanges#courriels"),
        )
        .replace("{posts}", &list)
}
