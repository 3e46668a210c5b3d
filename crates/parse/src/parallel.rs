//! Many files, and long files in pieces, decoded on every core, with the
//! events handed over in the order one thread reading the files one after
//! the other would produce them.
//!
//! Worker threads take jobs in order (a whole file, or one piece of a long
//! file, see [`crate::piece`]) and send what their [`Sink`] makes of the
//! events over a small bounded channel per job. The calling thread takes the
//! channels in job order, so output order is file order, then offset order,
//! and memory is bounded: at most `2 × threads` jobs are in flight, each with
//! a few batches waiting.

use crate::piece::{self, PiecedFile};
use crate::{Pipeline, ReadError, StreamStats};
use sightline_decode::{Assembler, CarriedState, Event};
use std::collections::VecDeque;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// Batches that may wait in one job's channel: enough for the whole output
/// of a piece or of a file too short to cut (a few MiB of JSON), so a
/// thread ahead of the ordered output rarely waits.
const CHANNEL_BATCHES: usize = 32;

/// How reading is spread over threads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parallelism {
    /// Decoding threads; 1 decodes on the calling thread, file after file.
    pub threads: usize,
    /// Files of at least twice this size are cut into pieces of about this
    /// size, each decoded on its own.
    pub piece_bytes: u64,
    /// What a piece's decoder reads first of the file (headers, names
    /// given once), before the lines just before the piece.
    pub warmup_head: u64,
    /// How far before its start a piece's decoder begins reading.
    pub warmup_lead: u64,
}

impl Parallelism {
    /// One decoding thread per core.
    pub fn available_threads() -> usize {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }

    /// `threads` decoding threads (at least one), default piece sizes.
    pub fn with_threads(threads: usize) -> Self {
        Parallelism {
            threads: threads.max(1),
            ..Parallelism::default()
        }
    }
}

impl Default for Parallelism {
    /// One thread per core; 1 MiB pieces (small, so the output waiting
    /// for its turn stays small), each warmed up on 16 KiB of the file's
    /// start and 16 KiB before the piece (3 % more decoding).
    fn default() -> Self {
        Parallelism {
            threads: Parallelism::available_threads(),
            piece_bytes: 1 << 20,
            warmup_head: 16 << 10,
            warmup_lead: 16 << 10,
        }
    }
}

/// What each decoding thread makes of its events before they travel to the
/// calling thread: serialized lines, rule matches... One per thread.
pub trait Sink: Send {
    type Batch: Send;
    /// Takes one event (already sanitized and enriched).
    fn add(&mut self, ev: Event);
    /// The events added since the last batch, as a batch: when enough have
    /// gathered to be worth sending, or whatever there is when `flush`.
    fn take(&mut self, flush: bool) -> Option<Self::Batch>;
}

/// What the calling thread receives, in order.
pub enum Delivery<B> {
    /// Events of `files[file]`, in stream order.
    Batch { file: usize, batch: B },
    /// This many more bytes of the input were read (for a progress bar).
    Read(u64),
    /// `files[file]` is done: what reading it produced, or why it stopped.
    File {
        file: usize,
        result: Result<FileRead, ReadError>,
    },
}

/// What reading one file produced.
#[derive(Debug, Clone, Default)]
pub struct FileRead {
    pub stats: StreamStats,
    /// `event.module` of the file's first event.
    pub first_module: Option<String>,
}

/// How the files were spread over threads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadReport {
    /// Files read in pieces.
    pub pieced_files: usize,
    /// Pieces of those files.
    pub pieces: usize,
    /// Pieces whose warmed-up state did not match the true one, decoded
    /// again on the calling thread.
    pub pieces_redone: usize,
}

#[derive(Clone)]
enum Job<'p> {
    Whole { file: usize },
    Piece { pf: Arc<PiecedFile<'p>>, k: usize },
}

enum Msg<B> {
    /// A piece's reader is warmed up: the state it starts from.
    Start(Option<CarriedState>),
    Batch(B),
    /// A piece is done: the assembler as the piece's last line left it
    /// (the record it was assembling not yet emitted).
    End(Box<PieceEnd>),
    /// A whole file is done.
    Done(Result<FileRead, ReadError>),
}

struct PieceEnd {
    asm: Option<Assembler>,
    stats: StreamStats,
    first_module: Option<String>,
    error: Option<std::io::Error>,
}

