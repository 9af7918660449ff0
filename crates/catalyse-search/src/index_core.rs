//! What the resource, member and case indexes share: a tantivy index in a directory of its own
//! (or in memory) marked with its schema version, the French analysers, a reader, writes by id,
//! the version of the source it was built from, a value kept per searcher generation, and the
//! small pieces of schema and documents they all build.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tantivy::schema::Value;
use tantivy::schema::{Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, IndexReader, ReloadPolicy, Searcher, TantivyDocument, Term};

use crate::analysis;
use crate::query::{analyse_query, Analysed};
use crate::writing::Writing;
use crate::SearchError;

/// Which directories an index takes as its own, wiping them when they are out of date.
pub(crate) enum Claim {
    /// A directory bearing the mark, or holding any tantivy index (`meta.json`). The mark is
    /// written once the index is created.
    MarkOrIndex,
    /// Only a directory bearing the mark: another index's directory is refused. The mark is
    /// written first, so that an interrupted creation is still ours at the next opening.
    Mark,
}

/// How one kind of index lives on disk and is read.
pub(crate) struct Kind {
    /// File of the index directory holding [`Kind::version`].
    pub mark: &'static str,
    /// Schema version: an index of another one is wiped.
    pub version: u32,
    pub claim: Claim,
    /// Decompressed blocks of stored documents the reader caches; `None`: tantivy's default.
    pub doc_cache_blocks: Option<usize>,
}

/// A tantivy index with its reader, analysers and the lock of its writers. Documents have an
/// `i64` id field, by which they are replaced and removed.
pub(crate) struct IndexCore {
    index: Index,
    reader: IndexReader,
    id: Field,
    /// The French analysis of the stemmed fields.
    pub analyzer: TextAnalyzer,
    /// The French analysis without stemming, of the exact word forms.
    pub exact_analyzer: TextAnalyzer,
    stemmer: TextAnalyzer,
    /// One writer at a time in this process (tantivy's lock file covers other processes).
    writing: Mutex<()>,
    /// Where the version of the source the index was built from is noted.
    built_from: BuiltFrom,
}

/// The version of the source (the store's) an index was built from: a file of the index's
/// directory ([`BUILT_FROM_FILE`]), wiped with the index; in memory for an index in memory.
enum BuiltFrom {
    File(PathBuf),
    Memory(Mutex<Option<String>>),
}

/// File of an index directory noting the version of the source it was built from (the name
/// the web crate gives it beside the resource index).
pub(crate) const BUILT_FROM_FILE: &str = "catalyse-version";

impl IndexCore {
    /// Opens an index of `kind` with the schema and fields `(schema, fields)`, documents
    /// identified by their field `id(&fields)`: in `dir` (see [`IndexCore::open_in`]), or, without
    /// one, empty in memory. Returns it with its fields. Every index opens this way.
    pub fn open<F>(
        dir: Option<&Path>,
        (schema, fields): (Schema, F),
        id: impl FnOnce(&F) -> Field,
        kind: &Kind,
    ) -> Result<(Self, F), SearchError> {
        let id = id(&fields);
        let core = match dir {
            Some(dir) => Self::open_in(dir, schema, id, kind)?,
            None => Self::in_memory(schema, id, kind)?,
        };
        Ok((core, fields))
    }

