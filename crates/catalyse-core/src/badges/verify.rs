//! What the platform's `/verifier` page shows of a badge someone pastes or uploads: each
//! check (format, signature, issuer, dates, revocation, type) with a French sentence a person
//! understands. No I/O: the issuer's keys and the status lists come in as arguments. Any
//! input, however malformed, gives a report, never a panic.

use chrono::{DateTime, Datelike, Duration, Utc};
use serde::Serialize;
use serde_json::Value;

use super::jws::{decode_compact, verify_ed25519};

crate::slug_enum! {
    /// What one check is about.
    pub enum CheckName ("vérification inconnue") {
        /// Whether the text is a VC-JWT (or a JSON credential) that can be read.
        Format = "format", "Format";
        /// Whether the signature matches a key the issuer publishes.
        Signature = "signature", "Signature";
        /// Whether this platform issued it.
        Issuer = "emetteur", "Émetteur";
        /// Whether it is valid now.
        Dates = "dates", "Dates de validité";
        /// Whether the issuer revoked it.
        Revocation = "revocation", "Révocation";
        /// Whether it is an Open Badge 3.0 whose JWT claims agree with its content.
        Type = "type", "Type de badge";
    }
}

/// One check and its outcome, in French.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub name: CheckName,
    pub ok: bool,
    pub detail_fr: String,
}

/// Every check made, in the order of [`CheckName::ALL`] (only [`CheckName::Format`] when the
/// text cannot be read), and the credential when it could be read.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    pub checks: Vec<Check>,
    pub credential: Option<Value>,
}

impl Report {
    /// Every check passed.
    pub fn valid(&self) -> bool {
        !self.checks.is_empty() && self.checks.iter().all(|c| c.ok)
    }

    /// The check of that name, when it was made.
    pub fn check(&self, name: CheckName) -> Option<&Check> {
        self.checks.iter().find(|c| c.name == name)
    }

    fn push(&mut self, name: CheckName, ok: bool, detail_fr: impl Into<String>) {
        self.checks.push(Check {
            name,
            ok,
            detail_fr: detail_fr.into(),
        });
    }
}

/// The longest text looked at (a badge is a few kilobytes).
pub const MAX_INPUT: usize = 1024 * 1024;

/// How far in the future `validFrom` may be, for clocks that disagree a little.
const CLOCK_SKEW_MINUTES: i64 = 5;

/// Verifies a badge: a VC-JWT, or a JSON credential (which carries no signature this page can
/// check, and so is never valid). `expected_did` is this platform's; `issuer_keys` its
/// published keys as (DID URL, public JWK); `revoked(list_url, index)` reads a status list
/// (`None` when the list is not known or cannot be read).
pub fn verify(
    token: &str,
    now: DateTime<Utc>,
    expected_did: &str,
    issuer_keys: &[(String, Value)],
    revoked: &dyn Fn(&str, u64) -> Option<bool>,
) -> Report {
    let mut r = Report::default();
    let text = token.trim();
    if text.is_empty() {
        r.push(
            CheckName::Format,
            false,
            "Rien à vérifier : collez le contenu d'un badge (fichier .jwt ou .json).",
        );
        return r;
    }
    if text.len() > MAX_INPUT {
        r.push(
            CheckName::Format,
            false,
            format!(
                "Ce texte fait {} Ko : c'est bien trop long pour un badge (au plus {} Ko).",
                text.len() / 1024,
                MAX_INPUT / 1024
            ),
        );
        return r;
    }
    if text.starts_with('{') {
        let cred = match serde_json::from_str::<Value>(text) {
            Ok(v @ Value::Object(_)) => v,
            Ok(_) | Err(_) => {
                r.push(
                    CheckName::Format,
                    false,
                    "Ce texte commence comme du JSON mais n'en est pas un objet lisible : ce \
                     n'est pas un badge.",
                );
                return r;
            }
        };
        r.push(CheckName::Format, true, "Badge au format JSON lu.");
        let detail = if cred.get("proof").is_some() {
            "Ce badge JSON porte une preuve intégrée (« proof »), que cette page ne vérifie \
             pas : vérifiez plutôt sa version signée (fichier .jwt)."
        } else {
            "Ce badge JSON ne porte aucune signature : rien ne garantit qu'il n'a pas été \
             modifié. Vérifiez plutôt sa version signée (fichier .jwt)."
        };
        r.push(CheckName::Signature, false, detail);
        content_checks(&mut r, &cred, None, now, expected_did, revoked);
        r.credential = Some(cred);
        return r;
    }
    let (header, payload, input, sig) = match decode_compact(text) {
        Ok(parts) => parts,
        Err(e) => {
            r.push(
                CheckName::Format,
                false,
                format!("Ce n'est ni un badge signé (VC-JWT) ni un badge JSON : {e}."),
            );
            return r;
        }
    };
    r.push(
        CheckName::Format,
        true,
        "Badge signé (VC-JWT) lu : en-tête, contenu et signature.",
    );
    let cred = match payload.get("vc") {
        Some(vc @ Value::Object(_)) => vc.clone(),
        _ => payload.clone(),
    };
    let (ok, detail) = signature(&header, &input, &sig, issuer_keys);
    r.push(CheckName::Signature, ok, detail);
    let jwt = Jwt {
        header: &header,
        payload: &payload,
    };
    content_checks(&mut r, &cred, Some(jwt), now, expected_did, revoked);
    r.credential = Some(cred);
    r
}

