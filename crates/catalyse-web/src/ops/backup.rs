//! `catalyse backup FILE` and `catalyse restore FILE`: the whole platform in one `.tar.gz`.
//!
//! The archive holds, in this order:
//!
//! - `manifest.json` — the format (`catalyse-backup`, version 1), the platform's version, the
//!   date, the backend it was made on, the database's schema version, tables and sequences,
//!   and the SHA-256 and size of every other entry;
//! - `database/{table}.jsonl` — every table of the database (settings included), one JSON
//!   array per row, from one consistent snapshot (`catalyse_store::backup`);
//! - `files/{sha256}` — every uploaded file (resource documents, profile photos), read
//!   through the configured file store, local or S3;
//! - `badge-keys/{NNNN}.pk8` — the Open Badges issuer's private keys when they are files of
//!   the data folder (without them, no credential issued before could be verified after a
//!   restore on another machine). Keys given by `CATALYSE_BADGES_KEYS` stay with the
//!   configuration and are not archived.
//!
//! A backup runs beside the server. The files are copied before and after the database's
//! snapshot, so that a file uploaded meanwhile is there too.
//!
//! A restore checks the whole archive (manifest, versions, every checksum) before it changes
//! anything, refuses to overwrite a database that holds content unless told to, then puts the
//! files, replaces the database in one transaction, removes the files the backup does not
//! have, and rebuilds the search indexes. The search indexes are never archived: they are
//! derived from the database.

use crate::config::Config;
use crate::files::FileStore;
use anyhow::{anyhow, Context};
use catalyse_store::backup::{self as db, DatabaseDump};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// What the manifest's `format` says.
pub const FORMAT: &str = "catalyse-backup";
/// The archive layout's version: a restore refuses a newer one.
pub const FORMAT_VERSION: u32 = 1;
const MANIFEST: &str = "manifest.json";

/// The first entry of every backup.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    /// The version of Catalyse that made it.
    pub platform_version: String,
    /// Written as RFC 3339 in UTC (« 2024-05-01T10:00:00Z »); a manifest whose time does not
    /// read so is refused with the rest of a bad manifest.
    #[serde(with = "catalyse_core::time::z")]
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// `sqlite` or `postgres`.
    pub backend: String,
    pub database: DatabaseDump,
    /// `local` or `s3`: where the files came from (they restore into either).
    pub file_store: String,
    /// Settings of the configuration a restored platform should keep, for the record.
    pub config: ConfigRecord,
    /// Every entry after the manifest.
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ConfigRecord {
    pub public_url: Option<String>,
    pub oai_identifier: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    pub path: String,
    pub sha256: String,
    pub size: u64,
}

/// What a backup holds.
#[derive(Debug, Clone)]
pub struct Summary {
    pub tables: usize,
    pub rows: u64,
    pub files: usize,
    pub file_bytes: u64,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} table(s), {} row(s), {} file(s) ({} bytes)",
            self.tables, self.rows, self.files, self.file_bytes
        )
    }
}

impl Manifest {
    fn summary(&self) -> Summary {
        let files: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| e.path.starts_with("files/"))
            .collect();
        Summary {
            tables: self.database.tables.len(),
            rows: self.database.tables.iter().map(|t| t.rows).sum(),
            files: files.len(),
            file_bytes: files.iter().map(|e| e.size).sum(),
        }
    }

    /// The SHA-256 of every archived file.
    fn file_names(&self) -> BTreeSet<String> {
        self.entries
            .iter()
            .filter_map(|e| e.path.strip_prefix("files/"))
            .map(str::to_string)
            .collect()
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn is_sha256(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A folder beside `near` (same file system, so that nothing crosses devices), removed when
/// dropped.
fn staging(near: &Path, prefix: &str) -> anyhow::Result<tempfile::TempDir> {
    std::fs::create_dir_all(near).with_context(|| format!("cannot create {}", near.display()))?;
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir_in(near)
        .with_context(|| format!("cannot create a working folder in {}", near.display()))
}

fn folder_of(file: &Path) -> PathBuf {
    match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

// — Backup —

/// Copies the files the store holds and `staging/files` does not yet.
async fn copy_files(
    files: &FileStore,
    dir: &Path,
    copied: &mut BTreeMap<String, u64>,
) -> anyhow::Result<()> {
    for name in files.list().await? {
        if copied.contains_key(&name) {
            continue;
        }
        // Deleted since it was listed: it is no longer part of the platform.
        let Some(bytes) = files.get(&name).await? else {
            continue;
        };
        if sha256_hex(&bytes) != name.to_ascii_lowercase() {
            tracing::warn!(file = %name, "stored file does not match its checksum; kept as it is");
        }
        let path = dir.join(&name);
        tokio::fs::write(&path, &bytes)
            .await
            .with_context(|| format!("cannot write {}", path.display()))?;
        copied.insert(name, bytes.len() as u64);
    }
    Ok(())
}

/// Hashes a file whole.
fn hash_file(path: &Path) -> anyhow::Result<(String, u64)> {
    let mut file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), size))
}

