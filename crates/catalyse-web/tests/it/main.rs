//! The web layer end to end: the real router on a real port, real HTTP, a real database —
//! every test on SQLite, and on PostgreSQL when `CATALYSE_TEST_POSTGRES_URL` is set.

mod accounts_hardening;
mod api;
mod auth;
mod badges_issuer;
mod badges_pages;
mod badges_rules;
mod cases;
mod cases_contrib;
mod cases_data;
mod cases_exports;
mod diagnostics;
mod events;
#[path = "../../../catalyse-store/tests/it/fixtures.rs"]
mod fixtures;
mod formation;
mod instances;
mod language;
mod layers;
mod map_cases;
mod map_needs;
mod moderation;
mod needs;
mod needs_match;
mod needs_places;
mod needs_search;
mod needs_sources;
mod network;
mod observatory;
mod observatory_needs;
mod page_cache;
mod pages;
mod parcours;
mod parcours_admin;
mod parcours_space;
mod places;
mod probe;
mod resources;
mod territories;

use catalyse_core::territory::Geography;
use catalyse_core::{Email, Role};
use catalyse_store::{NewUser, Store};
use catalyse_web::{Config, GeographySource};
use reqwest::header::{HeaderMap, COOKIE, SET_COOKIE};
use reqwest::{Method, StatusCode};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

/// A small geography (a region, a department, two communes) keeps the tests fast.
pub fn small_geography() -> Geography {
    Geography::from_tsv(
        "level\tcode\tname\tregion\tdepartment\tepci\tpopulation\tpostcodes\tlat\tlon\n\
         region\t84\tAuvergne-Rhône-Alpes\t\t\t\t8000000\t\t\t\n\
         department\t01\tAin\t84\t\t\t650000\t\t\t\n\
         department\t42\tLoire\t84\t\t\t770000\t\t\t\n\
         commune\t01001\tL'Abergement-Clémenciat\t84\t01\t\t800\t01400\t46.15\t4.92\n\
         commune\t42218\tSaint-Étienne\t84\t42\t\t173000\t42000 42100\t45.43\t4.39\n",
    )
    .expect("small geography")
}

/// The token of `/metrics` in the tests that read it.
pub const METRICS_TOKEN: &str = "jeton-des-mesures";

/// Serves `/metrics` behind [`METRICS_TOKEN`].
pub fn with_metrics(c: &mut Config) {
    c.metrics_token = Some(catalyse_web::config::Secret(METRICS_TOKEN.into()));
}

/// The password of accounts made by [`TestApp::sign_in_as`].
pub const TEST_PASSWORD: &str = "un mot de passe assez long";

/// The platform under test, with a browser-like client that keeps `__Host-` cookies.
pub struct TestApp {
    pub base: String,
    pub store: Arc<dyn Store>,
    pub data_dir: PathBuf,
    client: reqwest::Client,
    jar: Mutex<BTreeMap<String, String>>,
    stop: Option<oneshot::Sender<()>>,
    done: Option<tokio::task::JoinHandle<()>>,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(String::from))
            .collect()
    }

    /// The value of a hidden field or input named `name` in the page.
    pub fn field(&self, name: &str) -> String {
        let needle = format!("name=\"{name}\" value=\"");
        self.body
            .split(&needle)
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_default()
            .to_string()
    }
}

impl TestApp {
    pub async fn start(store: Arc<dyn Store>) -> TestApp {
        Self::start_with(store, |_| {}).await
    }

    pub async fn start_with(store: Arc<dyn Store>, tweak: impl FnOnce(&mut Config)) -> TestApp {
        Self::start_on(store, small_geography(), tweak).await
    }