/// The parts of a VC-JWT that the content checks compare with the credential.
#[derive(Clone, Copy)]
struct Jwt<'a> {
    header: &'a Value,
    payload: &'a Value,
}

/// At most 120 characters of `s`, for echoing what the input said.
fn short(s: &str) -> String {
    let mut out: String = s.chars().take(120).collect();
    if s.chars().nth(120).is_some() {
        out.push('…');
    }
    out
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// The signature check: the `kid` (or embedded `jwk`) must be a key of the platform, and
/// the signature must verify with it.
fn signature(header: &Value, input: &[u8], sig: &[u8], keys: &[(String, Value)]) -> (bool, String) {
    let alg = str_of(header, "alg").unwrap_or("");
    if alg != "EdDSA" {
        return (
            false,
            format!(
                "Algorithme de signature « {} » non pris en charge : cette plateforme signe en \
                 EdDSA (Ed25519).",
                short(alg)
            ),
        );
    }
    let same_key = |a: &Value, b: &Value| {
        ["kty", "crv", "x"]
            .iter()
            .all(|k| a.get(k).is_some() && a.get(k) == b.get(k))
    };
    let found = match (str_of(header, "kid"), header.get("jwk")) {
        (Some(kid), _) => keys.iter().find(|(k, _)| k == kid),
        (None, Some(jwk)) => keys.iter().find(|(_, k)| same_key(k, jwk)),
        (None, None) => {
            return (
                false,
                "L'en-tête ne dit pas quelle clé a signé (ni « kid » ni « jwk ») : impossible \
                 de vérifier la signature."
                    .into(),
            )
        }
    };
    let Some((kid, jwk)) = found else {
        let named = str_of(header, "kid").map_or("intégrée au badge".into(), short);
        return (
            false,
            format!(
                "La clé qui a signé ({named}) n'est pas une clé publiée par cette plateforme : \
                 impossible de vérifier la signature."
            ),
        );
    };
    if verify_ed25519(jwk, input, sig) {
        (
            true,
            format!("La signature correspond à la clé {kid} de l'émetteur."),
        )
    } else {
        (
            false,
            format!(
                "La signature ne correspond pas à la clé {kid} : le badge a été modifié après \
                 sa signature, ou n'a pas été signé par cette clé."
            ),
        )
    }
}

/// The checks of the credential's content: issuer, dates, revocation, type.
fn content_checks(
    r: &mut Report,
    cred: &Value,
    jwt: Option<Jwt<'_>>,
    now: DateTime<Utc>,
    expected_did: &str,
    revoked: &dyn Fn(&str, u64) -> Option<bool>,
) {
    let (ok, detail) = issuer(cred, jwt, expected_did);
    r.push(CheckName::Issuer, ok, detail);
    let (ok, detail) = dates(cred, jwt, now);
    r.push(CheckName::Dates, ok, detail);
    let (ok, detail) = revocation(cred, revoked);
    r.push(CheckName::Revocation, ok, detail);
    let (ok, detail) = kind(cred, jwt);
    r.push(CheckName::Type, ok, detail);
}

fn issuer_id(cred: &Value) -> Option<&str> {
    match cred.get("issuer")? {
        Value::String(s) => Some(s),
        obj => str_of(obj, "id"),
    }
}

fn issuer(cred: &Value, jwt: Option<Jwt<'_>>, expected_did: &str) -> (bool, String) {
    let Some(id) = issuer_id(cred) else {
        return (false, "Le badge ne dit pas qui l'a émis.".into());
    };
    if id != expected_did {
        return (
            false,
            format!(
                "Cet émetteur n'est pas cette plateforme ({}) : cette page ne vérifie que les \
                 badges émis par {expected_did}.",
                short(id)
            ),
        );
    }
    if let Some(kid) = jwt.and_then(|j| str_of(j.header, "kid")) {
        if !kid.starts_with(&format!("{id}#")) {
            return (
                false,
                format!(
                    "La clé qui a signé ({}) n'appartient pas à l'émetteur annoncé ({id}).",
                    short(kid)
                ),
            );
        }
    }
    let name = cred
        .get("issuer")
        .and_then(|i| str_of(i, "name"))
        .map(|n| format!("{}, ", short(n)))
        .unwrap_or_default();
    (true, format!("Émis par cette plateforme ({name}{id})."))
}

/// « 1er mars 2025 à 09:30 (UTC) ».
pub fn date_fr(t: DateTime<Utc>) -> String {
    let day = match t.day() {
        1 => "1er".to_string(),
        d => d.to_string(),
    };
    let month = crate::time::MONTHS_FR
        .get(t.month0() as usize)
        .copied()
        .unwrap_or("");
    format!("{day} {month} {} à {} (UTC)", t.year(), t.format("%H:%M"))
}

fn parse_date(v: &Value, key: &str) -> Option<Result<DateTime<Utc>, String>> {
    let raw = v.get(key)?;
    let text = raw.as_str().unwrap_or("");
    Some(
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| format!("La date « {key} » est illisible ({}).", short(text))),
    )
}

