//! The achievements as every page of the area shows them: the shipped ones loaded at start
//! (and again when an animator changes the kit's modules), their group in the catalogue,
//! their rule in words, and the names a rule's target stands for.

use std::collections::HashMap;

use catalyse_core::badges::{shipped, shipped_checksum, Rule, RuleKind};
use catalyse_core::reference::Activity;
use catalyse_store::{Store, StoredAchievement};

use crate::error::AppError;
use crate::i18n::Tr;
use crate::state::AppState;

/// Loads the shipped achievements — one per lever webinar, the cycle, one per module of the
/// kit (as the store holds the kit now), the parcours, one per métier activity — unless
/// they did not change since the last load (their checksum covers the modules' titles).
/// Returns how many achievements the store changed.
pub async fn load_shipped(store: &dyn Store) -> anyhow::Result<usize> {
    let levers = store.levers().await?;
    let activities: Vec<Activity> = (store.metier().await?.into_iter())
        .flat_map(|f| f.activities)
        .collect();
    let modules = store.formation_module_titles().await?;
    let defs = shipped(&levers, &modules, &activities);
    let changed = store
        .load_shipped_achievements(&defs, &shipped_checksum(&defs), chrono::Utc::now())
        .await?;
    if changed > 0 {
        tracing::info!(changed, "Open Badges: shipped achievements loaded");
    }
    Ok(changed)
}

/// [`load_shipped`] after an animator changed the kit's modules (a module's badge follows
/// its title); a failure is logged, it does not undo her edit.
pub async fn reload_after_kit_edit(state: &AppState) {
    if let Err(e) = load_shipped(state.store.as_ref()).await {
        tracing::warn!("Open Badges: shipped achievements not reloaded: {e:#}");
    }
}

/// The groups of the catalogue, in its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Webinaires,
    Cycle,
    Kit,
    Parcours,
    Metier,
    Autres,
}

impl Group {
    pub const ALL: [Group; 6] = [
        Group::Webinaires,
        Group::Cycle,
        Group::Kit,
        Group::Parcours,
        Group::Metier,
        Group::Autres,
    ];

    pub fn of(kind: RuleKind) -> Group {
        match kind {
            RuleKind::LeverWebinar => Group::Webinaires,
            RuleKind::LeverCycle => Group::Cycle,
            RuleKind::Module => Group::Kit,
            RuleKind::Cohort => Group::Parcours,
            RuleKind::Activity => Group::Metier,
            RuleKind::Manual => Group::Autres,
        }
    }

    /// Its anchor on the catalogue.
    pub fn id(self) -> &'static str {
        match self {
            Group::Webinaires => "webinaires",
            Group::Cycle => "cycle",
            Group::Kit => "kit",
            Group::Parcours => "parcours",
            Group::Metier => "metier",
            Group::Autres => "autres",
        }
    }

    /// The key of its heading.
    pub fn title_key(self) -> &'static str {
        match self {
            Group::Webinaires => "badges_pages.group_webinaires",
            Group::Cycle => "badges_pages.group_cycle",
            Group::Kit => "badges_pages.group_kit",
            Group::Parcours => "badges_pages.group_parcours",
            Group::Metier => "badges_pages.group_metier",
            Group::Autres => "badges_pages.group_autres",
        }
    }

    /// The key of the sentence that says how its badges are earned.
    pub fn intro_key(self) -> &'static str {
        match self {
            Group::Webinaires => "badges_pages.intro_webinaires",
            Group::Cycle => "badges_pages.intro_cycle",
            Group::Kit => "badges_pages.intro_kit",
            Group::Parcours => "badges_pages.intro_parcours",
            Group::Metier => "badges_pages.intro_metier",
            Group::Autres => "badges_pages.intro_autres",
        }
    }

    /// The badge image's colour (white text on it has a contrast above 7:1).
    pub fn colour(self) -> &'static str {
        match self {
            Group::Webinaires => "#1b4f72",
            Group::Cycle => "#5b2c6f",
            Group::Kit => "#1e5631",
            Group::Parcours => "#7b3410",
            Group::Metier => "#7a1340",
            Group::Autres => "#37474f",
        }
    }

    /// The word at the top of the badge image (the image is the same in every language,
    /// like the credential that points to it).
    pub fn word(self) -> &'static str {
        match self {
            Group::Webinaires => "WEBINAIRE",
            Group::Cycle => "CYCLE",
            Group::Kit => "FORMATION",
            Group::Parcours => "PARCOURS",
            Group::Metier => "MÉTIER",
            Group::Autres => "CATALYSE",
        }
    }
}

