//! One credential against a golden file, and credentials, the issuer profile and a status
//! list against the official 1EdTech checker (`shared/conformance/openbadges-3.0`, beside
//! the repository) run by Python; skipped, with a message, where Python or its modules are
//! missing. `CATALYSE_PYTHON` names another interpreter (a virtualenv's).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::super::did::key_url;
use super::super::status::status_list_credential;
use super::super::vc::{issuer_profile, vc_jwt, Subject};
use super::{email_subject, issuer, sample, t, test_key, LIST};

const GOLDEN: &str = "src/badges/tests/golden-credential.json";

/// The credential of a lever's webinar for a hashed email, as it is issued. Set
/// `CATALYSE_BLESS=1` to rewrite the file after an intended change, and read the diff.
#[test]
fn golden_credential() {
    let cred = sample("webinaire-comprendre-son-ecosysteme", &email_subject());
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(GOLDEN);
    let pretty = serde_json::to_string_pretty(&cred).unwrap() + "\n";
    if std::env::var_os("CATALYSE_BLESS").is_some() {
        std::fs::write(&path, &pretty).unwrap();
    }
    let golden: Value = serde_json::from_str(include_str!("golden-credential.json")).unwrap();
    assert!(
        golden == cred,
        "the credential differs from {GOLDEN} (CATALYSE_BLESS=1 rewrites it):\n{pretty}"
    );
}

fn conformance_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/openbadges-3.0")
}

/// The Python that can run the checker, if any (else why not, on stderr).
fn python(modules: &str) -> Option<String> {
    let dir = conformance_dir();
    if !dir.join("validate.py").exists() {
        eprintln!(
            "SKIPPED: the 1EdTech checker is not at {} (shared/ beside the repository)",
            dir.display()
        );
        return None;
    }
    let py = std::env::var("CATALYSE_PYTHON").unwrap_or_else(|_| "python3".into());
    match Command::new(&py)
        .args(["-c", &format!("import {modules}")])
        .output()
    {
        Ok(o) if o.status.success() => Some(py),
        Ok(o) => {
            eprintln!(
                "SKIPPED: {py} cannot import {modules} (pip install {}): {}",
                modules.replace(", ", " ").replace("jwt", "pyjwt"),
                String::from_utf8_lossy(&o.stderr).trim()
            );
            None
        }
        Err(e) => {
            eprintln!("SKIPPED: no {py} to run the 1EdTech checker ({e})");
            None
        }
    }
}

