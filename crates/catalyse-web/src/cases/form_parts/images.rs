//! The case form's images: those of the version edited (kept by number), the new files
//! (decoded and re-encoded: checked by their content, never by their name), and those « déjà
//! envoyées »: good files of an earlier try of the form that came back with a message. These
//! are stored then and carried by the form as their key with a signature, so that she does not
//! choose them again; a key is taken back only with its signature (made for this member in
//! this browser) or when it is an image of the case's own versions, and only while the file
//! store holds it (a file nothing uses goes an hour or two after it was last stored: see
//! `FileStore::sweep_unused`).

use super::{Submission, Typed, NEW_IMAGES};
use crate::cases::status::images_of;
use crate::error::AppError;
use crate::forms::FormErrors;
use crate::pages::PageCtx;
use crate::state::AppState;
use crate::upload::MultipartForm;
use catalyse_core::cases::{CaseImage, MAX_IMAGES};
use sha2::{Digest, Sha256};

/// An image sent with an earlier try of the form: its file key (SHA-256), the signature that
/// proves the platform stored it for this form, its text alternative as typed, and whether it
/// is to be removed.
#[derive(Default, Clone, Debug)]
pub struct SentImage {
    pub key: String,
    pub token: String,
    pub alt: String,
    pub remove: bool,
}

/// The images sent before, as the form carries them back (`envoyee_{k}_…`, from 1).
pub fn read_sent(form: &MultipartForm) -> Vec<SentImage> {
    (1..=MAX_IMAGES)
        .filter_map(|k| {
            let f = |name: &str| form.field(&format!("envoyee_{k}_{name}")).to_string();
            let key = f("cle").trim().to_string();
            (!key.is_empty()).then(|| SentImage {
                key,
                token: f("jeton"),
                alt: f("alt"),
                remove: f("retirer") == "oui",
            })
        })
        .collect()
}

/// What the signature of a sent image covers: the member, her browser's form token and the
/// file, so that a key taken from elsewhere, or another member's, is not taken back.
fn sent_message(ctx: &PageCtx, key: &str) -> String {
    let user = ctx.user.as_ref().map_or(0, |u| u.id);
    format!("case-image:{user}:{}:{key}", ctx.csrf())
}

/// The signature the form carries with a file just stored for it.
pub fn sent_token(state: &AppState, ctx: &PageCtx, key: &str) -> String {
    crate::tokens::sign(&state.link_secret, &sent_message(ctx, key))
}

/// What the images of a checked form come to.
pub struct Images {
    /// The version's images, in order: kept, sent before, new.
    pub images: Vec<CaseImage>,
    /// The files to store (JPEG): the new ones, and those sent before (stored again, which
    /// renews their date so that the sweep of unused files leaves them).
    pub files: Vec<Vec<u8>>,
}

/// Checks the images of the form; the good ones sent before and the good new ones become
/// `d.sent`, to be carried if the form comes back.
pub async fn check(
    sub: &Submission<'_>,
    d: &mut Typed,
    errors: &mut FormErrors,
) -> Result<Images, AppError> {
    let Submission {
        state, ctx, case, ..
    } = *sub;
    let t = ctx.t;
    let current = case.and_then(|c| c.moderated.current());
    let mut images: Vec<CaseImage> = current
        .map(|c| c.images.clone())
        .unwrap_or_default()
        .into_iter()
        .zip(&d.images)
        .filter(|(_, row)| !row.remove)
        .map(|(img, row)| CaseImage {
            file: img.file,
            alt: row.alt.clone(),
        })
        .collect();
    let mut files = vec![];
    let theirs = images_of(case);
    let mut carried = vec![];
    for (i, s) in std::mem::take(&mut d.sent).into_iter().enumerate() {
        let n = i + 1;
        let signed =
            crate::tokens::signed(&state.link_secret, &sent_message(ctx, &s.key), &s.token);
        if !signed && !theirs.contains(&s.key) {
            errors.push("images", t.f("cases_form.err_sent_forged", n));
            continue;
        }
        if !s.remove {
            let Some(bytes) = state.files.get(&s.key).await.map_err(AppError::Internal)? else {
                errors.push("images", t.f("cases_form.err_sent_gone", n));
                continue;
            };
            images.push(CaseImage {
                file: s.key.clone(),
                alt: s.alt.clone(),
            });
            files.push(bytes.to_vec());
        }
        carried.push(s);
    }
    d.sent = carried;
    for k in 1..=NEW_IMAGES {
        let name = format!("nouvelle_image_{k}");
        let described = !d.new_alt(&k).trim().is_empty();
        if described && sub.form.file(&name).is_none() && !sub.form.empty_file(&name) {
            errors.push("images", t.f("cases_form.err_image_missing", k));
        }
    }
    for (image, jpeg) in add_new(sub, d, errors).await? {
        images.push(image);
        files.push(jpeg);
    }
    Ok(Images { images, files })
}

/// Keeps the good new files of a form that comes back without being checked (« ajouter des
/// lignes »): stored, and carried in `d.sent`; what is wrong with the others is in `errors`.
pub async fn keep_new(
    sub: &Submission<'_>,
    d: &mut Typed,
    errors: &mut FormErrors,
) -> Result<(), AppError> {
    let files = add_new(sub, d, errors).await?.into_iter().map(|(_, f)| f);
    store(sub.state, files).await
}

/// Stores image files (JPEG) for the next try of a form.
pub async fn store(
    state: &AppState,
    files: impl IntoIterator<Item = Vec<u8>>,
) -> Result<(), AppError> {
    for jpeg in files {
        state
            .files
            .put(jpeg.into())
            .await
            .map_err(AppError::Internal)?;
    }
    Ok(())
}

/// The good new files of the form, re-encoded, with their descriptions; each is also added to
/// `d.sent`, signed, to be carried if the form comes back (while a case could hold it).
async fn add_new(
    sub: &Submission<'_>,
    d: &mut Typed,
    errors: &mut FormErrors,
) -> Result<Vec<(CaseImage, Vec<u8>)>, AppError> {
    let Submission {
        state,
        ctx,
        form,
        max_mb,
        ..
    } = *sub;
    let t = ctx.t;
    let mut out = vec![];
    for k in 1..=NEW_IMAGES {
        let name = format!("nouvelle_image_{k}");
        let alt = d.new_alt(&k).to_string();
        let Some(file) = form.file(&name) else {
            if form.empty_file(&name) {
                errors.push("images", t.f("cases_form.err_image_empty", k));
            }
            continue;
        };
        if file.bytes.len() as u64 > max_mb * 1024 * 1024 {
            errors.push("images", t.f("cases_form.err_image_size", max_mb));
            continue;
        }
        let bytes = file.bytes.clone();
        let done = tokio::task::spawn_blocking(move || {
            catalyse_formats::picture::normalise_picture(&bytes)
        })
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
        match done {
            Ok(jpeg) => {
                let key = hex::encode(Sha256::digest(&jpeg));
                if d.sent.len() < MAX_IMAGES && !d.sent.iter().any(|s| s.key == key) {
                    // Carried from now on: her description goes with it.
                    let token = sent_token(state, ctx, &key);
                    d.sent.push(SentImage {
                        key: key.clone(),
                        token,
                        alt: alt.clone(),
                        remove: false,
                    });
                    if let Some(typed) = d.new_alts.get_mut(k - 1) {
                        typed.clear();
                    }
                }
                out.push((CaseImage { file: key, alt }, jpeg));
            }
            Err(p) => errors.push("images", p.message()),
        }
    }
    Ok(out)
}