/// Writes a backup of the platform configured by `config` to `out` (replaced only once the
/// archive is complete). Works while the server runs.
pub async fn backup(config: &Config, out: &Path) -> anyhow::Result<Summary> {
    let url = config.database_url();
    let backend = db::backend_of(&url)?;
    let files = FileStore::from_config(config)?;
    let folder = folder_of(out);
    let work = staging(&folder, ".catalyse-backup-")?;
    let files_dir = work.path().join("files");
    let db_dir = work.path().join("database");
    std::fs::create_dir_all(&files_dir)?;
    std::fs::create_dir_all(&db_dir)?;

    let mut copied = BTreeMap::new();
    copy_files(&files, &files_dir, &mut copied).await?;
    let database = db::dump(&url, &db_dir).await.with_context(|| {
        format!(
            "cannot read the database {}",
            catalyse_store::redact_url(&url)
        )
    })?;
    // Files uploaded while the database was read.
    copy_files(&files, &files_dir, &mut copied).await?;

    let mut entries = vec![];
    for t in &database.tables {
        let (sha256, size) = hash_file(&db_dir.join(t.file_name()))?;
        entries.push(Entry {
            path: format!("database/{}", t.file_name()),
            sha256,
            size,
        });
    }
    for name in copied.keys() {
        let (sha256, size) = hash_file(&files_dir.join(name))?;
        entries.push(Entry {
            path: format!("files/{name}"),
            sha256,
            size,
        });
    }
    entries.extend(copy_badge_keys(config, work.path())?);
    let manifest = Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        platform_version: env!("CARGO_PKG_VERSION").into(),
        created_at: chrono::Utc::now(),
        backend: db::backend_name(backend).into(),
        database,
        file_store: match config.files_url.as_deref() {
            Some(u) if u.starts_with("s3://") => "s3".into(),
            _ => "local".into(),
        },
        config: ConfigRecord {
            public_url: config.public_url.clone(),
            oai_identifier: config.oai_identifier.clone(),
        },
        entries,
    };
    let summary = manifest.summary();
    let out = out.to_path_buf();
    let partial = work.path().join("archive.tar.gz");
    let root = work.path().to_path_buf();
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        write_archive(&manifest, &root, &partial)?;
        // Renamed into place only when complete: `out` is a whole backup or untouched.
        std::fs::rename(&partial, &out).or_else(|_| {
            // Another file system: copy, then rename beside the destination.
            let beside = out.with_extension("partial");
            std::fs::copy(&partial, &beside)?;
            std::fs::rename(&beside, &out)
        })?;
        Ok(())
    })
    .await??;
    drop(work);
    Ok(summary)
}

fn write_archive(manifest: &Manifest, root: &Path, path: &Path) -> anyhow::Result<()> {
    // Accounts, sessions and personal data: readable by the owner only.
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    tar.mode(tar::HeaderMode::Deterministic);
    let json = serde_json::to_vec_pretty(manifest)?;
    append(&mut tar, MANIFEST, json.len() as u64, &json[..])?;
    for e in &manifest.entries {
        let source = root.join(&e.path);
        let file = std::fs::File::open(&source)
            .with_context(|| format!("cannot read {}", source.display()))?;
        append(&mut tar, &e.path, e.size, file)?;
    }
    let gz = tar.into_inner()?;
    let file = gz.finish()?;
    file.sync_all()?;
    Ok(())
}

fn append<W: Write>(
    tar: &mut tar::Builder<W>,
    path: &str,
    size: u64,
    data: impl Read,
) -> anyhow::Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_size(size);
    header.set_mode(0o644);
    header.set_entry_type(tar::EntryType::Regular);
    header.set_mtime(0);
    tar.append_data(&mut header, path, data)
        .with_context(|| format!("cannot add {path} to the archive"))
}

