//! The index stage: documents of appended records go into tantivy, which is
//! committed about once a second and repaired from the segments after a
//! failure.
//!
//! The index is derived data, so it never holds up or fails an append:
//! either the appending thread adds documents itself (`inline`, the default,
//! for tools and tests), or, after [`Store::detach_indexer`], appends hand
//! them to a bounded queue and [`Store::run_indexer`] adds and commits them
//! on a thread of the caller's. A commit can take hundreds of milliseconds;
//! detached, it no longer stalls the appender. The bounded queue is the
//! backpressure: an index that cannot keep up slows appends rather than
//! growing memory.

use crate::error::StoreError;
use crate::index;
use crate::store::{Store, Writer};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender};
use std::time::{Duration, Instant};
use tantivy::{Index, IndexWriter, TantivyDocument, Term};

/// The index writer and how far it got.
pub(crate) struct Indexer {
    writer: IndexWriter,
    handle: Index,
    threads: usize,
    heap: usize,
    /// A rollback failed half-way: the writer lost its lock and must be replaced.
    writer_lost: bool,
    /// Every seq below this has been added.
    pub(crate) indexed_next: u64,
    pub(crate) committed_next: u64,
    /// Records the store holds (the next seq), as last reported by an append.
    pub(crate) store_next: u64,
    last_commit: Instant,
    last_repair: Instant,
    commit_ms: u64,
}

/// Work for a detached index stage.
pub(crate) enum IndexJob {
    /// Documents of records `first..next`; `next` is the store's next seq.
    Docs(Vec<(u64, TantivyDocument)>, u64),
    /// Commit everything received so far, then answer.
    Flush(SyncSender<Result<(), String>>),
}

/// The receiving end of a detached index stage; pass it to [`Store::run_indexer`].
pub struct IndexQueue(Receiver<IndexJob>);

impl Indexer {
    pub(crate) fn new(
        writer: IndexWriter,
        handle: Index,
        threads: usize,
        heap: usize,
        next: u64,
        commit_ms: u64,
    ) -> Indexer {
        Indexer {
            writer,
            handle,
            threads,
            heap,
            writer_lost: false,
            indexed_next: next,
            committed_next: next,
            store_next: next,
            last_commit: Instant::now(),
            last_repair: Instant::now(),
            commit_ms,
        }
    }

    fn commit_due(&self) -> bool {
        self.indexed_next > self.committed_next
            && self.last_commit.elapsed().as_millis() as u64 >= self.commit_ms
    }

    pub(crate) fn delete_range(
        &mut self,
        field: tantivy::schema::Field,
        from: u64,
        to: Option<u64>,
    ) {
        let q = tantivy::query::RangeQuery::new(
            std::ops::Bound::Included(Term::from_field_u64(field, from)),
            to.map_or(std::ops::Bound::Unbounded, |t| {
                std::ops::Bound::Excluded(Term::from_field_u64(field, t))
            }),
        );
        let _ = self.writer.delete_query(Box::new(q));
    }

    /// Replaces the writer by one at the last commit: tantivy's rollback,
    /// or (when a rollback failed half-way and the writer lost its directory
    /// lock) a writer opened anew. Either can fail while the disk is full;
    /// the next repair tries again.
    fn fresh_writer(&mut self) -> Result<(), String> {
        if self.writer_lost {
            let writer = self
                .handle
                .writer_with_num_threads(self.threads, self.heap)
                .map_err(|e| e.to_string())?;
            self.writer = writer;
            self.writer_lost = false;
            return Ok(());
        }
        // A rollback that fails after taking the writer's lock leaves it
        // without one, and a second rollback would panic: never try twice.
        let rolled =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.writer.rollback()));
        match rolled {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => {
                self.writer_lost = true;
                Err(e.to_string())
            }
            Err(_) => {
                self.writer_lost = true;
                Err("restarting the index writer panicked".into())
            }
        }
    }
}