struct Ticket<'p, B> {
    job: Job<'p>,
    rx: Receiver<Msg<B>>,
    cancel: Arc<AtomicBool>,
}

struct Schedule<'p, B> {
    /// Planned jobs nobody took yet.
    queue: VecDeque<Job<'p>>,
    next_file: usize,
    /// Taken and not yet consumed.
    in_flight: usize,
    /// Channels of taken jobs, in job order, for the calling thread.
    tickets: VecDeque<Ticket<'p, B>>,
    /// Every file is planned.
    planned_all: bool,
    stopped: bool,
    /// Worker threads still running.
    workers: usize,
    report: ReadReport,
}

struct Shared<'p, B> {
    schedule: Mutex<Schedule<'p, B>>,
    changed: Condvar,
}

impl<'p, B> Shared<'p, B> {
    fn lock(&self) -> MutexGuard<'_, Schedule<'p, B>> {
        // A panicking worker cannot leave the schedule half-updated in a
        // way that matters: keep going with what is there.
        self.schedule
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn wait<'g>(&self, guard: MutexGuard<'g, Schedule<'p, B>>) -> MutexGuard<'g, Schedule<'p, B>> {
        self.changed
            .wait(guard)
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Counts a worker out when it ends, normally or by a panic, so the
/// calling thread never waits for jobs nobody will take (the panic itself
/// is raised again when the threads are joined).
struct Alive<'s, 'p, B>(&'s Shared<'p, B>);

impl<B> Drop for Alive<'_, '_, B> {
    fn drop(&mut self) {
        let mut s = self.0.lock();
        s.workers = s.workers.saturating_sub(1);
        self.0.changed.notify_all();
    }
}

/// The flow of one job's events into its channel.
struct Sender<'a, B> {
    tx: &'a SyncSender<Msg<B>>,
    cancel: Option<&'a AtomicBool>,
    first_module: Option<String>,
}

impl<B> Sender<'_, B> {
    fn event<S: Sink<Batch = B>>(&mut self, sink: &mut S, ev: Event) -> ControlFlow<()> {
        if self.first_module.is_none() {
            self.first_module = Some(ev.module.to_string());
        }
        sink.add(ev);
        if let Some(batch) = sink.take(false)
            && self.tx.send(Msg::Batch(batch)).is_err()
        {
            return ControlFlow::Break(());
        }
        if self.cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }

    fn flush<S: Sink<Batch = B>>(&mut self, sink: &mut S) {
        if let Some(batch) = sink.take(true) {
            // A closed channel means nobody wants the rest.
            let _ = self.tx.send(Msg::Batch(batch));
        }
    }
}

/// The file being assembled from pieces, on the calling thread.
struct Pieced {
    file: usize,
    /// The assembler as the true reading stands after the last piece taken.
    asm: Option<Assembler>,
    stats: StreamStats,
    first_module: Option<String>,
    error: Option<std::io::Error>,
}