/// Copies the issuer's key files into `root/badge-keys/` (none when the keys come from the
/// configuration).
fn copy_badge_keys(config: &Config, root: &Path) -> anyhow::Result<Vec<Entry>> {
    if config
        .badges_keys
        .as_ref()
        .is_some_and(|k| !k.0.trim().is_empty())
    {
        return Ok(vec![]);
    }
    let dir = crate::badges::keys::key_dir(config);
    let mut names: Vec<String> = match std::fs::read_dir(&dir) {
        Ok(list) => list
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| is_key_name(n))
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => vec![],
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", dir.display())),
    };
    names.sort();
    let out = root.join(KEYS);
    std::fs::create_dir_all(&out)?;
    let mut entries = vec![];
    for name in names {
        let bytes = std::fs::read(dir.join(&name))?;
        std::fs::write(out.join(&name), &bytes)?;
        entries.push(Entry {
            path: format!("{KEYS}/{name}"),
            sha256: sha256_hex(&bytes),
            size: bytes.len() as u64,
        });
    }
    Ok(entries)
}

/// The archive's folder of the issuer's keys.
const KEYS: &str = "badge-keys";

/// A key file's name: `NNNN.pk8`.
fn is_key_name(name: &str) -> bool {
    name.strip_suffix(".pk8")
        .is_some_and(|n| n.len() == 4 && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Puts the archived keys in the key folder under their names. A key of the target already
/// there under the same name but different is kept under the next free number: every key
/// stays published.
fn restore_badge_keys(config: &Config, extracted: &Path) -> anyhow::Result<()> {
    let from = extracted.join(KEYS);
    let Ok(list) = std::fs::read_dir(&from) else {
        return Ok(());
    };
    let dir = crate::badges::keys::key_dir(config);
    std::fs::create_dir_all(&dir)?;
    let mut names: Vec<String> = list
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    for name in names {
        let bytes = std::fs::read(from.join(&name))?;
        let target = dir.join(&name);
        match std::fs::read(&target) {
            Ok(existing) if existing == bytes => continue,
            Ok(existing) => {
                let moved = (1..10_000u32)
                    .map(|n| format!("{n:04}.pk8"))
                    .find(|n| !dir.join(n).exists() && !from.join(n).exists())
                    .map(|n| dir.join(n))
                    .ok_or_else(|| anyhow!("{}: too many keys", dir.display()))?;
                write_private(&moved, &existing)?;
            }
            Err(_) => {}
        }
        write_private(&target, &bytes)?;
    }
    Ok(())
}

/// Writes a file readable by its owner only.
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

// — Restore —

/// Why a restore did not happen; nothing was changed in every case.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("{file} is not a Catalyse backup: {why}")]
    NotABackup { file: String, why: String },
    #[error("{file} cannot be restored by this version of Catalyse: {why}")]
    Incompatible { file: String, why: String },
    #[error("{file} is damaged: {why}")]
    Damaged { file: String, why: String },
    #[error(
        "the target is not empty ({what}): restoring replaces all of it with the backup; \
         run again with --yes to do so"
    )]
    NotEmpty { what: String },
}

/// What a restore did.
#[derive(Debug, Clone)]
pub struct Restored {
    pub manifest: Manifest,
    pub summary: Summary,
    pub files_removed: usize,
    pub published_resources: u64,
    pub listed_members: u64,
}

/// Reads and checks the manifest, the first entry of `archive`.
pub fn read_manifest(archive: &Path) -> anyhow::Result<Manifest> {
    let file = std::fs::File::open(archive)
        .with_context(|| format!("cannot read {}", archive.display()))?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let name = archive.display().to_string();
    let not_a_backup = |why: &str| Refusal::NotABackup {
        file: name.clone(),
        why: why.into(),
    };
    let mut entries = tar
        .entries()
        .map_err(|_| not_a_backup("not a gzip-compressed tar archive"))?;
    let mut first = match entries.next() {
        Some(Ok(e)) => e,
        _ => return Err(not_a_backup("not a gzip-compressed tar archive").into()),
    };
    if first.path().ok().as_deref() != Some(Path::new(MANIFEST)) {
        return Err(not_a_backup("it does not begin with manifest.json").into());
    }
    let mut text = String::new();
    first
        .by_ref()
        .take(64 << 20)
        .read_to_string(&mut text)
        .map_err(|_| not_a_backup("its manifest.json cannot be read"))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|_| not_a_backup("its manifest.json is not JSON"))?;
    if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(not_a_backup("its manifest does not say format « catalyse-backup »").into());
    }
    let version = value
        .get("format_version")
        .and_then(|v| v.as_u64())
        .ok_or_else(|| not_a_backup("its manifest has no format_version"))?;
    if version > u64::from(FORMAT_VERSION) {
        return Err(Refusal::Incompatible {
            file: name.clone(),
            why: format!(
                "it is in backup format {version}, made by a newer Catalyse (this one reads \
                 format {FORMAT_VERSION} and older)"
            ),
        }
        .into());
    }
    serde_json::from_value(value).map_err(|e| {
        Refusal::Damaged {
            file: name.clone(),
            why: format!("its manifest is incomplete: {e}"),
        }
        .into()
    })
}

