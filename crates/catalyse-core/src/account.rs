//! Accounts, roles and the password policy.

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

/// What a signed-in person may do. Visitors have no account and no role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Membre du réseau (catalyseur).
    Member,
    /// Animateur ou modérateur.
    Moderator,
    /// Administrateur.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Member, Role::Moderator, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Moderator => "moderator",
            Role::Admin => "admin",
        }
    }

    /// Whether this role includes the rights of `other` (admin ⊃ moderator ⊃ member).
    pub fn includes(self, other: Role) -> bool {
        self >= other
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role « {0} » (expected member, moderator or admin)")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "member" | "membre" => Ok(Role::Member),
            "moderator" | "moderateur" | "modérateur" | "animateur" => Ok(Role::Moderator),
            "admin" | "administrateur" => Ok(Role::Admin),
            other => Err(UnknownRole(other.to_string())),
        }
    }
}

/// A normalised email address (trimmed, lowercase), checked strictly: the WHATWG
/// « valid e-mail address » grammar (what `<input type="email">` accepts), with a dot in the
/// domain and the local part a dot-atom (no leading, trailing or doubled dot), so that every
/// address accepted here is one that mail software accepts too. Quoted local parts, comments,
/// brackets, commas, semicolons and non-ASCII characters are refused.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid email address")]
pub struct InvalidEmail;

/// The characters of a local part besides letters and digits (`atext` of RFC 5322).
const LOCAL_SPECIALS: &str = ".!#$%&'*+/=?^_`{|}~-";

impl Email {
    pub fn parse(raw: &str) -> Result<Self, InvalidEmail> {
        let e = raw.trim().to_lowercase();
        let (local, domain) = e.split_once('@').ok_or(InvalidEmail)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || LOCAL_SPECIALS.contains(c))
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..");
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        };
        let domain_ok = domain.contains('.') && domain.split('.').all(label_ok);
        if local_ok && domain_ok && e.len() <= 254 {
            Ok(Email(e))
        } else {
            Err(InvalidEmail)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An account as stored. The password hash stays out of `Debug`.
#[derive(Clone, PartialEq)]
pub struct User {
    pub id: i64,
    pub email: Email,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
    pub is_example: bool,
    /// Whether the address was proved (accounts made by a person joining start unverified and
    /// cannot sign in until they follow the link sent to them).
    pub email_verified: bool,
    pub created_at: DateTime<Utc>,
    /// The language she reads (`fr`, `en`), saved when she signs in.
    pub lang: String,
    /// For moderators: how she hears of what waits moderation.
    pub moderation_mail: ModerationMail,
}

/// How a moderator hears of submissions and reports: one mail each, one digest a day, or
/// none (she looks at the dashboard).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ModerationMail {
    Immediate,
    #[default]
    Daily,
    Never,
}

impl ModerationMail {
    pub const ALL: [ModerationMail; 3] = [
        ModerationMail::Immediate,
        ModerationMail::Daily,
        ModerationMail::Never,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ModerationMail::Immediate => "immediate",
            ModerationMail::Daily => "daily",
            ModerationMail::Never => "never",
        }
    }

    pub fn parse(s: &str) -> Option<ModerationMail> {
        Self::ALL.into_iter().find(|m| m.as_str() == s.trim())
    }
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("role", &self.role)
            .field("password_hash", &"[redacted]")
            .finish()
    }
}

/// Why a password is refused; the web layer turns each into a sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort,
    TooLong,
    TooCommon,
    ContainsEmail,
}

/// Length bounds and a list of common passwords (data/common-passwords.txt).
pub struct PasswordPolicy {
    common: HashSet<String>,
}

pub const PASSWORD_MIN_CHARS: usize = 12;
pub const PASSWORD_MAX_CHARS: usize = 128;

static COMMON_PASSWORDS: &str = include_str!("../../../data/common-passwords.txt");
static COMMON_PASSWORDS_FR: &str = include_str!("../../../data/common-passwords-fr.txt");

impl PasswordPolicy {
    /// The policy with the list shipped in the binary.
    pub fn shipped() -> Self {
        let mut p = Self::with_list(COMMON_PASSWORDS);
        p.common.extend(Self::with_list(COMMON_PASSWORDS_FR).common);
        p
    }

