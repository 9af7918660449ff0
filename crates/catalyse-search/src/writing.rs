//! Writing to an index, shared by the resource and member indexes: one writer at a time in
//! this process (a mutex), a wait when another process holds tantivy's lock, and readers
//! reloaded before a write returns, so that what was written is searchable at once.

use crate::SearchError;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tantivy::directory::error::LockError;
use tantivy::{Index, IndexReader, IndexWriter, TantivyDocument, TantivyError};

/// Memory of the writer for small changes, and for a whole rebuild.
const WRITER_MEMORY: usize = 15_000_000;
const REBUILD_WRITER_MEMORY: usize = 48_000_000;
/// How long a write waits for another process's writer before giving up.
const WRITER_LOCK_WAIT: Duration = Duration::from_secs(10);

/// An index with its reader and the lock of its writers.
pub(crate) struct Writing<'a> {
    pub index: &'a Index,
    pub reader: &'a IndexReader,
    pub lock: &'a Mutex<()>,
}

impl Writing<'_> {
    /// Replaces the whole content with `docs`, then merges into one segment (the fastest to
    /// search).
    pub fn replace_all(
        &self,
        docs: impl IntoIterator<Item = TantivyDocument>,
    ) -> Result<(), SearchError> {
        let _writing = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, 2);
        let mut writer = self.writer(threads, REBUILD_WRITER_MEMORY)?;
        // No background merges: one explicit merge at the end.
        writer.set_merge_policy(Box::new(tantivy::merge_policy::NoMergePolicy));
        writer.delete_all_documents()?;
        for doc in docs {
            writer.add_document(doc)?;
        }
        writer.commit()?;
        let segments = self.index.searchable_segment_ids()?;
        if segments.len() > 1 {
            writer.merge(&segments).wait()?;
        }
        writer.wait_merging_threads()?;
        self.reader.reload()?;
        Ok(())
    }

    /// A small change, committed and visible when this returns.
    pub fn write(
        &self,
        change: impl FnOnce(&IndexWriter) -> Result<(), SearchError>,
    ) -> Result<(), SearchError> {
        let _writing = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let mut writer = self.writer(1, WRITER_MEMORY)?;
        change(&writer)?;
        writer.commit()?;
        writer.wait_merging_threads()?;
        self.reader.reload()?;
        Ok(())
    }

    /// A writer, waiting a while if another process holds the index's lock.
    fn writer(&self, threads: usize, memory: usize) -> Result<IndexWriter, SearchError> {
        let started = Instant::now();
        loop {
            match self.index.writer_with_num_threads(threads, memory) {
                Ok(writer) => return Ok(writer),
                Err(TantivyError::LockFailure(LockError::LockBusy, _)) => {
                    if started.elapsed() > WRITER_LOCK_WAIT {
                        return Err(SearchError::Busy);
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
}