/// The names a rule's target stands for: levers, modules, cohorts and activities by slug.
#[derive(Default)]
pub struct Names {
    pub levers: Vec<(String, String)>,
    pub modules: Vec<(String, String)>,
    pub cohorts: Vec<(String, String)>,
    pub activities: Vec<(String, String)>,
}

fn name_in<'a>(list: &'a [(String, String)], slug: &'a str) -> &'a str {
    list.iter()
        .find(|(s, _)| s == slug)
        .map_or(slug, |(_, n)| n.as_str())
}

impl Names {
    /// The reference frame's levers and activities, the kit's modules and the cohorts.
    pub async fn read(state: &AppState) -> Result<Names, AppError> {
        Ok(Names {
            levers: (state.reference.levers.iter())
                .map(|l| (l.slug.clone(), l.name.clone()))
                .collect(),
            modules: state.store.formation_module_titles().await?,
            cohorts: (state.store.cohorts().await?.into_iter())
                .map(|c| (c.fields.slug, c.fields.title))
                .collect(),
            activities: activities(state)
                .into_iter()
                .map(|a| (a.slug, a.name))
                .collect(),
        })
    }

    pub fn lever<'a>(&'a self, slug: &'a str) -> &'a str {
        name_in(&self.levers, slug)
    }

    pub fn module<'a>(&'a self, slug: &'a str) -> &'a str {
        name_in(&self.modules, slug)
    }

    pub fn cohort<'a>(&'a self, slug: &'a str) -> &'a str {
        name_in(&self.cohorts, slug)
    }

    pub fn activity<'a>(&'a self, slug: &'a str) -> &'a str {
        name_in(&self.activities, slug)
    }
}

/// Every activity of the métier, family after family.
pub fn activities(state: &AppState) -> Vec<Activity> {
    (state.reference.metier.iter())
        .flat_map(|f| f.activities.iter().cloned())
        .collect()
}

/// How the achievement is earned, in a sentence of the page's language.
pub fn rule_words(t: Tr, rule: &Rule, names: &Names) -> String {
    let target = rule.target.as_deref().unwrap_or("");
    match rule.kind {
        RuleKind::LeverWebinar => t.f("badges_pages.rule_lever", names.lever(target)),
        RuleKind::LeverCycle => t.s("badges_pages.rule_cycle").to_string(),
        RuleKind::Module => t.f("badges_pages.rule_module", names.module(target)),
        RuleKind::Cohort => match &rule.target {
            None => t.s("badges_pages.rule_cohort_any").to_string(),
            Some(c) => t.f("badges_pages.rule_cohort", names.cohort(c)),
        },
        RuleKind::Activity => t.f("badges_pages.rule_activity", names.activity(target)),
        RuleKind::Manual => t.s("badges_pages.rule_manual").to_string(),
    }
}

/// How many people hold each achievement (live credentials), by id.
pub async fn holders(state: &AppState) -> Result<HashMap<i64, i64>, AppError> {
    Ok(state.store.achievement_holders().await?)
}

/// An achievement by slug (archived ones too: their credentials point to them), or 404.
pub async fn achievement_or_404(
    state: &AppState,
    slug: &str,
) -> Result<StoredAchievement, AppError> {
    state
        .store
        .achievement(slug)
        .await?
        .ok_or(AppError::NotFound)
}
