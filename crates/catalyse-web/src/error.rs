//! One error type for the app, rendered as an HTML page for people and as an RFC 9457
//! `application/problem+json` body for the API. Internal errors are logged, never shown.

use crate::i18n::{Lang, Tr};
use askama::Template;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use catalyse_store::StoreError;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("forbidden")]
    Forbidden,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("too many requests")]
    TooManyRequests { retry_after: u64 },
    #[error("internal: {0}")]
    Internal(#[from] anyhow::Error),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict { message, .. } => AppError::Conflict(message),
            other => AppError::Internal(other.into()),
        }
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn log(&self) {
        if let AppError::Internal(e) = self {
            tracing::error!(error = %format!("{e:#}"), "internal error");
        }
    }

    fn retry_after(&self, resp: &mut Response) {
        if let AppError::TooManyRequests { retry_after } = self {
            if let Ok(v) = HeaderValue::from_str(&retry_after.max(&1).to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
    }
}

/// Pages: a small HTML page; the layout-free body keeps errors cheap. It is rendered in
/// French, the platform's language, and `middleware::error_language` renders it again in the
/// reader's language when she chose another.
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let (title, message) = self.page_keys();
        let mut resp = keyed_error_page(self.status(), title, message);
        self.retry_after(&mut resp);
        resp
    }
}

/// RFC 9457 problem details.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI reference that identifies the problem type (`about:blank` here).
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The API's error: the same cases, as `application/problem+json`.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.log();
        let status = self.0.status();
        let detail = match &self.0 {
            AppError::BadRequest(m) | AppError::Conflict(m) => Some(m.clone()),
            AppError::TooManyRequests { retry_after } => {
                Some(format!("retry after {retry_after} s"))
            }
            _ => None,
        };
        let body = Problem {
            kind: "about:blank".into(),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail,
        };
        let mut resp = (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            serde_json::to_string(&body).unwrap_or_default(),
        )
            .into_response();
        self.0.retry_after(&mut resp);
        resp
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    t: Tr,
    title: &'a str,
    message: &'a str,
    /// The platform's stylesheet and logo: the CSP allows no inline style.
    css: &'static str,
    logo: &'static str,
}

impl<'a> ErrorPage<'a> {
    fn new(t: Tr, title: &'a str, message: &'a str) -> Self {
        ErrorPage {
            t,
            title,
            message,
            css: crate::assets::embedded_url("app.css"),
            logo: crate::assets::embedded_url("logo.svg"),
        }
    }
}

/// An error page with its own message.
pub fn error_response(t: Tr, status: StatusCode, title_key: &str, message: &str) -> Response {
    let page = ErrorPage::new(t, t.s(title_key), message);
    (
        status,
        Html(page.render().unwrap_or_else(|_| "Erreur".into())),
    )
        .into_response()
}

impl AppError {
    /// The catalogue keys of the page's title and text.
    fn page_keys(&self) -> (&'static str, &'static str) {
        match self {
            AppError::NotFound => ("error.not_found", "error.not_found_text"),
            AppError::BadRequest(_) => ("error.bad_request", "error.bad_request_text"),
            AppError::Forbidden => ("error.forbidden", "error.forbidden_text"),
            AppError::Conflict(_) => ("error.conflict", "error.conflict_text"),
            AppError::TooManyRequests { .. } => ("error.too_many", "error.too_many_text"),
            AppError::Internal(_) => ("error.internal", "error.internal_text"),
        }
    }
}

/// An error page's catalogue keys, kept on the response so that a layer that knows the
/// reader's language can render it in that language.
#[derive(Debug, Clone, Copy)]
pub struct ErrorPageKeys {
    pub title: &'static str,
    pub message: &'static str,
}

impl ErrorPageKeys {
    /// The page, self-contained so that it renders even when the rest cannot.
    pub fn render(self, t: Tr) -> Html<String> {
        let page = ErrorPage::new(t, t.s(self.title), t.s(self.message));
        Html(page.render().unwrap_or_else(|_| "Erreur".into()))
    }
}

/// An error page told by its catalogue keys, in French until a layer translates it.
pub fn keyed_error_page(
    status: StatusCode,
    title: &'static str,
    message: &'static str,
) -> Response {
    let keys = ErrorPageKeys { title, message };
    let mut resp = (status, keys.render(Tr::new(Lang::Fr))).into_response();
    resp.extensions_mut().insert(keys);
    resp
}
