//! Enumerations written in URLs, forms and the database by a slug, and shown by a French label.

/// Declares an enum whose values have a slug (`as_str`, `FromStr`, `Display`, serde) and a
/// French label (`label_fr`), with `ALL` in the order given. `$what` names the kind of value in
/// the error of an unknown slug (« phase inconnue « x » »).
///
/// The slugs are taken as token trees, not `literal` fragments: a `literal` reaches derives
/// wrapped in an invisible group, which serde reads but utoipa does not (the OpenAPI
/// document then listed `TroisMois` instead of `3-mois`).
#[macro_export]
macro_rules! slug_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident ($what:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $slug:tt, $label:literal; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        $vis enum $name {
            $( $(#[$vmeta])* #[serde(rename = $slug)] $variant, )+
        }

        impl $name {
            pub const ALL: [$name; [$(stringify!($variant)),+].len()] = [$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $slug),+ }
            }

            pub fn label_fr(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::ALL
                    .into_iter()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| format!(concat!($what, " « {} »"), s))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