    pub fn with_list(list: &str) -> Self {
        let common = list
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_lowercase)
            .collect();
        PasswordPolicy { common }
    }

    pub fn check(&self, password: &str, email: Option<&str>) -> Result<(), PasswordProblem> {
        let n = password.chars().count();
        if n < PASSWORD_MIN_CHARS {
            return Err(PasswordProblem::TooShort);
        }
        if n > PASSWORD_MAX_CHARS {
            return Err(PasswordProblem::TooLong);
        }
        let lower = password.to_lowercase();
        if self.common.contains(&lower) || self.common.contains(lower.trim()) {
            return Err(PasswordProblem::TooCommon);
        }
        // A password made of one repeated character is as weak as a common one.
        let mut chars = lower.chars();
        if let Some(first) = chars.next() {
            if chars.all(|c| c == first) {
                return Err(PasswordProblem::TooCommon);
            }
        }
        if let Some(email) = email {
            let local = email.split('@').next().unwrap_or("").to_lowercase();
            if local.len() >= 4 && lower.contains(&local) {
                return Err(PasswordProblem::ContainsEmail);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_and_order() {
        assert_eq!("ADMIN".parse::<Role>().unwrap(), Role::Admin);
        assert!("root".parse::<Role>().is_err());
        assert!(Role::Admin.includes(Role::Moderator));
        assert!(!Role::Member.includes(Role::Moderator));
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse("  Camille@Exemple.FR ").unwrap().as_str(),
            "camille@exemple.fr"
        );
        for bad in [
            "", "camille", "@x.fr", "a@b", "a b@c.fr", "a@.fr", "a@b..fr",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        // What mail software refuses: address lists, angle brackets, quoting, comments…
        for bad in [
            "a,b@x.org",
            "a<b@x.org",
            "x;y@example.org",
            "a>b@x.org",
            "\"a\"@x.org",
            "a(b)@x.org",
            "a[b]@x.org",
            "a:b@x.org",
            "a\\b@x.org",
            "a@b@x.org",
            ".a@x.org",
            "a.@x.org",
            "a..b@x.org",
            "a@-x.org",
            "a@x-.org",
            "a@x_y.org",
            "a@x.org.",
            "a\tb@x.org",
            "a@x\u{0}.org",
            "caf\u{e9}@x.org",
            "a@caf\u{e9}.fr",
            &format!("{}@x.org", "a".repeat(65)),
            &format!("a@{}.org", "b".repeat(64)),
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
        for good in [
            "a.b-c+tag@sous-domaine.exemple.fr",
            "a!#$%&'*+/=?^_`{|}~-b@x.org",
            "1@2.fr",
        ] {
            assert!(Email::parse(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn password_policy() {
        let p = PasswordPolicy::with_list("# list\nmotdepasse123\n");
        assert_eq!(p.check("court", None), Err(PasswordProblem::TooShort));
        assert_eq!(
            p.check(&"x".repeat(129), None),
            Err(PasswordProblem::TooLong)
        );
        assert_eq!(
            p.check("MotDePasse123", None),
            Err(PasswordProblem::TooCommon)
        );
        assert_eq!(
            p.check("aaaaaaaaaaaaaa", None),
            Err(PasswordProblem::TooCommon)
        );
        assert_eq!(
            p.check("camille.martin-2026", Some("camille.martin@exemple.fr")),
            Err(PasswordProblem::ContainsEmail)
        );
        assert!(p.check("une phrase de passe solide", None).is_ok());
        // Lengths count characters, not bytes.
        assert!(p.check("ééééééééééé", None).is_err());
    }

    #[test]
    fn shipped_list_refuses_common_long_passwords() {
        let p = PasswordPolicy::shipped();
        assert!(p.common.len() > 100, "the shipped list looks empty");
        let sample = COMMON_PASSWORDS
            .lines()
            .find(|l| !l.starts_with('#') && l.chars().count() >= PASSWORD_MIN_CHARS)
            .expect("a long common password");
        assert_eq!(p.check(sample, None), Err(PasswordProblem::TooCommon));
    }
}