/// Extracts every entry after the manifest into `dir`, checking each against the manifest.
fn extract(archive: &Path, manifest: &Manifest, dir: &Path) -> Result<(), Refusal> {
    let name = archive.display().to_string();
    let damaged = |why: String| Refusal::Damaged {
        file: name.clone(),
        why,
    };
    let expected: BTreeMap<&str, &Entry> = manifest
        .entries
        .iter()
        .map(|e| (e.path.as_str(), e))
        .collect();
    for e in &manifest.entries {
        let ok = match e.path.split_once('/') {
            Some(("database", t)) => manifest.database.tables.iter().any(|x| x.file_name() == t),
            Some(("files", f)) => is_sha256(f),
            Some((KEYS, k)) => is_key_name(k),
            _ => false,
        };
        if !ok {
            return Err(damaged(format!(
                "unexpected entry {} in the manifest",
                e.path
            )));
        }
    }
    for t in &manifest.database.tables {
        if !expected.contains_key(format!("database/{}", t.file_name()).as_str()) {
            return Err(damaged(format!("table {} is missing", t.name)));
        }
    }
    std::fs::create_dir_all(dir.join("database")).map_err(|e| damaged(e.to_string()))?;
    std::fs::create_dir_all(dir.join("files")).map_err(|e| damaged(e.to_string()))?;
    std::fs::create_dir_all(dir.join(KEYS)).map_err(|e| damaged(e.to_string()))?;
    let file = std::fs::File::open(archive).map_err(|e| damaged(e.to_string()))?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut seen = BTreeSet::new();
    let entries = tar.entries().map_err(|e| damaged(e.to_string()))?;
    for (i, entry) in entries.enumerate() {
        let mut entry = entry.map_err(|e| damaged(format!("cut off or corrupt ({e})")))?;
        let path = entry
            .path()
            .map_err(|e| damaged(e.to_string()))?
            .to_string_lossy()
            .into_owned();
        if i == 0 {
            continue; // the manifest, already read
        }
        let Some(want) = expected.get(path.as_str()) else {
            return Err(damaged(format!("entry {path} is not in the manifest")));
        };
        if !seen.insert(path.clone()) {
            return Err(damaged(format!("entry {path} appears twice")));
        }
        // The path was checked above: `database/x.jsonl`, `files/{sha256}` or
        // `badge-keys/NNNN.pk8`, nothing else.
        let target = dir.join(&path);
        let mut out = std::fs::File::create(&target).map_err(|e| damaged(e.to_string()))?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 16];
        let mut size = 0u64;
        loop {
            let n = entry
                .read(&mut buf)
                .map_err(|e| damaged(format!("cut off or corrupt ({e})")))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            out.write_all(&buf[..n])
                .map_err(|e| damaged(e.to_string()))?;
            size += n as u64;
        }
        if size != want.size || hex::encode(hasher.finalize()) != want.sha256 {
            return Err(damaged(format!(
                "{path} does not match the checksum in its manifest"
            )));
        }
    }
    if let Some(missing) = expected.keys().find(|p| !seen.contains(**p)) {
        return Err(damaged(format!("entry {missing} is missing (cut off?)")));
    }
    Ok(())
}

