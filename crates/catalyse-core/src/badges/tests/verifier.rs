//! The verifier: a round trip, each way a badge can fail, and garbage that must not panic.

use serde_json::{json, Value};

use super::super::did::key_url;
use super::super::jws::{b64url, decode_compact};
use super::super::vc::{vc_jwt, Subject};
use super::super::verify::{verify, CheckName, Report};
use super::{email_subject, issuer, now, published, sample, t, test_key, LIST};

fn not_revoked(list: &str, _index: u64) -> Option<bool> {
    (list == LIST).then_some(false)
}

fn run(token: &str, keys: &[(String, Value)]) -> Report {
    verify(token, now(), &issuer().did, keys, &not_revoked)
}

fn signed(key_seed: u8, cred: &Value) -> String {
    let key = test_key(key_seed);
    vc_jwt(&key, &key_url(&issuer().did, &key), cred)
}

fn failed(r: &Report) -> Vec<CheckName> {
    r.checks.iter().filter(|c| !c.ok).map(|c| c.name).collect()
}

#[test]
fn sign_then_verify() {
    let key = test_key(7);
    let cred = sample("cycle-des-7-leviers", &email_subject());
    let token = signed(7, &cred);
    let r = run(&token, &published(&[&key]));
    assert!(r.valid(), "{:#?}", r.checks);
    let names: Vec<_> = r.checks.iter().map(|c| c.name).collect();
    assert_eq!(names, CheckName::ALL);
    let sig = r.check(CheckName::Signature).unwrap();
    assert_eq!(
        sig.detail_fr,
        format!(
            "La signature correspond à la clé {} de l'émetteur.",
            key_url(&issuer().did, &key)
        )
    );
    assert_eq!(
        r.check(CheckName::Issuer).unwrap().detail_fr,
        "Émis par cette plateforme (Catalyse, did:web:catalyse.example.org)."
    );
    assert_eq!(
        r.check(CheckName::Dates).unwrap().detail_fr,
        "Valide depuis le 1er mars 2025 à 09:30 (UTC), sans date de fin."
    );
    assert!(r
        .check(CheckName::Revocation)
        .unwrap()
        .detail_fr
        .starts_with("Non révoqué"));
    assert_eq!(
        r.check(CheckName::Type).unwrap().detail_fr,
        "Open Badge 3.0 (OpenBadgeCredential) : « Cycle des 7 leviers »."
    );
    assert_eq!(
        r.credential.unwrap(),
        super::super::vc::vc_jwt_claims(&cred)
    );
    // The header and the claims a relying party reads.
    let (header, payload, _, _) = decode_compact(&token).unwrap();
    assert_eq!(header["typ"], "vc+jwt");
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(payload["iss"], "did:web:catalyse.example.org");
    assert_eq!(payload["jti"], cred["id"]);
    assert_eq!(payload["nbf"], t("2025-03-01T09:30:00Z").timestamp());
    assert!(payload.get("sub").is_none(), "no sub for a hashed email");
    // A DID subject is the JWT's sub.
    let did_cred = sample("module-sept-leviers", &Subject::Did("did:key:z6Mk".into()));
    let (_, payload, _, _) = decode_compact(&signed(7, &did_cred)).unwrap();
    assert_eq!(payload["sub"], "did:key:z6Mk");
    assert!(run(&signed(7, &did_cred), &published(&[&key])).valid());
}

#[test]
fn rotated_keys_still_verify() {
    let (old, new) = (test_key(1), test_key(2));
    let cred = sample("activite-fablab", &email_subject());
    let keys = published(&[&old, &new]);
    assert!(run(&signed(1, &cred), &keys).valid());
    assert!(run(&signed(2, &cred), &keys).valid());
    // A key the platform does not publish.
    let r = run(&signed(3, &cred), &keys);
    assert_eq!(failed(&r), [CheckName::Signature]);
    assert!(r.checks[1]
        .detail_fr
        .contains("n'est pas une clé publiée par cette plateforme"));
}

/// Re-encodes one part of a token.
fn replace_part(token: &str, i: usize, bytes: &[u8]) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
    parts[i] = b64url(bytes);
    parts.join(".")
}

