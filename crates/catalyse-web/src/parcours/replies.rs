//! The mails of new answers in a cohort's space: when someone answers a message, its author
//! and the others who answered in that thread are told — each who is still in the cohort
//! and left « M'avertir des réponses » on, never the one who wrote the answer. One mail per
//! person, to her alone (nobody's address is shown to anyone), in her language, with the
//! answer's text and the link to the thread. Sent after the answer is stored, without making
//! its request wait; a mail that fails is logged and not tried again (the answer is in the
//! space, and in the weekly digest).

use super::posts::{author_name, post_path, quoted, threads};
use crate::i18n::Tr;
use crate::mail::Mail;
use crate::state::AppState;
use catalyse_core::parcours::Cohort;
use catalyse_store::CohortPost;
use std::collections::BTreeSet;

/// Characters of a post quoted in a mail, before « […] ».
pub const QUOTED_CHARS: usize = 1500;

/// Tells those who wrote in the thread of `answer`, in the background.
pub fn answered(state: &AppState, cohort: &Cohort, answer: CohortPost) {
    let state = state.clone();
    let cohort = cohort.clone();
    tokio::spawn(async move {
        match tell(&state, &cohort, &answer).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(post = answer.id, mails = n, "cohort answer mails sent"),
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), post = answer.id, "cohort answer mails failed")
            }
        }
    });
}

/// Sends the mails of `answer`; how many went.
pub async fn tell(state: &AppState, cohort: &Cohort, answer: &CohortPost) -> anyhow::Result<usize> {
    let Some(thread) = answer.parent_id else {
        return Ok(0);
    };
    let all = threads(state.store.posts(cohort.id).await?);
    let Some((message, answers)) = all.iter().find(|(m, _)| m.id == thread) else {
        return Ok(0);
    };
    let writers: BTreeSet<i64> = std::iter::once(message)
        .chain(answers.iter())
        .filter_map(|p| p.author_id)
        .filter(|id| Some(*id) != answer.author_id)
        .collect();
    let people = state.store.enrolments(cohort.id).await?;
    let base = state.config.public_url();
    let slug = &cohort.fields.slug;
    let url = format!("{base}{}", post_path(slug, answer.id));
    let settings = format!("{base}/parcours/{slug}/echanges#courriels");
    let mut sent = 0;
    for id in writers {
        // Still in the cohort, and wanting them.
        let Some(e) = people.iter().find(|e| e.user_id == id && e.notify_replies) else {
            continue;
        };
        let Some(user) = state.store.user_by_id(id).await? else {
            continue;
        };
        let t = Tr::for_user(&user);
        // What the answer says last, so that it is not read for the placeholders.
        let body = t
            .s("cohort_space.reply_body")
            .replace("{name}", &e.display_name)
            .replace("{author}", &author_name(t, answer))
            .replace("{cohort}", &cohort.fields.title)
            .replace("{url}", &url)
            .replace("{settings}", &settings)
            .replace("{text}", &quoted(t, &answer.body, QUOTED_CHARS));
        let subject = t.f("cohort_space.reply_subject", &cohort.fields.title);
        let mail = Mail {
            to: user.email.as_str(),
            subject: &subject,
            body,
            attachment: None,
        };
        match state.mailer.send(&state.mail_from, mail).await {
            Ok(()) => sent += 1,
            Err(err) => {
                tracing::warn!(error = %format!("{err:#}"), user = id, post = answer.id, "cohort answer mail not sent")
            }
        }
    }
    Ok(sent)
}