    /// Opens the index in `dir` (created if needed). An index of another schema version, or a
    /// damaged one, is wiped and recreated empty; a non-empty directory that is not ours (see
    /// [`Claim`]) is refused ([`SearchError::NotAnIndex`]).
    fn open_in(dir: &Path, schema: Schema, id: Field, kind: &Kind) -> Result<Self, SearchError> {
        fs::create_dir_all(dir)?;
        let version_path = dir.join(kind.mark);
        let stored_version = fs::read_to_string(&version_path).ok();
        let has_meta = dir.join("meta.json").exists();
        let current =
            stored_version.as_deref().map(str::trim) == Some(kind.version.to_string().as_str());
        let existing = if has_meta && current {
            match Index::open_in_dir(dir) {
                Ok(index) if index.schema() == schema => Some(index),
                _ => None,
            }
        } else {
            None
        };
        let index = match existing {
            Some(index) => index,
            None => {
                let ours = match kind.claim {
                    Claim::MarkOrIndex => has_meta || stored_version.is_some(),
                    Claim::Mark => stored_version.is_some(),
                };
                if ours {
                    wipe(dir)?;
                } else if fs::read_dir(dir)?.next().is_some() {
                    return Err(SearchError::NotAnIndex(dir.to_path_buf()));
                }
                let mark = format!("{}\n", kind.version);
                match kind.claim {
                    Claim::MarkOrIndex => {
                        let index = Index::builder().schema(schema).create_in_dir(dir)?;
                        fs::write(&version_path, mark)?;
                        index
                    }
                    Claim::Mark => {
                        fs::write(&version_path, mark)?;
                        Index::builder().schema(schema).create_in_dir(dir)?
                    }
                }
            }
        };
        let built_from = BuiltFrom::File(dir.join(BUILT_FROM_FILE));
        Self::with_index(index, id, kind, ReloadPolicy::OnCommitWithDelay, built_from)
    }

    /// An empty index in memory.
    fn in_memory(schema: Schema, id: Field, kind: &Kind) -> Result<Self, SearchError> {
        let index = Index::builder().schema(schema).create_in_ram()?;
        let built_from = BuiltFrom::Memory(Mutex::new(None));
        Self::with_index(index, id, kind, ReloadPolicy::Manual, built_from)
    }

    fn with_index(
        index: Index,
        id: Field,
        kind: &Kind,
        reload: ReloadPolicy,
        built_from: BuiltFrom,
    ) -> Result<Self, SearchError> {
        let analyzer = analysis::french();
        let exact_analyzer = analysis::french_exact();
        index
            .tokenizers()
            .register(analysis::FRENCH, analyzer.clone());
        index
            .tokenizers()
            .register(analysis::FRENCH_EXACT, exact_analyzer.clone());
        let mut reader = index.reader_builder().reload_policy(reload);
        if let Some(blocks) = kind.doc_cache_blocks {
            reader = reader.doc_store_cache_num_blocks(blocks);
        }
        Ok(IndexCore {
            reader: reader.try_into()?,
            index,
            id,
            analyzer,
            exact_analyzer,
            stemmer: analysis::stemmer(),
            writing: Mutex::new(()),
            built_from,
        })
    }

    /// Replaces the whole content with `docs`.
    pub fn replace_all(
        &self,
        docs: impl IntoIterator<Item = TantivyDocument>,
    ) -> Result<(), SearchError> {
        self.writing().replace_all(docs)
    }

    /// Replaces the whole content with `docs`, built from version `version` of their source,
    /// noted once the index holds them (and forgotten meanwhile: an interrupted rebuild leaves
    /// no version, so it is done again).
    pub fn rebuild(
        &self,
        docs: impl IntoIterator<Item = TantivyDocument>,
        version: &str,
    ) -> Result<(), SearchError> {
        self.forget_built_from()?;
        self.replace_all(docs)?;
        self.note_built_from(version)
    }

    /// Like [`IndexCore::rebuild`], from documents made into tantivy ones by `document`: an id
    /// (`id` of a document) given twice is indexed once, with its first document.
    pub fn rebuild_unique<D>(
        &self,
        docs: impl IntoIterator<Item = D>,
        id: impl Fn(&D) -> i64,
        document: impl Fn(&D) -> TantivyDocument,
        version: &str,
    ) -> Result<(), SearchError> {
        let mut seen = HashSet::new();
        let docs = docs
            .into_iter()
            .filter(move |d| seen.insert(id(d)))
            .map(move |d| document(&d));
        self.rebuild(docs, version)
    }

    /// The version of the source the index holds, as last noted; `None` when never noted,
    /// or when the index was created or wiped since.
    pub fn built_from(&self) -> Option<String> {
        match &self.built_from {
            BuiltFrom::File(path) => fs::read_to_string(path).ok(),
            BuiltFrom::Memory(version) => version.lock().unwrap_or_else(|e| e.into_inner()).clone(),
        }
    }