#[test]
fn one_byte_changed_fails() {
    let key = test_key(7);
    let keys = published(&[&key]);
    let token = signed(7, &sample("cycle-des-7-leviers", &email_subject()));
    let (_, payload, _, sig) = decode_compact(&token).unwrap();
    // In the payload: a name changed by one letter.
    let text = payload
        .to_string()
        .replacen("Cycle des 7", "Cycle des 8", 1);
    let r = run(&replace_part(&token, 1, text.as_bytes()), &keys);
    assert_eq!(failed(&r), [CheckName::Signature]);
    assert!(r.checks[1].detail_fr.contains("modifié après sa signature"));
    // In the signature.
    let mut bad = sig.clone();
    bad[0] ^= 1;
    let r = run(&replace_part(&token, 2, &bad), &keys);
    assert_eq!(failed(&r), [CheckName::Signature]);
    // Any one character of the token changed: never valid, never a panic.
    let bytes = token.as_bytes();
    for i in 0..bytes.len() {
        let mut b = bytes.to_vec();
        b[i] = if b[i] == b'A' { b'B' } else { b'A' };
        let r = run(&String::from_utf8(b).unwrap(), &keys);
        assert!(!r.valid(), "character {i} changed");
    }
    // Truncated anywhere.
    for i in (0..bytes.len()).step_by(7) {
        assert!(!run(&token[..i], &keys).valid(), "cut at {i}");
    }
}

