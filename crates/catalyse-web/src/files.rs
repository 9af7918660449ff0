//! Uploaded documents: their type is read from their content (never from their name), and
//! they are stored by the SHA-256 of that content on local disk or in an S3-compatible
//! bucket, through `object_store`.

use crate::config::Config;
use axum::body::Bytes;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, PutPayload};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// The kinds of documents the resource centre accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Pdf,
    Odt,
    Ods,
    Odp,
    Docx,
    Xlsx,
    Pptx,
    Png,
    Jpeg,
}

impl FileKind {
    /// The kind of a document from its first bytes, or `None` if it is not one we accept.
    pub fn detect(bytes: &[u8]) -> Option<FileKind> {
        if let Some(kind) = opendocument(bytes) {
            return Some(kind);
        }
        let found = infer::get(bytes)?;
        Some(match found.mime_type() {
            "application/pdf" => FileKind::Pdf,
            "image/png" => FileKind::Png,
            "image/jpeg" => FileKind::Jpeg,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => {
                FileKind::Docx
            }
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => FileKind::Xlsx,
            "application/vnd.openxmlformats-officedocument.presentationml.presentation" => {
                FileKind::Pptx
            }
            _ => return None,
        })
    }

    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Odt => "application/vnd.oasis.opendocument.text",
            FileKind::Ods => "application/vnd.oasis.opendocument.spreadsheet",
            FileKind::Odp => "application/vnd.oasis.opendocument.presentation",
            FileKind::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            FileKind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileKind::Pptx => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
            FileKind::Png => "image/png",
            FileKind::Jpeg => "image/jpeg",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            FileKind::Pdf => "pdf",
            FileKind::Odt => "odt",
            FileKind::Ods => "ods",
            FileKind::Odp => "odp",
            FileKind::Docx => "docx",
            FileKind::Xlsx => "xlsx",
            FileKind::Pptx => "pptx",
            FileKind::Png => "png",
            FileKind::Jpeg => "jpg",
        }
    }

    /// The format as people name it (« PDF », « Texte OpenDocument »…).
    pub fn label(self) -> &'static str {
        match self {
            FileKind::Pdf => "PDF",
            FileKind::Odt => "ODT",
            FileKind::Ods => "ODS",
            FileKind::Odp => "ODP",
            FileKind::Docx => "DOCX",
            FileKind::Xlsx => "XLSX",
            FileKind::Pptx => "PPTX",
            FileKind::Png => "PNG",
            FileKind::Jpeg => "JPEG",
        }
    }

    pub fn from_content_type(ct: &str) -> Option<FileKind> {
        [
            FileKind::Pdf,
            FileKind::Odt,
            FileKind::Ods,
            FileKind::Odp,
            FileKind::Docx,
            FileKind::Xlsx,
            FileKind::Pptx,
            FileKind::Png,
            FileKind::Jpeg,
        ]
        .into_iter()
        .find(|k| k.content_type() == ct)
    }
}

/// An OpenDocument file is a zip whose first entry, stored uncompressed, is `mimetype`.
fn opendocument(bytes: &[u8]) -> Option<FileKind> {
    const PREFIX: &str = "application/vnd.oasis.opendocument.";
    if bytes.len() < 38 + PREFIX.len() || !bytes.starts_with(b"PK\x03\x04") {
        return None;
    }
    if &bytes[30..38] != b"mimetype" {
        return None;
    }
    let rest = &bytes[38..];
    let rest = rest.strip_prefix(PREFIX.as_bytes())?;
    if rest.starts_with(b"text") && !rest.starts_with(b"text-") {
        Some(FileKind::Odt)
    } else if rest.starts_with(b"spreadsheet") && !rest.starts_with(b"spreadsheet-") {
        Some(FileKind::Ods)
    } else if rest.starts_with(b"presentation") && !rest.starts_with(b"presentation-") {
        Some(FileKind::Odp)
    } else {
        None
    }
}

/// Where files live.
#[derive(Clone)]
pub struct FileStore {
    inner: Arc<dyn ObjectStore>,
    pub location: String,
}