impl Pipeline {
    /// Reads `files` with `parallelism.threads` threads, each turning events
    /// into batches with its own sink from `make_sink`, and hands the
    /// batches to `deliver` on the calling thread in the order one thread
    /// reading the files in turn would have made them; each file ends with
    /// [`Delivery::File`]. Reading stops when `deliver` says so.
    ///
    /// The events, their order, ids and the statistics are exactly those of
    /// [`Pipeline::read_file`] on each file in turn, however many threads
    /// read and wherever long files are cut.
    pub fn read_files<S, F, D>(
        &self,
        files: &[PathBuf],
        parallelism: &Parallelism,
        make_sink: F,
        mut deliver: D,
    ) -> ReadReport
    where
        S: Sink,
        F: Fn() -> S + Sync,
        D: FnMut(Delivery<S::Batch>) -> ControlFlow<()>,
    {
        if parallelism.threads <= 1 {
            let mut sink = make_sink();
            for (file, path) in files.iter().enumerate() {
                if self
                    .read_inline(file, path, &mut sink, &mut deliver)
                    .is_break()
                {
                    break;
                }
            }
            return ReadReport::default();
        }
        let shared = Shared {
            schedule: Mutex::new(Schedule {
                queue: VecDeque::new(),
                next_file: 0,
                in_flight: 0,
                tickets: VecDeque::new(),
                planned_all: files.is_empty(),
                stopped: false,
                workers: parallelism.threads,
                report: ReadReport::default(),
            }),
            changed: Condvar::new(),
        };
        let window = parallelism.threads.saturating_mul(2);
        std::thread::scope(|scope| {
            for _ in 0..parallelism.threads {
                scope.spawn(|| {
                    let _alive = Alive(&shared);
                    let mut sink = make_sink();
                    while let Some((job, tx, cancel)) =
                        self.take_job(&shared, files, parallelism, window)
                    {
                        match job {
                            Job::Whole { file } => {
                                if let Some(path) = files.get(file) {
                                    self.run_whole(path, &mut sink, &tx);
                                }
                            }
                            Job::Piece { pf, k } => {
                                self.run_piece(&pf, k, &mut sink, &tx, &cancel);
                            }
                        }
                    }
                });
            }
            let mut sink = make_sink();
            let mut pieced: Option<Pieced> = None;
            let mut redone = 0;
            while let Some(ticket) = next_ticket(&shared) {
                let flow = match &ticket.job {
                    Job::Whole { file } => consume_whole(*file, &ticket, &mut deliver),
                    Job::Piece { pf, k } => self.consume_piece(
                        pf,
                        *k,
                        &ticket,
                        &mut pieced,
                        &mut sink,
                        &mut deliver,
                        &mut redone,
                    ),
                };
                let mut s = shared.lock();
                s.in_flight -= 1;
                if flow.is_break() {
                    // Dropping the channels tells every worker to stop.
                    s.stopped = true;
                    s.tickets.clear();
                }
                shared.changed.notify_all();
            }
            let mut s = shared.lock();
            s.report.pieces_redone = redone;
            s.report.clone()
        })
    }

    /// One file on the calling thread, as [`Pipeline::read_file`] reads it.
    fn read_inline<S: Sink>(
        &self,
        file: usize,
        path: &std::path::Path,
        sink: &mut S,
        deliver: &mut impl FnMut(Delivery<S::Batch>) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        let mut first_module: Option<String> = None;
        let mut flow = ControlFlow::Continue(());
        let result = self.open_file(path).and_then(|opened| {
            self.read_until_stopped(opened.source, opened.stream, opened.reader, &mut |ev| {
                if first_module.is_none() {
                    first_module = Some(ev.module.to_string());
                }
                sink.add(ev);
                if let Some(batch) = sink.take(false) {
                    flow = deliver(Delivery::Batch { file, batch });
                }
                flow
            })
            .map_err(ReadError::io(path))
        });
        flow?;
        if let Some(batch) = sink.take(true) {
            deliver(Delivery::Batch { file, batch })?;
        }
        if let Ok(stats) = &result {
            deliver(Delivery::Read(stats.bytes))?;
        }
        deliver(Delivery::File {
            file,
            result: result.map(|stats| FileRead {
                stats,
                first_module,
            }),
        })
    }