#[test]
fn each_check_says_why() {
    let key = test_key(7);
    let keys = published(&[&key]);
    let cred = sample("cycle-des-7-leviers", &email_subject());
    let token = signed(7, &cred);

    // Another issuer.
    let r = verify(
        &token,
        now(),
        "did:web:autre.example.org",
        &keys,
        &not_revoked,
    );
    assert_eq!(failed(&r), [CheckName::Issuer]);
    assert!(r.checks[2]
        .detail_fr
        .starts_with("Cet émetteur n'est pas cette plateforme"));

    // Revoked, and a list that cannot be read.
    let r = verify(&token, now(), &issuer().did, &keys, &|_, i| Some(i == 42));
    assert_eq!(failed(&r), [CheckName::Revocation]);
    assert!(r.checks[4].detail_fr.starts_with("Révoqué"));
    let r = verify(&token, now(), &issuer().did, &keys, &|_, _| None);
    assert_eq!(failed(&r), [CheckName::Revocation]);
    assert!(r.checks[4].detail_fr.contains("n'a pas pu être lue"));

    // Not yet valid; expired.
    let r = verify(
        &token,
        t("2025-03-01T09:00:00Z"),
        &issuer().did,
        &keys,
        &not_revoked,
    );
    assert_eq!(failed(&r), [CheckName::Dates]);
    assert!(r.checks[3].detail_fr.contains("pas encore valide"));
    let r = verify(
        &token,
        t("2025-03-01T09:27:00Z"),
        &issuer().did,
        &keys,
        &not_revoked,
    );
    assert!(r.valid(), "a few minutes of clock skew are tolerated");
    let mut expiring = cred.clone();
    expiring["validUntil"] = json!("2025-04-01T00:00:00Z");
    let r = run(&signed(7, &expiring), &keys);
    assert_eq!(failed(&r), [CheckName::Dates]);
    assert_eq!(
        r.checks[3].detail_fr,
        "Ce badge a expiré le 1er avril 2025 à 00:00 (UTC)."
    );

    // Not an Open Badge; claims that disagree with the content.
    let mut other = cred.clone();
    other["type"] = json!(["VerifiableCredential"]);
    let r = run(&signed(7, &other), &keys);
    assert_eq!(failed(&r), [CheckName::Type]);
    let claims = super::super::vc::vc_jwt_claims(&cred);
    let mut lying = claims.clone();
    lying["jti"] = json!("urn:uuid:autre");
    let r = run(&key.sign_compact(&keys[0].0, "vc+jwt", &lying), &keys);
    assert_eq!(failed(&r), [CheckName::Type]);
    assert!(r.checks[5].detail_fr.contains("« jti »"));

    // Another algorithm; no kid; a kid of another DID.
    let mut parts: Vec<&str> = token.split('.').collect();
    let none = b64url(br#"{"alg":"none","kid":"x"}"#);
    parts[0] = &none;
    let r = run(&parts.join("."), &keys);
    assert!(failed(&r).contains(&CheckName::Signature));
    assert!(r.checks[1].detail_fr.contains("« none »"));
    let r = run(
        &key.sign_compact("did:web:autre.example.org#k", "vc+jwt", &claims),
        &keys,
    );
    assert!(failed(&r).contains(&CheckName::Signature));
    // Signed with the platform's key but under another DID's kid: the issuer check refuses.
    let foreign = vec![("did:web:autre.example.org#k".to_string(), key.public_jwk())];
    let r = run(
        &key.sign_compact("did:web:autre.example.org#k", "vc+jwt", &claims),
        &foreign,
    );
    assert_eq!(failed(&r), [CheckName::Issuer]);
    assert!(r.checks[2]
        .detail_fr
        .contains("n'appartient pas à l'émetteur"));
}

#[test]
fn a_json_credential_carries_no_signature() {
    let cred = sample("cycle-des-7-leviers", &email_subject());
    let r = run(&serde_json::to_string_pretty(&cred).unwrap(), &[]);
    assert!(!r.valid());
    assert_eq!(failed(&r), [CheckName::Signature]);
    assert!(r.checks[1].detail_fr.contains("ne porte aucune signature"));
    assert_eq!(r.credential, Some(cred));
}

/// A small deterministic generator (xorshift), for inputs that look random.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn garbage_never_panics() {
    let keys = published(&[&test_key(7)]);
    let valid = signed(7, &sample("cycle-des-7-leviers", &email_subject()));
    let mut inputs: Vec<String> = [
        "",
        " \n\t ",
        ".",
        "..",
        "...",
        "....",
        "a.b.c",
        "!!!.@@@.###",
        "{",
        "{}",
        "[]",
        "null",
        "{\"type\":5}",
        "{\"credentialStatus\":[1,{\"type\":\"BitstringStatusListEntry\"}]}",
        "e30.e30.",
        "e30.e30.e30",
        "W10.W10.W10",
        "bnVsbA.bnVsbA.bnVsbA",
        "ééé.ééé.ééé",
        "eyJhbGciOiJFZERTQSJ9.eyJpc3N1ZXIiOnt9LCJ2YWxpZEZyb20iOiI5OTk5OS0wMS0wMSJ9.AA",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // Huge: past the limit, and a huge but well-formed-looking token.
    inputs.push("A".repeat(3 * 1024 * 1024));
    inputs.push(format!(
        "{}.{}.{}",
        "A".repeat(400_000),
        "B".repeat(400_000),
        "C"
    ));
    inputs.push(format!("{}{}", valid, "A".repeat(100)));
    // Random bytes and random base64url-ish strings with dots.
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.={}\"";
    for _ in 0..500 {
        let len = (rng.next() % 300) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        inputs.push(String::from_utf8_lossy(&bytes).into_owned());
        let s: String = (0..len)
            .map(|_| alphabet[(rng.next() % alphabet.len() as u64) as usize] as char)
            .collect();
        inputs.push(s);
    }
    // Well-formed JWS whose JSON is odd: numbers for strings, nested junk, extreme dates.
    let key = test_key(7);
    for payload in [
        json!({"issuer": 5, "validFrom": 7, "credentialStatus": "x", "type": {}}),
        json!({"vc": [], "credentialSubject": [], "validFrom": "+262143-12-31T23:59:59Z"}),
        json!({"validFrom": "2025-01-01T00:00:00Z", "validUntil": "x", "exp": -1e300}),
        json!({"credentialStatus": {"type": "BitstringStatusListEntry", "statusListIndex": "-1", "statusListCredential": LIST}}),
        json!({"credentialStatus": [{"type": "BitstringStatusListEntry", "statusListIndex": 18446744073709551615u64, "statusListCredential": LIST, "statusPurpose": "suspension"}]}),
        json!({"type": ["VerifiableCredential", "OpenBadgeCredential"], "credentialSubject": {"achievement": {"name": "é".repeat(500)}}, "nbf": "x", "sub": 3}),
    ] {
        inputs.push(key.sign_compact(&keys[0].0, "vc+jwt", &payload));
        inputs.push(payload.to_string());
    }
    for input in &inputs {
        for when in [
            now(),
            chrono::DateTime::<chrono::Utc>::MAX_UTC,
            chrono::DateTime::<chrono::Utc>::MIN_UTC,
        ] {
            let r = verify(input, when, &issuer().did, &keys, &|_, _| Some(true));
            assert!(
                !r.valid(),
                "{:?}",
                input.chars().take(80).collect::<String>()
            );
            assert!(!r.checks.is_empty());
            assert!(r.checks.iter().all(|c| !c.detail_fr.is_empty()));
        }
    }
    let r = run(&"A".repeat(3 * 1024 * 1024), &keys);
    assert!(r.checks[0].detail_fr.contains("trop long"));
}
