//! Keys, JWS, did:web and status lists.

use serde_json::json;

use super::super::did::{did_document, did_web, key_url};
use super::super::jws::{
    b64url, b64url_decode, decode_compact, generate_pkcs8, thumbprint, verify_ed25519, SigningKey,
};
use super::super::status::{decode, encode, is_set, status_list_credential, LIST_SIZE};
use super::{issuer, t, test_key, LIST};

#[test]
fn did_web_cases() {
    let cases = [
        (
            "https://catalyse.example.org",
            "did:web:catalyse.example.org",
        ),
        (
            "https://catalyse.example.org/",
            "did:web:catalyse.example.org",
        ),
        ("http://127.0.0.1:18090", "did:web:127.0.0.1%3A18090"),
        ("http://127.0.0.1:18090/", "did:web:127.0.0.1%3A18090"),
        ("https://example.org/sub/dir", "did:web:example.org:sub:dir"),
        (
            "https://example.org/sub/dir/",
            "did:web:example.org:sub:dir",
        ),
        (
            "https://Example.ORG:8443/a?x=1#f",
            "did:web:example.org%3A8443:a",
        ),
        ("https://example.org/a b", "did:web:example.org:a%20b"),
        ("catalyse.example.org", "did:web:catalyse.example.org"),
    ];
    for (url, did) in cases {
        assert_eq!(did_web(url), did, "{url}");
    }
}

