//! Forms with files: the whole `multipart/form-data` body read within the configured limit,
//! its CSRF token checked like any form's. A body cut off or too large is not an error page:
//! the handler gets the problem and shows the form again with a message.

use crate::auth::{csrf_matches, CsrfToken, CSRF_FIELD};
use crate::error::AppError;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{FromRef, FromRequest, Multipart, Request};
use axum::http::StatusCode;
use bytes::BytesMut;
use std::collections::HashMap;

/// A file as received: the name the browser gave it (never trusted for the type) and its
/// content.
pub struct UploadedFile {
    pub file_name: String,
    pub bytes: Bytes,
}

/// Why a body could not be read whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadProblem {
    TooLarge,
    /// Cut off or malformed.
    Unreadable,
}

impl UploadProblem {
    /// What to tell the person, in the page's language.
    pub fn message(self, t: crate::i18n::Tr, max_mb: u64) -> String {
        match self {
            UploadProblem::TooLarge => t
                .s("admin_data.too_large")
                .replace("{}", &max_mb.to_string()),
            UploadProblem::Unreadable => t.s("admin_data.cut_off").to_string(),
        }
    }
}

/// A submitted multipart form: its text fields, its files, or what went wrong reading them.
pub struct MultipartForm {
    pub fields: HashMap<String, String>,
    pub files: HashMap<String, UploadedFile>,
    pub problem: Option<UploadProblem>,
}

impl MultipartForm {
    pub fn field(&self, name: &str) -> &str {
        self.fields.get(name).map(String::as_str).unwrap_or("")
    }

    /// The slugs whose box `{prefix}_{slug}` was ticked (sent as `oui`), in the given order.
    pub fn ticked<'a>(&self, prefix: &str, slugs: impl Iterator<Item = &'a str>) -> Vec<String> {
        slugs
            .filter(|s| self.field(&format!("{prefix}_{s}")) == "oui")
            .map(str::to_string)
            .collect()
    }

    /// Whether a file was chosen but arrived empty (a browser sends an empty part with no
    /// name when none was chosen: that is not this).
    pub fn empty_file(&self, name: &str) -> bool {
        self.files
            .get(name)
            .is_some_and(|f| !f.file_name.is_empty() && f.bytes.is_empty())
    }

    /// A file field with content; an empty file counts as none.
    pub fn file(&self, name: &str) -> Option<&UploadedFile> {
        self.files.get(name).filter(|f| !f.bytes.is_empty())
    }
}

impl<S> FromRequest<S> for MultipartForm
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let expected = req
            .extensions()
            .get::<CsrfToken>()
            .and_then(|t| t.existing.clone());
        let mut form = MultipartForm {
            fields: HashMap::new(),
            files: HashMap::new(),
            problem: None,
        };
        let limit = AppState::from_ref(state).config.upload_max_bytes();
        let mut multipart = Multipart::from_request(req, state)
            .await
            .map_err(|_| AppError::BadRequest("a multipart/form-data body is expected".into()))?;
        let problem = |e: axum::extract::multipart::MultipartError| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                UploadProblem::TooLarge
            } else {
                UploadProblem::Unreadable
            }
        };
        // A file over the limit is read to its end and dropped, so that the browser, still
        // sending, gets the page that says so rather than a reset connection. The route's
        // body limit bounds how much is read that way.
        'fields: loop {
            let mut field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                Err(e) => {
                    form.problem.get_or_insert(problem(e));
                    break;
                }
            };
            let name = field.name().unwrap_or("").to_string();
            let file_name = field.file_name().map(str::to_string);
            let mut content = BytesMut::new();
            loop {
                match field.chunk().await {
                    Ok(Some(chunk)) => {
                        if content.len() + chunk.len() > limit {
                            form.problem = Some(UploadProblem::TooLarge);
                            content.clear();
                        } else if form.problem != Some(UploadProblem::TooLarge) {
                            content.extend_from_slice(&chunk);
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        form.problem.get_or_insert(problem(e));
                        break 'fields;
                    }
                }
            }
            let bytes = content.freeze();
            match file_name {
                Some(file_name) => {
                    form.files.insert(name, UploadedFile { file_name, bytes });
                }
                None => {
                    let text = String::from_utf8_lossy(&bytes).into_owned();
                    form.fields.insert(name, text);
                }
            }
        }
        // Checked even on a cut-off body, as far as it came (the token is the first field).
        if !csrf_matches(expected.as_deref(), form.field(CSRF_FIELD)) {
            return Err(AppError::Forbidden);
        }
        Ok(form)
    }
}

/// The body limit of the routes that take a file: twice the file limit, so that a file too
/// large is answered with a page that says so; beyond that the connection is cut.
pub fn body_limit(config: &crate::Config) -> usize {
    config.upload_max_bytes() * 2 + 64 * 1024
}