impl FileStore {
    /// `files_url` unset: `{data_dir}/files`. `s3://bucket/prefix`: an S3-compatible bucket,
    /// credentials and endpoint from the usual `AWS_*` variables.
    pub fn from_config(config: &Config) -> anyhow::Result<FileStore> {
        match config.files_url.as_deref() {
            None | Some("") => {
                let dir = config.data_dir.join("files");
                std::fs::create_dir_all(&dir)?;
                Ok(FileStore {
                    inner: Arc::new(object_store::local::LocalFileSystem::new_with_prefix(&dir)?),
                    location: dir.display().to_string(),
                })
            }
            Some(url) if url.starts_with("s3://") => {
                let s3 = object_store::aws::AmazonS3Builder::from_env()
                    .with_url(url)
                    .build()?;
                Ok(FileStore {
                    inner: Arc::new(object_store::prefix::PrefixStore::new(
                        s3,
                        url.trim_start_matches("s3://")
                            .split_once('/')
                            .map(|(_, p)| p)
                            .unwrap_or(""),
                    )),
                    location: url.to_string(),
                })
            }
            Some(other) => anyhow::bail!("files_url must be empty or s3://…, not {other}"),
        }
    }

    fn path(sha256: &str) -> ObjectPath {
        ObjectPath::from(format!("{}/{sha256}", &sha256[..2.min(sha256.len())]))
    }

    /// Stores `bytes` and returns their SHA-256 (hex). Storing the same content twice keeps
    /// one copy.
    pub async fn put(&self, bytes: Bytes) -> anyhow::Result<String> {
        let sha = hex::encode(Sha256::digest(&bytes));
        self.inner
            .put(&Self::path(&sha), PutPayload::from_bytes(bytes))
            .await?;
        Ok(sha)
    }

    pub async fn get(&self, sha256: &str) -> anyhow::Result<Option<Bytes>> {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        match self.inner.get(&Self::path(sha256)).await {
            Ok(r) => Ok(Some(r.bytes().await?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn delete(&self, sha256: &str) -> anyhow::Result<()> {
        match self.inner.delete(&Self::path(sha256)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// The SHA-256 of every stored file (backups), in no particular order.
    pub async fn list(&self) -> anyhow::Result<Vec<String>> {
        use futures_util::TryStreamExt;
        let all: Vec<_> = self.inner.list(None).try_collect().await?;
        Ok(all
            .into_iter()
            .filter_map(|meta| meta.location.filename().map(str::to_string))
            .filter(|name| name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit()))
            .collect())
    }

    /// Deletes the files that no resource and no profile version uses and that were stored
    /// before `cutoff`: photos replaced before their deletion was automatic, a file whose
    /// deletion failed, one stored by a form that failed afterwards. The grace period keeps
    /// a file just stored by a request that has not written its row yet (storing the same
    /// content again renews its date). Returns how many were deleted.
    pub async fn sweep_unused(
        &self,
        store: &dyn catalyse_store::Store,
        cutoff: chrono::DateTime<chrono::Utc>,
    ) -> anyhow::Result<usize> {
        use futures_util::TryStreamExt;
        let all: Vec<_> = self.inner.list(None).try_collect().await?;
        let mut deleted = 0;
        for meta in all {
            let Some(sha) = meta.location.filename() else {
                continue;
            };
            if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
                continue;
            }
            if meta.last_modified >= cutoff || store.file_in_use(sha).await? {
                continue;
            }
            self.delete(sha).await?;
            deleted += 1;
        }
        Ok(deleted)
    }

    /// How many files are stored (tests and operations).
    pub async fn count(&self) -> anyhow::Result<usize> {
        use futures_util::TryStreamExt;
        let all: Vec<_> = self.inner.list(None).try_collect().await?;
        Ok(all.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_content_not_name() {
        assert_eq!(
            FileKind::detect(b"%PDF-1.7\n%\xe2\xe3"),
            Some(FileKind::Pdf)
        );
        assert_eq!(
            FileKind::detect(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some(FileKind::Png)
        );
        assert_eq!(
            FileKind::detect(b"\xff\xd8\xff\xe0\0\x10JFIF"),
            Some(FileKind::Jpeg)
        );
        let mut odt = b"PK\x03\x04".to_vec();
        odt.extend_from_slice(&[0; 26]);
        odt.extend_from_slice(b"mimetypeapplication/vnd.oasis.opendocument.textPK");
        assert_eq!(FileKind::detect(&odt), Some(FileKind::Odt));
        assert_eq!(FileKind::detect(b"MZ\x90\0 an executable"), None);
        assert_eq!(FileKind::detect(b"<html><script>"), None);
        assert_eq!(FileKind::detect(b""), None);
    }
}