fn dates(cred: &Value, jwt: Option<Jwt<'_>>, now: DateTime<Utc>) -> (bool, String) {
    let from = match parse_date(cred, "validFrom") {
        None => {
            return (
                false,
                "Le badge ne dit pas depuis quand il est valide.".into(),
            )
        }
        Some(Err(e)) => return (false, e),
        Some(Ok(t)) => t,
    };
    let latest = now
        .checked_add_signed(Duration::minutes(CLOCK_SKEW_MINUTES))
        .unwrap_or(now);
    if from > latest {
        return (
            false,
            format!(
                "Ce badge n'est pas encore valide : il le sera le {}.",
                date_fr(from)
            ),
        );
    }
    let until = match parse_date(cred, "validUntil") {
        None => None,
        Some(Err(e)) => return (false, e),
        Some(Ok(t)) => Some(t),
    };
    let exp = jwt
        .and_then(|j| j.payload.get("exp"))
        .and_then(Value::as_i64)
        .and_then(|s| DateTime::from_timestamp(s, 0));
    let end = match (until, exp) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    match end {
        Some(end) if end < now => (false, format!("Ce badge a expiré le {}.", date_fr(end))),
        Some(end) => (
            true,
            format!(
                "Valide depuis le {}, jusqu'au {}.",
                date_fr(from),
                date_fr(end)
            ),
        ),
        None => (
            true,
            format!("Valide depuis le {}, sans date de fin.", date_fr(from)),
        ),
    }
}

fn revocation(cred: &Value, revoked: &dyn Fn(&str, u64) -> Option<bool>) -> (bool, String) {
    let statuses: Vec<&Value> = match cred.get("credentialStatus") {
        None | Some(Value::Null) => {
            return (
                true,
                "Ce badge ne prévoit pas de révocation : son émetteur ne peut pas le retirer."
                    .into(),
            )
        }
        Some(Value::Array(list)) => list.iter().collect(),
        Some(one) => vec![one],
    };
    let mut ok = true;
    let mut details = Vec::new();
    for st in statuses {
        let (this_ok, detail) = one_status(st, revoked);
        ok &= this_ok;
        details.push(detail);
    }
    if details.is_empty() {
        details.push("Ce badge ne prévoit pas de révocation.".into());
    }
    (ok, details.join(" "))
}

