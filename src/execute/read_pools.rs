//! The requests' read connections: one pool per HTTP worker thread, so that a request and the
//! connection it talks through run on the same thread.
//!
//! tokio-postgres drives each connection with a task of its own, spawned on the runtime that
//! opened it. With one pool shared by every worker, a request on one worker's thread often used a
//! connection whose task lived on another's, and each statement then crossed threads twice (the
//! request to the connection task, the rows back), each time waking a sleeping thread. Measured
//! (bench/README.md, "One read pool per worker"): `agent(id:)` at scale 10, c=8, went from about
//! 6,400 to 8,000 req/s, with less CPU per request in the gateway and in PostgreSQL.
//!
//! Each worker's pool holds `ceil(total / workers)` connections, opened on demand by that worker's
//! requests (so their tasks run on its runtime). The pools are built up front; each worker takes
//! the next when it starts (a restarted worker shares one, which is still correct).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use deadpool_postgres::{Pool, Status};

use crate::database::read_pool;
use crate::error::AppError;

/// One pool per worker, and the counts of all of them together (metrics).
#[derive(Clone)]
pub struct ReadPools {
    pools: Arc<[Pool]>,
    next: Arc<AtomicUsize>,
}

impl ReadPools {
    /// `workers` pools over `url`, holding up to `total` connections together.
    pub fn new(url: &str, total: u32, workers: usize) -> Result<Self, AppError> {
        let workers = workers.max(1);
        let each = total.max(1).div_ceil(u32::try_from(workers).unwrap_or(u32::MAX)).max(1);
        let pools = (0..workers).map(|_| read_pool(url, each)).collect::<Result<Vec<_>, _>>()?;
        Ok(Self { pools: pools.into(), next: Arc::new(AtomicUsize::new(0)) })
    }

    /// How many workers the pools were made for.
    pub fn workers(&self) -> usize {
        self.pools.len()
    }

    /// The pool of the worker starting now (called once per worker, on its thread).
    pub fn for_worker(&self) -> Pool {
        self.pools[self.next.fetch_add(1, Ordering::Relaxed) % self.pools.len()].clone()
    }

    /// All pools' counts added up: their size limit, open connections, idle ones and waiters.
    pub fn status(&self) -> Status {
        self.pools.iter().map(Pool::status).fold(Status { max_size: 0, size: 0, available: 0, waiting: 0 }, |a, s| {
            Status {
                max_size: a.max_size + s.max_size,
                size: a.size + s.size,
                available: a.available + s.available,
                waiting: a.waiting + s.waiting,
            }
        })
    }
}