    /// The next job for a worker, planning files as needed; `None` when
    /// there is no more work (or reading stopped).
    fn take_job<'p, B>(
        &'p self,
        shared: &Shared<'p, B>,
        files: &[PathBuf],
        parallelism: &Parallelism,
        window: usize,
    ) -> Option<(Job<'p>, SyncSender<Msg<B>>, Arc<AtomicBool>)> {
        let mut s = shared.lock();
        loop {
            if s.stopped {
                return None;
            }
            if s.in_flight < window {
                while s.queue.is_empty() && !s.planned_all {
                    let file = s.next_file;
                    s.next_file += 1;
                    s.planned_all = s.next_file >= files.len();
                    if let Some(path) = files.get(file) {
                        let jobs = self.plan(file, path, parallelism, &mut s.report);
                        s.queue.extend(jobs);
                    }
                }
                match s.queue.pop_front() {
                    Some(job) => {
                        let (tx, rx) = sync_channel(CHANNEL_BATCHES);
                        let cancel = Arc::new(AtomicBool::new(false));
                        s.tickets.push_back(Ticket {
                            job: job.clone(),
                            rx,
                            cancel: Arc::clone(&cancel),
                        });
                        s.in_flight += 1;
                        shared.changed.notify_all();
                        return Some((job, tx, cancel));
                    }
                    None => {
                        // Everything is planned and taken: wake the
                        // calling thread in case it waits for more.
                        shared.changed.notify_all();
                        return None;
                    }
                }
            }
            s = shared.wait(s);
        }
    }

    /// The jobs of one file: the whole file, or its pieces when it is long
    /// and its decoder can say what it carries across a cut.
    fn plan<'p>(
        &'p self,
        file: usize,
        path: &std::path::Path,
        parallelism: &Parallelism,
        report: &mut ReadReport,
    ) -> Vec<Job<'p>> {
        let size = std::fs::metadata(path).map_or(0, |m| m.len());
        if !piece::worth_cutting(size, parallelism) {
            return vec![Job::Whole { file }];
        }
        // Any trouble here is met again, and reported, by the whole-file read.
        let Ok(opened) = self.open_file(path) else {
            return vec![Job::Whole { file }];
        };
        let probe = opened.source.open(&opened.stream, self.options());
        if probe.carried_state().is_none() {
            return vec![Job::Whole { file }];
        }
        let starts =
            match piece::plan_starts(opened.reader.get_ref(), size, parallelism.piece_bytes) {
                Ok(s) if s.len() > 1 => s,
                _ => return vec![Job::Whole { file }],
            };
        report.pieced_files += 1;
        report.pieces += starts.len();
        let pf = Arc::new(PiecedFile {
            file,
            path: path.to_path_buf(),
            source: opened.source,
            stream: opened.stream,
            starts,
            warmup_head: parallelism.warmup_head,
            warmup_lead: parallelism.warmup_lead,
        });
        (0..pf.pieces())
            .map(|k| Job::Piece {
                pf: Arc::clone(&pf),
                k,
            })
            .collect()
    }

    fn run_whole<S: Sink>(
        &self,
        path: &std::path::Path,
        sink: &mut S,
        tx: &SyncSender<Msg<S::Batch>>,
    ) {
        let mut sender = Sender {
            tx,
            cancel: None,
            first_module: None,
        };
        let result = self.open_file(path).and_then(|opened| {
            self.read_until_stopped(opened.source, opened.stream, opened.reader, &mut |ev| {
                sender.event(sink, ev)
            })
            .map_err(ReadError::io(path))
        });
        sender.flush(sink);
        let first_module = sender.first_module.take();
        let _ = tx.send(Msg::Done(result.map(|stats| FileRead {
            stats,
            first_module,
        })));
    }

    fn run_piece<S: Sink>(
        &self,
        pf: &PiecedFile<'_>,
        k: usize,
        sink: &mut S,
        tx: &SyncSender<Msg<S::Batch>>,
        cancel: &AtomicBool,
    ) {
        let (mut asm, state) = match self.open_piece(pf, k) {
            Ok(opened) => opened,
            Err(error) => {
                let _ = tx.send(Msg::End(Box::new(PieceEnd {
                    asm: None,
                    stats: StreamStats::default(),
                    first_module: None,
                    error: Some(error),
                })));
                return;
            }
        };
        if tx.send(Msg::Start(state)).is_err() {
            return;
        }
        let mut sender = Sender {
            tx,
            cancel: Some(cancel),
            first_module: None,
        };
        let mut stats = StreamStats::default();
        let result = self.decode_piece(pf, k, &mut asm, &mut stats, &mut |ev| {
            sender.event(sink, ev)
        });
        sender.flush(sink);
        let _ = tx.send(Msg::End(Box::new(PieceEnd {
            asm: Some(asm),
            stats,
            first_module: sender.first_module.take(),
            error: result.err(),
        })));
    }

    /// Takes piece `k` of a file in order: keeps the worker's events when it
    /// started from the true state, else decodes the piece here.
    #[allow(clippy::too_many_arguments)]
    fn consume_piece<S: Sink>(
        &self,
        pf: &PiecedFile<'_>,
        k: usize,
        ticket: &Ticket<'_, S::Batch>,
        pieced: &mut Option<Pieced>,
        sink: &mut S,
        deliver: &mut impl FnMut(Delivery<S::Batch>) -> ControlFlow<()>,
        redone: &mut usize,
    ) -> ControlFlow<()> {
        if k == 0 || pieced.as_ref().is_none_or(|p| p.file != pf.file) {
            *pieced = Some(Pieced {
                file: pf.file,
                asm: None,
                stats: StreamStats::default(),
                first_module: None,
                error: None,
            });
        }
        let Some(p) = pieced.as_mut() else {
            return ControlFlow::Continue(());
        };
        let bytes_before = p.stats.bytes;
        let mut kept = false;
        loop {
            match ticket.rx.recv() {
                Ok(Msg::Start(state)) => {
                    kept = p.error.is_none()
                        && (k == 0
                            || (state.is_some()
                                && p.asm.as_ref().and_then(Assembler::carried_state) == state));
                    if !kept {
                        ticket.cancel.store(true, Ordering::Relaxed);
                    }
                }
                Ok(Msg::Batch(batch)) => {
                    if kept {
                        deliver(Delivery::Batch {
                            file: pf.file,
                            batch,
                        })?;
                    }
                }
                Ok(Msg::End(end)) => {
                    if kept {
                        p.stats += &end.stats;
                        if p.first_module.is_none() {
                            p.first_module = end.first_module;
                        }
                        p.asm = end.asm;
                        if end.error.is_some() {
                            p.error = end.error;
                        }
                    }
                    break;
                }
                Ok(Msg::Done(_)) => break,
                Err(_) => {
                    if kept {
                        p.error = Some(std::io::Error::other("a decoding thread stopped"));
                    }
                    break;
                }
            }
        }
        if !kept && p.error.is_none() {
            *redone += 1;
            let asm = match p.asm.take() {
                Some(asm) => Ok(asm),
                None => self.open_piece(pf, 0).map(|(asm, _)| asm),
            };
            match asm {
                Ok(mut asm) => {
                    let mut first_module = None;
                    let mut flow = ControlFlow::Continue(());
                    let result = self.decode_piece(pf, k, &mut asm, &mut p.stats, &mut |ev| {
                        if first_module.is_none() {
                            first_module = Some(ev.module.to_string());
                        }
                        sink.add(ev);
                        if let Some(batch) = sink.take(false) {
                            flow = deliver(Delivery::Batch {
                                file: pf.file,
                                batch,
                            });
                        }
                        flow
                    });
                    flow?;
                    if let Some(batch) = sink.take(true) {
                        deliver(Delivery::Batch {
                            file: pf.file,
                            batch,
                        })?;
                    }
                    if p.first_module.is_none() {
                        p.first_module = first_module;
                    }
                    match result {
                        Ok(_) => p.asm = Some(asm),
                        Err(e) => p.error = Some(e),
                    }
                }
                Err(e) => p.error = Some(e),
            }
        }
        if p.error.is_none() {
            deliver(Delivery::Read(p.stats.bytes - bytes_before))?;
        }
        if !pf.is_last(k) {
            return ControlFlow::Continue(());
        }
        let Some(p) = pieced.take() else {
            return ControlFlow::Continue(());
        };
        let result = match p.error {
            Some(source) => Err(ReadError::Io {
                path: pf.path.clone(),
                source,
            }),
            None => Ok(FileRead {
                stats: p.stats,
                first_module: p.first_module,
            }),
        };
        deliver(Delivery::File {
            file: pf.file,
            result,
        })
    }
}