impl Store {
    fn indexer(&self) -> Option<std::sync::MutexGuard<'_, Indexer>> {
        self.indexer
            .as_ref()
            .map(|m| m.lock().unwrap_or_else(|p| p.into_inner()))
    }

    pub(crate) fn set_index_fault(&self, fault: Option<String>) {
        if let Ok(mut f) = self.index_fault.lock() {
            *f = fault;
        }
    }

    /// Why the index lags the segments, while it does (cheap: no disk access).
    pub fn index_fault(&self) -> Option<String> {
        self.index_fault.lock().ok().and_then(|f| f.clone())
    }

    /// Hands the documents of just-stored records to the index stage. Called
    /// with the writer lock held; `w` is there to sync before an inline commit.
    /// Returns the index fault, if the index is failed (the records are
    /// stored all the same and become searchable once it is repaired).
    pub(crate) fn index_docs(
        &self,
        w: &mut Writer,
        docs: Vec<(u64, TantivyDocument)>,
        next: u64,
    ) -> Option<String> {
        let queue = self.index_queue.lock().ok().and_then(|q| q.clone());
        if let Some(q) = queue {
            // Blocks while the stage is behind: backpressure, not memory.
            if q.send(IndexJob::Docs(docs, next)).is_err() {
                self.set_index_fault(Some("the index stage has stopped".into()));
            }
            return self.index_fault();
        }
        let mut ix = self.indexer()?;
        ix.store_next = next;
        if let Some(fault) = self.index_fault() {
            return Some(fault);
        }
        let result = (|| -> Result<(), StoreError> {
            for (_, doc) in docs {
                ix.writer.add_document(doc)?;
            }
            ix.indexed_next = next;
            if ix.commit_due() {
                self.commit_index(&mut ix, Some(w))?;
            }
            Ok(())
        })();
        result.err().map(|e| {
            let fault = e.to_string();
            self.set_index_fault(Some(fault.clone()));
            fault
        })
    }

    /// Commits the index. The index must never point at records that are
    /// not on disk: the active segment is synced first when `w` is given
    /// (inline), or when the writer lock is free (detached; a commit that
    /// names unsynced records is cleaned up on open, which deletes index
    /// documents past the segments).
    pub(crate) fn commit_index(
        &self,
        ix: &mut Indexer,
        w: Option<&mut Writer>,
    ) -> Result<(), StoreError> {
        match w {
            Some(w) => self.sync_active(w)?,
            None => {
                if let Some(m) = &self.writer
                    && let Ok(mut w) = m.try_lock()
                {
                    self.sync_active(&mut w)?;
                }
            }
        }
        let next = ix.indexed_next;
        let mut prepared = ix.writer.prepare_commit()?;
        prepared.set_payload(&format!("next_seq={next}"));
        prepared.commit()?;
        ix.committed_next = next;
        ix.last_commit = Instant::now();
        self.reader.reload()?;
        Ok(())
    }

    /// Upkeep of an inline index, from `tick`: repair after a failure, and
    /// commit once `index_commit_ms` has passed without an append, so the
    /// last batch before a quiet spell becomes searchable.
    pub(crate) fn index_tick(&self, w: &mut Writer) {
        if self.index_queue.lock().is_ok_and(|q| q.is_some()) {
            return;
        }
        let Some(mut ix) = self.indexer() else { return };
        ix.store_next = w.next_seq;
        if self.index_fault().is_some() {
            self.repair_index(&mut ix, Some(w));
        } else if ix.commit_due()
            && let Err(e) = self.commit_index(&mut ix, Some(w))
        {
            // Repaired by the next ticks, as a failure while appending is.
            self.set_index_fault(Some(e.to_string()));
        }
    }

    /// After an index failure: a fresh index writer (rolled back to the last
    /// commit), the records stored since re-indexed from the segments, and a
    /// commit. Tried at most once a second; while it fails (the disk is
    /// still full) the fault stays and appends keep storing.
    fn repair_index(&self, ix: &mut Indexer, w: Option<&mut Writer>) {
        if ix.last_repair.elapsed() < Duration::from_secs(1) {
            return;
        }
        ix.last_repair = Instant::now();
        if let Err(e) = ix.fresh_writer() {
            self.set_index_fault(Some(e));
            return;
        }
        let result = (|| -> Result<(), StoreError> {
            let cat = self.catalog.read().unwrap_or_else(|p| p.into_inner());
            for seq in ix.committed_next..ix.store_next {
                if let Some(ev) = self.cache.event(&cat, seq)? {
                    ix.writer
                        .add_document(index::document(&self.fields, seq, &ev))?;
                }
            }
            drop(cat);
            ix.indexed_next = ix.store_next;
            self.commit_index(ix, w)
        })();
        match result {
            Ok(()) => self.set_index_fault(None),
            Err(e) => self.set_index_fault(Some(e.to_string())),
        }
    }

    /// Commits an inline index now, or has a detached stage commit what it
    /// received and waits for it.
    pub(crate) fn commit_index_now(&self, w: &mut Writer) -> Result<(), StoreError> {
        let queue = self.index_queue.lock().ok().and_then(|q| q.clone());
        if let Some(q) = queue {
            self.sync_active(w)?;
            let (tx, rx) = std::sync::mpsc::sync_channel(1);
            if q.send(IndexJob::Flush(tx)).is_err() {
                return Err(StoreError::Config("the index stage has stopped".into()));
            }
            return match rx.recv() {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(StoreError::Config(format!("index commit: {e}"))),
                Err(_) => Err(StoreError::Config("the index stage has stopped".into())),
            };
        }
        let Some(mut ix) = self.indexer() else {
            return Ok(());
        };
        ix.store_next = w.next_seq;
        if self.index_fault().is_some() {
            ix.last_repair = Instant::now() - Duration::from_secs(2);
            self.repair_index(&mut ix, Some(w));
            return Ok(());
        }
        self.commit_index(&mut ix, Some(w))
    }

    /// Moves indexing off the append path: from now on appends hand their
    /// documents to a queue of `capacity` batches, and [`Store::run_indexer`]
    /// (on a thread of the caller's) adds and commits them. `None` for a
    /// read-only store or when already detached.
    pub fn detach_indexer(&self, capacity: usize) -> Option<IndexQueue> {
        self.indexer.as_ref()?;
        let mut q = self.index_queue.lock().ok()?;
        if q.is_some() {
            return None;
        }
        let (tx, rx) = std::sync::mpsc::sync_channel(capacity.max(1));
        *q = Some(tx);
        Some(IndexQueue(rx))
    }

    /// The detached index stage: adds documents as they come, commits every
    /// `index_commit_ms`, repairs after failures, answers flushes. Returns
    /// when the store stops it ([`Store::stop_indexer`], `close`, drop),
    /// after a last commit.
    pub fn run_indexer(&self, queue: IndexQueue) {
        let Some(m) = &self.indexer else { return };
        let tick = Duration::from_millis(100);
        loop {
            let job = queue.0.recv_timeout(tick);
            let mut ix = m.lock().unwrap_or_else(|p| p.into_inner());
            match job {
                Ok(IndexJob::Docs(docs, next)) => {
                    ix.store_next = next;
                    if self.index_fault().is_none() {
                        let added = docs
                            .into_iter()
                            .try_for_each(|(_, doc)| ix.writer.add_document(doc).map(|_| ()));
                        match added {
                            Ok(()) => ix.indexed_next = next,
                            Err(e) => self.set_index_fault(Some(e.to_string())),
                        }
                    }
                }
                Ok(IndexJob::Flush(ack)) => {
                    let r = if self.index_fault().is_some() {
                        ix.last_repair = Instant::now() - Duration::from_secs(2);
                        self.repair_index(&mut ix, None);
                        Ok(())
                    } else {
                        self.commit_index(&mut ix, None).map_err(|e| e.to_string())
                    };
                    let _ = ack.send(r);
                    continue;
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    if self.index_fault().is_none() && ix.indexed_next > ix.committed_next {
                        let _ = self.commit_index(&mut ix, None);
                    }
                    return;
                }
            }
            if self.index_fault().is_some() {
                self.repair_index(&mut ix, None);
            } else if ix.commit_due()
                && let Err(e) = self.commit_index(&mut ix, None)
            {
                self.set_index_fault(Some(e.to_string()));
            }
        }
    }

    /// Ends a detached index stage: it commits what it has and returns.
    pub fn stop_indexer(&self) {
        if let Ok(mut q) = self.index_queue.lock() {
            *q = None;
        }
    }

    /// Deletes the index documents of `first..end` (retention) and commits.
    pub(crate) fn unindex_range(
        &self,
        w: &mut Writer,
        first: u64,
        end: u64,
    ) -> Result<(), StoreError> {
        if let Some(mut ix) = self.indexer() {
            ix.delete_range(self.fields.seq, first, Some(end));
            ix.store_next = w.next_seq;
            // Commit so the deletion is durable; pending documents of a
            // detached stage are committed with it, which is harmless.
            self.commit_index(&mut ix, Some(w))?;
        }
        Ok(())
    }

    #[doc(hidden)]
    /// Test hook: the index is treated as failed, as after its writer
    /// threads died, until [`Store::tick`] repairs it.
    pub fn inject_index_fault(&self) -> Result<(), StoreError> {
        self.set_index_fault(Some("injected index failure".into()));
        if let Some(mut ix) = self.indexer() {
            ix.last_repair = Instant::now() - Duration::from_secs(2);
        }
        Ok(())
    }
}
