//! The reference lists the engine numbers by position, so that a profile's activities or a
//! case's levers are bit masks, and the French labels its reasons are written with.

use crate::dataset::Fragility;
use crate::reference::ReferenceFrame;

/// One reference list: slugs and French labels, in the frame's order. A slug's position is
/// its bit in a mask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameList {
    pub slugs: Vec<String>,
    pub labels: Vec<String>,
}

impl NameList {
    fn new<'a>(
        what: &'static str,
        max: usize,
        items: impl Iterator<Item = (&'a String, &'a String)>,
    ) -> Result<NameList, TooMany> {
        let (slugs, labels): (Vec<String>, Vec<String>) =
            items.map(|(s, l)| (s.clone(), l.clone())).unzip();
        if slugs.len() > max {
            return Err(TooMany {
                list: what,
                count: slugs.len(),
                max,
            });
        }
        Ok(NameList { slugs, labels })
    }

    /// The position of a slug.
    pub fn position(&self, slug: &str) -> Option<u8> {
        self.slugs.iter().position(|s| s == slug).map(|i| i as u8)
    }

    /// The mask of the slugs given; unknown slugs are ignored.
    pub fn mask(&self, slugs: &[String]) -> u32 {
        slugs
            .iter()
            .filter_map(|s| self.position(s))
            .fold(0, |m, i| m | 1 << i)
    }

    /// The mask of every position of the list.
    pub fn all(&self) -> u32 {
        bit_mask(self.slugs.len())
    }

    /// The slugs of a mask, in the list's order.
    pub fn slugs_of(&self, mask: u32) -> Vec<String> {
        self.slugs
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, s)| s.clone())
            .collect()
    }

    /// The label of a slug, or the slug itself if the list does not know it.
    pub fn label<'a>(&'a self, slug: &'a str) -> &'a str {
        self.slugs
            .iter()
            .position(|s| s == slug)
            .map_or(slug, |i| self.labels[i].as_str())
    }
}

/// A reference list is longer than a mask can hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the suggestion engine numbers at most {max} {list}, the reference has {count}")]
pub struct TooMany {
    pub list: &'static str,
    pub count: usize,
    pub max: usize,
}

/// Every list the engine numbers: actor families (at most 32), métier activities (32),
/// levers (16) and fragilities (32).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    pub families: NameList,
    pub activities: NameList,
    pub levers: NameList,
    pub fragilities: NameList,
    /// Each family's label in the singular (« Association »), in the families' order.
    family_singulars: Vec<String>,
}

impl Names {
    /// The lists of the reference frame and of the survey model's fragilities.
    pub fn new(frame: &ReferenceFrame, fragilities: &[Fragility]) -> Result<Names, TooMany> {
        let families = frame.actor_families.iter().map(|f| (&f.slug, &f.name));
        let families = NameList::new("actor families", 32, families)?;
        let activities = frame.metier.iter().flat_map(|m| m.activities.iter());
        let activities = NameList::new("activities", 32, activities.map(|a| (&a.slug, &a.name)))?;
        let levers = frame.levers.iter().map(|l| (&l.slug, &l.name));
        let levers = NameList::new("levers", 16, levers)?;
        let fragilities = fragilities.iter().map(|f| (&f.slug, &f.name));
        let fragilities = NameList::new("fragilities", 32, fragilities)?;
        let family_singulars = families.labels.iter().map(|l| singular(l)).collect();
        Ok(Names {
            families,
            activities,
            levers,
            fragilities,
            family_singulars,
        })
    }

    /// A family's label in the singular (« Collectivité territoriale »), or its slug if
    /// unknown.
    pub fn family_singular<'a>(&'a self, slug: &'a str) -> &'a str {
        self.families
            .position(slug)
            .map_or(slug, |i| self.family_singulars[i as usize].as_str())
    }
}

/// The singular of a family's label, a plural noun group: each word of four letters or more
/// loses its plural mark (« Acteurs académiques » → « Acteur académique », « Réseaux » →
/// « Réseau », « Acteurs sociaux » → « Acteur social »); short words (« de », « des », « et »)
/// are kept.
pub(super) fn singular(label: &str) -> String {
    label
        .split(' ')
        .map(|w| {
            if w.chars().count() < 4 {
                w.to_string()
            } else if let Some(stem) = w.strip_suffix("eaux") {
                format!("{stem}eau")
            } else if let Some(stem) = w.strip_suffix("aux") {
                format!("{stem}al")
            } else {
                w.strip_suffix('s').unwrap_or(w).to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn bit_mask(len: usize) -> u32 {
    if len >= 32 {
        u32::MAX
    } else {
        (1u32 << len) - 1
    }
}