    /// Notes that the index holds version `version` of its source.
    pub fn note_built_from(&self, version: &str) -> Result<(), SearchError> {
        match &self.built_from {
            BuiltFrom::File(path) => {
                // Written whole or not at all.
                let fresh = path.with_extension("new");
                fs::write(&fresh, version)?;
                fs::rename(&fresh, path)?;
            }
            BuiltFrom::Memory(kept) => {
                *kept.lock().unwrap_or_else(|e| e.into_inner()) = Some(version.to_string());
            }
        }
        Ok(())
    }

    fn forget_built_from(&self) -> Result<(), SearchError> {
        match &self.built_from {
            BuiltFrom::File(path) => match fs::remove_file(path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
                _ => Ok(()),
            },
            BuiltFrom::Memory(kept) => {
                *kept.lock().unwrap_or_else(|e| e.into_inner()) = None;
                Ok(())
            }
        }
    }

    /// Adds `doc`, replacing the document of id `id`. Searchable when this returns.
    pub fn upsert(&self, id: i64, doc: TantivyDocument) -> Result<(), SearchError> {
        self.writing().write(|writer| {
            writer.delete_term(Term::from_field_i64(self.id, id));
            writer.add_document(doc)?;
            Ok(())
        })
    }

    /// Removes the document of id `id`, if indexed. Gone from results when this returns.
    pub fn remove(&self, id: i64) -> Result<(), SearchError> {
        self.writing().write(|writer| {
            writer.delete_term(Term::from_field_i64(self.id, id));
            Ok(())
        })
    }

    fn writing(&self) -> Writing<'_> {
        Writing {
            index: &self.index,
            reader: &self.reader,
            lock: &self.writing,
        }
    }

    /// Number of indexed documents.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    /// The words of what a user typed, analysed as the index's text fields.
    pub fn analyse(&self, text: &str) -> Analysed {
        analyse_query(&self.exact_analyzer, &self.stemmer, text)
    }
}

/// Options of a text field indexed with `tokenizer` (not stored).
pub(crate) fn text_options(tokenizer: &str, record: IndexRecordOption) -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(record),
    )
}

/// Adds `text` to `field`, trimmed, unless it is blank.
pub(crate) fn add_trimmed(doc: &mut TantivyDocument, field: Field, text: &str) {
    let text = text.trim();
    if !text.is_empty() {
        doc.add_text(field, text);
    }
}

/// The first value of a stored text field of `doc`, or "".
pub(crate) fn stored_text(doc: &TantivyDocument, field: Field) -> String {
    doc.get_first(field)
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Adds each of `values` to the key field `field` once, trimmed, blank ones left out: a value
/// given twice would be counted twice in the facets.
pub(crate) fn add_keys<'v>(
    doc: &mut TantivyDocument,
    field: Field,
    values: impl IntoIterator<Item = &'v str>,
) {
    let mut seen: Vec<&str> = Vec::new();
    for value in values.into_iter().map(str::trim).filter(|v| !v.is_empty()) {
        if !seen.contains(&value) {
            seen.push(value);
            doc.add_text(field, value);
        }
    }
}

/// A value computed from the whole index (its facet counts), kept for one searcher generation:
/// computed again after a write.
pub(crate) struct PerGeneration<T> {
    kept: Mutex<Option<(u64, T)>>,
}

impl<T> Default for PerGeneration<T> {
    fn default() -> Self {
        PerGeneration {
            kept: Mutex::new(None),
        }
    }
}

impl<T: Clone> PerGeneration<T> {
    /// The value kept for `searcher`'s generation, else `compute`d (from `searcher`) and kept.
    pub fn get_or_compute(
        &self,
        searcher: &Searcher,
        compute: impl FnOnce() -> Result<T, SearchError>,
    ) -> Result<T, SearchError> {
        let generation = searcher.generation().generation_id();
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((kept_generation, value)) = kept.as_ref() {
            if *kept_generation == generation {
                return Ok(value.clone());
            }
        }
        let value = compute()?;
        *kept = Some((generation, value.clone()));
        Ok(value)
    }
}