/// Writes `text` to a file of the system's temporary folder, named for this test.
fn temp_file(name: &str, text: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("catalyse-badges-{}-{name}", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `py args…`; (success, stdout and stderr).
fn run(py: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(py).args(args).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn validate(py: &str, name: &str, text: &str) -> (bool, String) {
    let file = temp_file(name, text);
    let script = conformance_dir().join("validate.py");
    let result = run(py, &[script.to_str().unwrap(), file.to_str().unwrap()]);
    let _ = std::fs::remove_file(file);
    result
}

#[test]
fn credentials_pass_the_1edtech_schema() {
    let Some(py) = python("jsonschema, requests") else {
        return;
    };
    let key = test_key(7);
    let kid = key_url(&issuer().did, &key);
    let subjects = [
        ("cycle-des-7-leviers", email_subject()),
        (
            "webinaire-definir-sa-strategie",
            Subject::Did("did:web:camille.example.org".into()),
        ),
        ("module-sept-leviers", email_subject()),
        ("parcours-co-construction-territoriale", email_subject()),
        (
            "activite-fablab",
            Subject::Did("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK".into()),
        ),
    ];
    for (slug, subject) in &subjects {
        let cred = sample(slug, subject);
        let token = vc_jwt(&key, &kid, &cred);
        for (name, text) in [
            (format!("{slug}.jwt"), token),
            (
                format!("{slug}.json"),
                serde_json::to_string_pretty(&cred).unwrap(),
            ),
        ] {
            let (ok, out) = validate(&py, &name, &text);
            assert!(ok && out.contains("openbadges-3.0: OK"), "{name}: {out}");
        }
    }
    // The checker does check: an alignment without its URL and a hashed identity with an
    // unknown member fail.
    let mut bad = sample("activite-fablab", &email_subject());
    let achievement = &mut bad["credentialSubject"]["achievement"];
    achievement["alignment"][0]
        .as_object_mut()
        .unwrap()
        .remove("targetUrl");
    bad["credentialSubject"]["identifier"][0]["email"] = "camille@example.org".into();
    let (ok, out) = validate(&py, "bad.jwt", &vc_jwt(&key, &kid, &bad));
    assert!(!ok, "{out}");
    assert!(
        out.contains("targetUrl") && out.contains("identifier/0"),
        "{out}"
    );
}

#[test]
fn profile_and_status_list_pass_too() {
    let Some(py) = python("jsonschema") else {
        return;
    };
    let key = test_key(7);
    let profile = issuer_profile(&issuer(), &[key.public_jwk()]);
    let file = temp_file("profile.json", &profile.to_string());
    let schema = conformance_dir().join("profile.json");
    let check_profile = "import json, sys, jsonschema\n\
        schema = json.load(open(sys.argv[1])); doc = json.load(open(sys.argv[2]))\n\
        errs = list(jsonschema.Draft201909Validator(schema).iter_errors(doc))\n\
        [print('FAIL:', list(e.path), e.message) for e in errs]\n\
        print('profile:', 'OK' if not errs else 'FAIL'); sys.exit(1 if errs else 0)\n";
    let (ok, out) = run(
        &py,
        &[
            "-c",
            check_profile,
            schema.to_str().unwrap(),
            file.to_str().unwrap(),
        ],
    );
    let _ = std::fs::remove_file(file);
    assert!(ok, "{out}");

    // The status list, decoded as the 1EdTech verifier (verify.py) decodes it.
    let list = status_list_credential(
        &issuer(),
        LIST,
        &[0, 7, 8, 131_071],
        t("2025-03-01T00:00:00Z"),
    );
    let file = temp_file("status.json", &list.to_string());
    let read_list = "import base64, gzip, json, sys\n\
        enc = json.load(open(sys.argv[1]))['credentialSubject']['encodedList']\n\
        enc = enc[1:] if enc.startswith('u') else enc\n\
        bits = gzip.decompress(base64.urlsafe_b64decode(enc + '=' * (-len(enc) % 4)))\n\
        print(len(bits) * 8, [i for i in range(len(bits) * 8) if (bits[i // 8] >> (7 - i % 8)) & 1])\n";
    let (ok, out) = run(&py, &["-c", read_list, file.to_str().unwrap()]);
    let _ = std::fs::remove_file(file);
    assert!(ok, "{out}");
    assert_eq!(out.trim(), "131072 [0, 7, 8, 131071]");
}

/// The signature checked by another implementation (PyJWT on `cryptography`), as
/// verify.py checks it.
#[test]
fn pyjwt_verifies_the_signature() {
    let Some(py) = python("jwt, cryptography") else {
        return;
    };
    let key = test_key(7);
    let token = vc_jwt(
        &key,
        &key_url(&issuer().did, &key),
        &sample("cycle-des-7-leviers", &email_subject()),
    );
    let script = "import json, sys, jwt\n\
        tok = open(sys.argv[1]).read().strip()\n\
        key = jwt.PyJWK(json.loads(sys.argv[2]), algorithm='EdDSA')\n\
        jwt.decode(tok, key=key.key, algorithms=['EdDSA'], options={'verify_aud': False, \
        'verify_exp': False, 'verify_nbf': False, 'verify_iat': False, 'verify_sub': False, \
        'verify_jti': False})\n\
        print('signature OK')\n";
    let jwk = key.public_jwk().to_string();
    let good = temp_file("good.jwt", &token);
    let (ok, out) = run(&py, &["-c", script, good.to_str().unwrap(), &jwk]);
    assert!(ok && out.contains("signature OK"), "{out}");
    let tampered = token.replacen(".eyJ", ".eyK", 1);
    let bad = temp_file("bad.jwt", &tampered);
    let (ok, out) = run(&py, &["-c", script, bad.to_str().unwrap(), &jwk]);
    assert!(!ok, "{out}");
    let _ = std::fs::remove_file(good);
    let _ = std::fs::remove_file(bad);
}