    /// Like `start_with`, on a geography of one's own.
    pub async fn start_on(
        store: Arc<dyn Store>,
        geography: Geography,
        tweak: impl FnOnce(&mut Config),
    ) -> TestApp {
        let data_dir = std::env::temp_dir().join(format!(
            "catalyse_web_test_{}_{}",
            std::process::id(),
            rand_suffix()
        ));
        let mut config = Config {
            data_dir: data_dir.clone(),
            demo: false,
            ..Config::default()
        };
        tweak(&mut config);
        catalyse_web::load_reference_data(
            store.as_ref(),
            GeographySource::Given(geography),
            config.demo,
        )
        .await
        .expect("reference data");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        config.bind = addr.to_string();
        let state = catalyse_web::boot::state(store.clone(), config)
            .await
            .expect("state");
        let (tx, rx) = oneshot::channel::<()>();
        let done = tokio::spawn(async move {
            catalyse_web::launch(state, listener, async {
                let _ = rx.await;
            })
            .await
            .expect("server");
        });
        TestApp {
            base: format!("http://{addr}"),
            store,
            data_dir,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            jar: Mutex::new(BTreeMap::new()),
            stop: Some(tx),
            done: Some(done),
        }
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(done) = self.done.take() {
            let _ = done.await;
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }

    pub fn forget_cookies(&self) {
        self.jar.lock().unwrap().clear();
    }

    /// The jar as a `Cookie` header's value (empty when the jar is).
    fn cookie_header(&self) -> String {
        let jar = self.jar.lock().unwrap();
        let cookies: Vec<String> = jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
        cookies.join("; ")
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.jar.lock().unwrap().get(name).cloned()
    }

    pub fn set_cookie_value(&self, name: &str, value: &str) {
        self.jar.lock().unwrap().insert(name.into(), value.into());
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        form: Option<&[(&str, &str)]>,
        extra: &[(&str, &str)],
    ) -> Answer {
        let body = form.map(|f| {
            let encoded = serde_urlencoded::to_string(f).expect("form");
            ("application/x-www-form-urlencoded", encoded)
        });
        self.request_with(method, path, body, extra).await
    }

    /// A request with this body (its content type, its text), the cookies kept.
    pub async fn request_with(
        &self,
        method: Method,
        path: &str,
        body: Option<(&str, String)>,
        extra: &[(&str, &str)],
    ) -> Answer {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        let cookies = self.cookie_header();
        if !cookies.is_empty() {
            req = req.header(COOKIE, cookies);
        }
        for (k, v) in extra {
            req = req.header(*k, *v);
        }
        if let Some((content_type, body)) = body {
            req = req.header("content-type", content_type).body(body);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let headers = resp.headers().clone();
        for c in headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
        {
            if let Some((k, rest)) = c.split_once('=') {
                let v = rest.split(';').next().unwrap_or("");
                let mut jar = self.jar.lock().unwrap();
                if v.is_empty() || c.contains("Max-Age=0") {
                    jar.remove(k);
                } else {
                    jar.insert(k.to_string(), v.to_string());
                }
            }
        }
        let body = resp.text().await.unwrap_or_default();
        Answer {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.request(Method::GET, path, None, &[]).await
    }

    /// `/metrics`, with the token that [`with_metrics`] sets.
    pub async fn metrics(&self) -> Answer {
        let bearer = format!("Bearer {METRICS_TOKEN}");
        let auth = [("authorization", bearer.as_str())];
        self.request(Method::GET, "/metrics", None, &auth).await
    }

    /// Posts a form the way a browser does after loading `page`: with its CSRF token.
    pub async fn post_form(&self, page: &str, action: &str, fields: &[(&str, &str)]) -> Answer {
        let csrf = self.get(page).await.field("csrf");
        assert!(!csrf.is_empty(), "{page} has no CSRF field");
        self.post_with_csrf(&csrf, action, fields).await
    }

    /// Posts a form with this CSRF token first (taken from a page loaded before).
    pub async fn post_with_csrf(
        &self,
        csrf: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> Answer {
        let mut all: Vec<(&str, &str)> = vec![("csrf", csrf)];
        all.extend_from_slice(fields);
        self.request(Method::POST, action, Some(&all), &[]).await
    }

    /// Posts a multipart form (text fields, then one file) as a browser does after loading
    /// `page`, with its CSRF token first.
    pub async fn post_multipart(
        &self,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &str, Vec<u8>)>,
    ) -> Answer {
        let csrf = self.get(page).await.field("csrf");
        let mut form = reqwest::multipart::Form::new().text("csrf", csrf);
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        if let Some((name, file_name, bytes)) = file {
            form = form.part(
                name.to_string(),
                reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string()),
            );
        }
        let resp = self
            .client
            .post(format!("{}{action}", self.base))
            .header(COOKIE, self.cookie_header())
            .multipart(form)
            .send()
            .await
            .expect("request");
        Answer {
            status: resp.status(),
            headers: resp.headers().clone(),
            body: resp.text().await.unwrap_or_default(),
        }
    }

    /// Creates an account directly in the store.
    pub async fn user(&self, email: &str, password: &str, role: Role) -> catalyse_core::User {
        let hash = catalyse_web::auth::hash_password(password.into())
            .await
            .expect("hash");
        self.store
            .create_user(
                &NewUser {
                    email: Email::parse(email).expect("email"),
                    display_name: format!("Test {email}"),
                    role,
                    password_hash: hash,
                    is_example: false,
                    email_verified: true,
                },
                chrono::Utc::now(),
            )
            .await
            .expect("user")
    }

    /// A fresh session as a new account of this role (the password is the tests' usual one).
    pub async fn sign_in_as(&self, email: &str, role: Role) {
        self.forget_cookies();
        self.user(email, TEST_PASSWORD, role).await;
        let r = self.login(email, TEST_PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "sign-in as {email}");
    }

    pub async fn login(&self, email: &str, password: &str) -> Answer {
        self.post_form(
            "/connexion",
            "/connexion",
            &[("email", email), ("password", password)],
        )
        .await
    }

    /// Posts the join form: a name, an address, the password twice, the charter accepted.
    pub async fn join(&self, name: &str, email: &str, password: &str) -> Answer {
        self.post_form(
            "/rejoindre",
            "/rejoindre",
            &[
                ("name", name),
                ("email", email),
                ("password", password),
                ("confirmation", password),
                ("charte", "oui"),
            ],
        )
        .await
    }

    /// Asks for a password-reset link for this address.
    pub async fn forgot_password(&self, email: &str) -> Answer {
        self.post_form(
            "/mot-de-passe-oublie",
            "/mot-de-passe-oublie",
            &[("email", email)],
        )
        .await
    }

    /// The mails written to the outbox so far, as text.
    pub fn outbox(&self) -> Vec<String> {
        let dir = self.data_dir.join("outbox");
        let mut mails: Vec<String> = std::fs::read_dir(dir)
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                    .collect()
            })
            .unwrap_or_default();
        mails.sort();
        mails
    }

    /// The outbox once it holds at least `count` mails (some are sent after the answer),
    /// waiting at most 5 s.
    pub async fn outbox_with(&self, count: usize) -> Vec<String> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while self.outbox().len() < count && std::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        // A file just created may still be being written.
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        self.outbox()
    }
}

pub(crate) fn rand_suffix() -> u64 {
    use rand::Rng;
    rand::thread_rng().gen()
}