/// Replaces the database and files of the platform configured by `config` with the backup
/// `archive`, then rebuilds the search indexes. Stop the server first.
///
/// Refuses, changing nothing, a file that is not a Catalyse backup, a damaged one, one made
/// by a newer Catalyse, and — unless `replace` — a target that already holds content.
pub async fn restore(config: &Config, archive: &Path, replace: bool) -> anyhow::Result<Restored> {
    let url = config.database_url();
    let backend = db::backend_of(&url)?;
    let path = archive.to_path_buf();
    let manifest = tokio::task::spawn_blocking(move || read_manifest(&path)).await??;
    db::check_compatible(&manifest.database, backend).map_err(|why| Refusal::Incompatible {
        file: archive.display().to_string(),
        why,
    })?;

    // Everything is read and checked before anything changes.
    let work = staging(&config.data_dir, ".catalyse-restore-")?;
    {
        let (archive, manifest, dir) = (
            archive.to_path_buf(),
            manifest.clone(),
            work.path().to_path_buf(),
        );
        tokio::task::spawn_blocking(move || extract(&archive, &manifest, &dir)).await??;
    }

    let files = FileStore::from_config(config)?;
    let archived = manifest.file_names();
    let present: BTreeSet<String> = files.list().await?.into_iter().collect();
    let extra: Vec<&String> = present.difference(&archived).collect();
    let content = db::content(&url).await.with_context(|| {
        format!(
            "cannot read the database {}",
            catalyse_store::redact_url(&url)
        )
    })?;
    if !replace && (!content.is_empty() || !extra.is_empty()) {
        let mut what: Vec<String> = content
            .iter()
            .map(|(t, n)| format!("{t}: {n} row(s)"))
            .collect();
        if !extra.is_empty() {
            what.push(format!("{} file(s) not in the backup", extra.len()));
        }
        return Err(Refusal::NotEmpty {
            what: what.join(", "),
        }
        .into());
    }

    // 1. Files first: adding them changes nothing the current database sees.
    let mut added = vec![];
    for name in &archived {
        if present.contains(name) {
            continue;
        }
        let bytes = tokio::fs::read(work.path().join("files").join(name)).await?;
        let stored = files.put(bytes.into()).await?;
        if &stored != name {
            tracing::warn!(file = %name, "archived file stored under its actual checksum {stored}");
        }
        added.push(stored);
    }
    // 2. The database, in one transaction.
    if let Err(e) = db::load(&url, &manifest.database, &work.path().join("database")).await {
        // Taken back, so that the file store too is as it was.
        for name in &added {
            let _ = files.delete(name).await;
        }
        return Err(anyhow::Error::new(e)
            .context("the database could not be restored; it was left as it was"));
    }
    // 3. The files the backup does not have.
    for name in &extra {
        files.delete(name).await?;
    }
    // 4. The issuer's keys, before the start below would make a first one.
    restore_badge_keys(config, work.path())?;
    drop(work);

    // 5. The search indexes are derived data: emptied, they are rebuilt from the database by
    // the start-up below (and by every instance's next start).
    for index in ["index", "members-index"] {
        let dir = config.data_dir.join(index);
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(anyhow!("cannot remove {}: {e}", dir.display())),
        }
    }
    let state = crate::prepare(Config {
        demo: false,
        ..config.clone()
    })
    .await?;
    let published = crate::resources::index::reindex(&state).await? as u64;
    let listed_members = state.members.len();
    state.store.close().await;
    let summary = manifest.summary();
    Ok(Restored {
        summary,
        files_removed: extra.len(),
        published_resources: published,
        listed_members,
        manifest,
    })
}

/// Whether something answers on the configured address (a server that should be stopped
/// before a restore).
pub async fn server_answers(config: &Config) -> bool {
    matches!(
        tokio::time::timeout(
            std::time::Duration::from_millis(500),
            tokio::net::TcpStream::connect(&config.bind),
        )
        .await,
        Ok(Ok(_))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_a_backup() {
        let dir = tempfile::tempdir().unwrap();
        let junk = dir.path().join("junk.tar.gz");
        std::fs::write(&junk, b"PK\x03\x04 not a tar.gz at all").unwrap();
        let e = read_manifest(&junk).unwrap_err().to_string();
        assert!(e.contains("is not a Catalyse backup"), "{e}");

        // A tar.gz of something else.
        let other = dir.path().join("other.tar.gz");
        let gz = flate2::write::GzEncoder::new(
            std::fs::File::create(&other).unwrap(),
            flate2::Compression::fast(),
        );
        let mut tar = tar::Builder::new(gz);
        append(&mut tar, "notes.txt", 5, &b"hello"[..]).unwrap();
        tar.into_inner().unwrap().finish().unwrap();
        let e = read_manifest(&other).unwrap_err().to_string();
        assert!(e.contains("does not begin with manifest.json"), "{e}");
    }
}
