//! What the space's page and its mails share about posts: messages with their answers as
//! threads, which page shows a post, its address, an author's name, a post quoted in a mail.

use crate::i18n::Tr;
use catalyse_store::CohortPost;

/// Messages (each with its answers) shown on a page of the space.
pub const THREADS_PER_PAGE: usize = 20;

/// The cohort's posts as threads: each message with its answers, the latest message first.
pub fn threads(posts: Vec<CohortPost>) -> Vec<(CohortPost, Vec<CohortPost>)> {
    let mut out: Vec<(CohortPost, Vec<CohortPost>)> = Vec::new();
    for p in posts {
        match p.parent_id {
            None => out.push((p, vec![])),
            Some(parent) => {
                // The store lists each message's answers right after it.
                if let Some(last) = out.last_mut().filter(|(m, _)| m.id == parent) {
                    last.1.push(p);
                }
            }
        }
    }
    out
}

/// The page (from 1) that shows the thread of `post` (a message or an answer), if any.
pub fn page_of(threads: &[(CohortPost, Vec<CohortPost>)], post: i64) -> Option<usize> {
    threads
        .iter()
        .position(|(m, answers)| m.id == post || answers.iter().any(|a| a.id == post))
        .map(|i| i / THREADS_PER_PAGE + 1)
}

/// The address of the space's page that shows `post`, anchored on it.
pub fn post_path(slug: &str, post: i64) -> String {
    format!("/parcours/{slug}/echanges?message={post}#message-{post}")
}

/// The name shown for an author whose account is gone.
pub fn author_name(t: Tr, p: &CohortPost) -> String {
    if p.author_name.is_empty() {
        t.s("cohort_space.gone").to_string()
    } else {
        p.author_name.clone()
    }
}

/// A post's text as a mail quotes it: cut after `max` characters.
pub fn quoted(t: Tr, body: &str, max: usize) -> String {
    if body.chars().count() <= max {
        return body.to_string();
    }
    let cut: String = body.chars().take(max).collect();
    format!("{} {}", cut.trim_end(), t.s("cohort_space.cut"))
}