fn one_status(st: &Value, revoked: &dyn Fn(&str, u64) -> Option<bool>) -> (bool, String) {
    let kind = str_of(st, "type").unwrap_or("");
    if kind != "BitstringStatusListEntry" {
        return (
            false,
            format!(
                "Mode de révocation « {} » non pris en charge : impossible de savoir si ce \
                 badge a été révoqué.",
                short(kind)
            ),
        );
    }
    let index = match st.get("statusListIndex") {
        Some(Value::String(s)) => s.trim().parse::<u64>().ok(),
        Some(Value::Number(n)) => n.as_u64(),
        _ => None,
    };
    let (Some(index), Some(list)) = (index, str_of(st, "statusListCredential")) else {
        return (
            false,
            "Le statut du badge est mal formé (liste ou position manquante) : impossible de \
             savoir s'il a été révoqué."
                .into(),
        );
    };
    let purpose = str_of(st, "statusPurpose").unwrap_or("revocation");
    let (set_word, unset_word) = match purpose {
        "revocation" => ("Révoqué", "Non révoqué"),
        "suspension" => ("Suspendu", "Non suspendu"),
        other => {
            return (
                true,
                format!(
                    "Statut « {} » non lu : il ne dit ni révocation ni suspension.",
                    short(other)
                ),
            )
        }
    };
    match revoked(list, index) {
        Some(true) => (
            false,
            format!(
                "{set_word} : l'émetteur a retiré ce badge (liste de statut {}, position \
                 {index}).",
                short(list)
            ),
        ),
        Some(false) => (
            true,
            format!(
                "{unset_word} : la liste de statut de l'émetteur le dit valide (position \
                 {index})."
            ),
        ),
        None => (
            false,
            format!(
                "La liste de statut {} n'a pas pu être lue : impossible de savoir si ce badge \
                 a été révoqué.",
                short(list)
            ),
        ),
    }
}

/// Whether it is an Open Badge 3.0, and whether the JWT claims agree with its content.
fn kind(cred: &Value, jwt: Option<Jwt<'_>>) -> (bool, String) {
    let types: Vec<&str> = match cred.get("type") {
        Some(Value::Array(t)) => t.iter().filter_map(Value::as_str).collect(),
        Some(Value::String(s)) => vec![s.as_str()],
        _ => Vec::new(),
    };
    let ob = types
        .iter()
        .find(|t| matches!(**t, "OpenBadgeCredential" | "AchievementCredential"));
    let Some(ob) = ob.filter(|_| types.contains(&"VerifiableCredential")) else {
        return (
            false,
            format!(
                "Ce n'est pas un Open Badge 3.0 : son type est « {} ».",
                short(&types.join(", "))
            ),
        );
    };
    let subject = cred.get("credentialSubject");
    let achievement = subject.and_then(|s| s.get("achievement"));
    let Some(name) = achievement.and_then(|a| str_of(a, "name")) else {
        return (
            false,
            "Ce badge ne dit pas ce qui a été accompli (credentialSubject.achievement).".into(),
        );
    };
    if let Some(j) = jwt {
        let expected = [
            ("iss", issuer_id(cred).map(Value::from)),
            ("jti", str_of(cred, "id").map(Value::from)),
            (
                "sub",
                subject.and_then(|s| str_of(s, "id")).map(Value::from),
            ),
        ];
        for (claim, want) in expected {
            let got = j.payload.get(claim);
            let agrees = match (got, &want) {
                (Some(g), Some(w)) => g == w,
                (None, None) => true,
                (Some(_), None) | (None, Some(_)) => false,
            };
            if !agrees {
                return (
                    false,
                    format!(
                        "Le jeton et le badge ne concordent pas : la déclaration « {claim} » \
                         du jeton ne correspond pas au badge."
                    ),
                );
            }
        }
        if let (Some(nbf), Some(Ok(from))) = (j.payload.get("nbf"), parse_date(cred, "validFrom")) {
            if nbf.as_i64() != Some(from.timestamp()) {
                return (
                    false,
                    "Le jeton et le badge ne concordent pas : « nbf » diffère de « validFrom »."
                        .into(),
                );
            }
        }
    }
    (
        true,
        format!("Open Badge 3.0 ({ob}) : « {} ».", short(name)),
    )
}