/// The next job's channel, in job order; `None` when every job is consumed.
fn next_ticket<'p, B>(shared: &Shared<'p, B>) -> Option<Ticket<'p, B>> {
    let mut s = shared.lock();
    loop {
        if let Some(t) = s.tickets.pop_front() {
            return Some(t);
        }
        if s.stopped || (s.planned_all && s.queue.is_empty()) || s.workers == 0 {
            return None;
        }
        s = shared.wait(s);
    }
}

fn consume_whole<B>(
    file: usize,
    ticket: &Ticket<'_, B>,
    deliver: &mut impl FnMut(Delivery<B>) -> ControlFlow<()>,
) -> ControlFlow<()> {
    loop {
        match ticket.rx.recv() {
            Ok(Msg::Batch(batch)) => deliver(Delivery::Batch { file, batch })?,
            Ok(Msg::Done(result)) => {
                if let Ok(read) = &result {
                    deliver(Delivery::Read(read.stats.bytes))?;
                }
                return deliver(Delivery::File { file, result });
            }
            Ok(Msg::Start(_) | Msg::End(_)) => {}
            Err(_) => {
                return deliver(Delivery::File {
                    file,
                    result: Err(ReadError::Io {
                        path: PathBuf::new(),
                        source: std::io::Error::other("a decoding thread stopped"),
                    }),
                });
            }
        }
    }
}