/// RFC 8037, appendix A: the Ed25519 key, its public JWK, its thumbprint and a signature.
#[test]
fn rfc8037_vectors() {
    let seed = b64url_decode("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A").unwrap();
    let mut doc = hex::decode("302e020100300506032b657004220420").unwrap();
    doc.extend(seed);
    let key = SigningKey::from_pkcs8(&doc).unwrap();
    let jwk = key.public_jwk();
    assert_eq!(
        jwk,
        json!({"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})
    );
    assert_eq!(key.key_id(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
    assert_eq!(thumbprint(&jwk).unwrap(), key.key_id());
    let jws = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";
    let (input, sig) = jws.rsplit_once('.').unwrap();
    let sig = b64url_decode(sig).unwrap();
    assert!(verify_ed25519(&jwk, input.as_bytes(), &sig));
    assert!(!verify_ed25519(&jwk, b"Example of Ed25519 signinG", &sig));
    // Not an Ed25519 JWK: refused, not a panic.
    assert!(!verify_ed25519(
        &json!({"kty": "OKP", "crv": "Ed448", "x": "AA"}),
        b"",
        &sig
    ));
    assert!(!verify_ed25519(
        &json!({"kty": "OKP", "crv": "Ed25519", "x": "AA"}),
        b"",
        &sig
    ));
    assert!(!verify_ed25519(&json!(null), b"", &[]));
}

#[test]
fn generated_keys_sign_and_verify() {
    let doc = generate_pkcs8(&ring::rand::SystemRandom::new()).unwrap();
    let key = SigningKey::from_pkcs8(&doc).unwrap();
    let other =
        SigningKey::from_pkcs8(&generate_pkcs8(&ring::rand::SystemRandom::new()).unwrap()).unwrap();
    assert_ne!(key.key_id(), other.key_id());
    assert_eq!(key.key_id().len(), 43);
    assert!(!format!("{key:?}").contains(&b64url(&doc)));
    assert!(SigningKey::from_pkcs8(b"not a key").is_err());

    let payload = json!({"a": 1, "b": "é"});
    let token = key.sign_compact("did:web:x#k", "vc+jwt", &payload);
    let (header, got, input, sig) = decode_compact(&token).unwrap();
    assert_eq!(
        header,
        json!({"alg": "EdDSA", "typ": "vc+jwt", "kid": "did:web:x#k"})
    );
    assert_eq!(got, payload);
    assert!(verify_ed25519(&key.public_jwk(), &input, &sig));
    assert!(!verify_ed25519(&other.public_jwk(), &input, &sig));
    // One byte changed in the signing input or in the signature: refused.
    let mut bad_input = input.clone();
    bad_input[input.len() - 3] ^= 1;
    assert!(!verify_ed25519(&key.public_jwk(), &bad_input, &sig));
    let mut bad_sig = sig.clone();
    bad_sig[10] ^= 0x40;
    assert!(!verify_ed25519(&key.public_jwk(), &input, &bad_sig));
}

#[test]
fn decode_compact_refuses_garbage() {
    for bad in [
        "",
        ".",
        "..",
        "...",
        "a.b.c",
        "e30.e30",
        "e30.e30.e30.e30",
        "e30.W10.",
        "%%.e30.AA",
    ] {
        assert!(decode_compact(bad).is_err(), "{bad:?}");
    }
    // An empty signature decodes (and then fails verification).
    assert!(decode_compact("e30.e30.").is_ok());
}

#[test]
fn did_document_lists_every_key() {
    let did = did_web("http://127.0.0.1:18090");
    let (old, new) = (test_key(1), test_key(2));
    let doc = did_document(&did, &[old.public_jwk(), new.public_jwk()]);
    assert_eq!(doc["id"], did);
    assert_eq!(
        doc["@context"],
        json!([
            "https://www.w3.org/ns/did/v1",
            "https://w3id.org/security/suites/jws-2020/v1"
        ])
    );
    let vm = doc["verificationMethod"].as_array().unwrap();
    assert_eq!(vm.len(), 2);
    assert_eq!(vm[0]["id"], key_url(&did, &old));
    assert_eq!(
        vm[1]["id"],
        format!("did:web:127.0.0.1%3A18090#{}", new.key_id())
    );
    assert_eq!(vm[1]["type"], "JsonWebKey2020");
    assert_eq!(vm[1]["controller"], did);
    assert_eq!(vm[1]["publicKeyJwk"], new.public_jwk());
    assert_eq!(doc["assertionMethod"], json!([vm[0]["id"], vm[1]["id"]]));
    assert_eq!(doc["authentication"], doc["assertionMethod"]);
}

#[test]
fn status_list_round_trip() {
    let set = [0u64, 7, 8, 131_071];
    let encoded = encode(&set);
    assert!(encoded.starts_with('u'));
    assert!(!encoded.contains('='));
    let bits = decode(&encoded).unwrap();
    assert_eq!(bits.len(), LIST_SIZE / 8);
    assert_eq!(bits[0], 0b1000_0001);
    assert_eq!(bits[1], 0b1000_0000);
    assert_eq!(bits[LIST_SIZE / 8 - 1], 0b0000_0001);
    for i in 0..LIST_SIZE as u64 {
        assert_eq!(is_set(&bits, i), set.contains(&i), "bit {i}");
    }
    assert!(!is_set(&bits, LIST_SIZE as u64));
    assert!(!is_set(&bits, u64::MAX));
    // Indexes past the list are ignored; an empty list is all zeros.
    assert_eq!(encode(&[LIST_SIZE as u64, u64::MAX]), encode(&[]));
    assert!(decode(&encode(&[])).unwrap().iter().all(|b| *b == 0));
    // Without the multibase prefix too.
    assert_eq!(decode(&encoded[1..]).unwrap(), bits);
    for bad in ["", "u", "u!!", "uAAAA", "uH4sI"] {
        assert!(decode(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn status_list_credential_shape() {
    let c = status_list_credential(&issuer(), LIST, &[3], t("2025-03-01T00:00:00Z"));
    assert_eq!(
        c["type"],
        json!(["VerifiableCredential", "BitstringStatusListCredential"])
    );
    assert_eq!(c["id"], LIST);
    assert_eq!(c["issuer"], "did:web:catalyse.example.org");
    assert_eq!(c["validFrom"], "2025-03-01T00:00:00Z");
    let s = &c["credentialSubject"];
    assert_eq!(s["id"], format!("{LIST}#list"));
    assert_eq!(s["type"], "BitstringStatusList");
    assert_eq!(s["statusPurpose"], "revocation");
    let bits = decode(s["encodedList"].as_str().unwrap()).unwrap();
    assert!(is_set(&bits, 3) && !is_set(&bits, 2));
}