/// Removes the content of an index directory.
fn wipe(dir: &Path) -> Result<(), SearchError> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            fs::remove_dir_all(&path)?;
        } else {
            fs::remove_file(&path)?;
        }
    }
    Ok(())
}

/// The methods every index of this crate has the same way, written once: opening it (in a
/// directory or in memory), writing and removing one document by id, counting, and its
/// `Debug`. `$index` holds `core: IndexCore` and has `fn opened(Option<&Path>) -> Result<Self,
/// SearchError>` and `fn document(&self, &$doc) -> TantivyDocument`; `$doc` has `id: i64`;
/// `$what` names one document (« need »). With `versioned`, also the rebuild from a version
/// of the store (an id given twice is indexed once, with its first document) and that
/// version, for the indexes the server rebuilds only when the store changed.
macro_rules! keyed_index {
    ($index:ident, $doc:ty, $what:literal) => {
        impl std::fmt::Debug for $index {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($index))
                    .field("documents", &self.len())
                    .finish()
            }
        }

        impl $index {
            #[doc = concat!(
                "Opens the index in `dir` (created if needed; its own directory, not another \
                 index's). An index of another schema version, or a damaged one, is wiped and \
                 recreated empty; a non-empty directory that was never a ", $what,
                " index is refused ([`crate::SearchError::NotAnIndex`]) rather than wiped."
            )]
            pub fn open(dir: &std::path::Path) -> Result<$index, crate::SearchError> {
                Self::opened(Some(dir))
            }

            /// An empty index in memory (tests, or when no data directory is configured).
            pub fn in_memory() -> Result<$index, crate::SearchError> {
                Self::opened(None)
            }

            #[doc = concat!(
                "Adds `doc`, or replaces the ", $what, " with its id (committed: searchable, \
                 and counted, when this returns)."
            )]
            pub fn upsert(&self, doc: &$doc) -> Result<(), crate::SearchError> {
                self.core.upsert(doc.id, self.document(doc))
            }

            #[doc = concat!(
                "Removes the ", $what, " with this id, if indexed (committed: gone from results \
                 and counts when this returns)."
            )]
            pub fn remove(&self, id: i64) -> Result<(), crate::SearchError> {
                self.core.remove(id)
            }

            /// Number of indexed documents.
            pub fn len(&self) -> u64 {
                self.core.len()
            }

            pub fn is_empty(&self) -> bool {
                self.len() == 0
            }
        }
    };
    (versioned $index:ident, $doc:ty, $what:literal) => {
        $crate::index_core::keyed_index!($index, $doc, $what);

        impl $index {
            #[doc = concat!(
                "Replaces the whole content with `docs` (the public ", $what, "s, given one at a \
                 time so that a large base is indexed without holding it in memory), built from \
                 version `store_version` of the store, which `built_from` then returns. An id \
                 given twice is indexed once, with its first document. Searchable when this \
                 returns."
            )]
            pub fn rebuild(
                &self,
                docs: impl IntoIterator<Item = $doc>,
                store_version: &str,
            ) -> Result<(), crate::SearchError> {
                self.core
                    .rebuild_unique(docs, |d| d.id, |d| self.document(d), store_version)
            }

            /// The version of the store the index holds, as given to `rebuild` or
            /// `note_built_from`; `None` when the index was (re)created since, or a rebuild did
            /// not finish: then it must be rebuilt.
            pub fn built_from(&self) -> Option<String> {
                self.core.built_from()
            }

            /// Notes that the index holds version `store_version` of the store (after following
            /// a change with `upsert` or `remove`).
            pub fn note_built_from(&self, store_version: &str) -> Result<(), crate::SearchError> {
                self.core.note_built_from(store_version)
            }
        }
    };
}
pub(crate) use keyed_index;
