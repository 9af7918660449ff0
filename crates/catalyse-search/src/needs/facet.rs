//! The facets of the needs, declared once: [`NeedFacet`], its key field in the index, and
//! [`PerFacet`], one value per facet (the filters of a query, the counts of a search).

/// Declares the facets in their order: the enum, its key fields, and the struct of one value
/// per facet with its accessors.
macro_rules! facets {
    ($( $(#[$doc:meta])* $variant:ident = $key:literal, $plural:ident; )+) => {
        /// A facet of the needs: a filter of [`NeedQuery`](super::NeedQuery) and a count of [`NeedFacets`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum NeedFacet {
            $( $(#[$doc])* $variant, )+
        }

        impl NeedFacet {
            pub const ALL: [NeedFacet; 8] = [$(NeedFacet::$variant),+];

            /// Its key field in the index.
            pub(super) const fn field(self) -> &'static str {
                match self {
                    $(NeedFacet::$variant => $key),+
                }
            }
        }

        /// One value per facet ([`NeedFacet`]), each field named after its facet.
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        pub struct PerFacet<T> {
            $( pub $plural: T, )+
        }

        impl<T> PerFacet<T> {
            pub fn get(&self, facet: NeedFacet) -> &T {
                match facet {
                    $(NeedFacet::$variant => &self.$plural),+
                }
            }

            pub fn get_mut(&mut self, facet: NeedFacet) -> &mut T {
                match facet {
                    $(NeedFacet::$variant => &mut self.$plural),+
                }
            }

            /// Each value changed by `f`.
            pub fn map<U>(self, mut f: impl FnMut(T) -> U) -> PerFacet<U> {
                PerFacet {
                    $( $plural: f(self.$plural), )+
                }
            }
        }

        impl<T> From<[T; 8]> for PerFacet<T> {
            /// From the values in the order of [`NeedFacet::ALL`].
            fn from(values: [T; 8]) -> Self {
                let [$($plural),+] = values;
                PerFacet { $($plural),+ }
            }
        }
    };
}

facets! {
    /// Région code.
    Region = "region", regions;
    /// Département code.
    Department = "department", departments;
    /// Fragility slug.
    Fragility = "fragility", fragilities;
    /// Lever slug.
    Lever = "lever", levers;
    /// Slug of an actor family sought.
    Family = "family", families;
    /// Slug of a métier activity sought.
    Activity = "activity", activities;
    /// [`NeedStatus`](catalyse_core::needs::NeedStatus) slug.
    Status = "status", statuses;
    /// [`Horizon`](catalyse_core::needs::Horizon) slug.
    Horizon = "horizon", horizons;
}

/// The chosen values of each facet: OR within a facet, AND between facets.
pub type NeedFilters = PerFacet<Vec<String>>;

/// Facet values with their counts, by count descending then value; values are the indexed
/// slugs and codes. Each facet is counted over the needs matching the text, the territory and
/// every **other** facet's filter (not its own): a value's count is the total of the query
/// with that value as its facet's only choice.
pub type NeedFacets = PerFacet<Vec<(String, usize)>>;

impl NeedFacet {
    /// Whether the hits return its values (stored).
    pub(super) fn returned(self) -> bool {
        matches!(
            self,
            NeedFacet::Fragility
                | NeedFacet::Lever
                | NeedFacet::Family
                | NeedFacet::Status
                | NeedFacet::Horizon
        )
    }
}

/// The key fields of [`NeedFacet::ALL`], in that order.
pub(super) const FACET_FIELDS: [&str; 8] = {
    let mut fields = [""; 8];
    let mut i = 0;
    while i < 8 {
        fields[i] = NeedFacet::ALL[i].field();
        i += 1;
    }
    fields
};
