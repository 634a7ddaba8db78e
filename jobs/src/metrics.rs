//! The queue in the Prometheus text format: backlog, running, scheduled,
//! dead, the oldest waiting job's age, attempts by outcome and histograms
//! of the wait before a job starts and of its run time.
//!
//! Workers add to the histograms with every batch of acknowledgements (one
//! `HINCRBY` per bucket touched, not per job); a scrape reads Redis once
//! per type and encodes with `prometheus-client`.

use std::collections::{BTreeMap, HashMap};

use fred::prelude::*;
use prometheus_client::encoding::DescriptorEncoder;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

use crate::Queue;
use crate::store::{Outcome, keys, now_ms};

/// Upper bounds of the histogram buckets, in seconds (+Inf is implicit).
pub const BUCKETS: [f64; 14] = [
    0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0,
];

fn bucket(seconds: f64) -> usize {
    BUCKETS
        .iter()
        .position(|&b| seconds <= b)
        .unwrap_or(BUCKETS.len())
}

/// The `hist` hash increments for a batch of outcomes: per histogram
/// (`wait`, `run`) a count per bucket index and the sum in microseconds.
pub fn histogram_increments(outcomes: &[Outcome]) -> Vec<(String, u64)> {
    let mut fields: BTreeMap<String, u64> = BTreeMap::new();
    for o in outcomes {
        for (name, d) in [("wait", o.waited), ("run", o.ran)] {
            *fields
                .entry(format!("{name}:{}", bucket(d.as_secs_f64())))
                .or_default() += 1;
            *fields.entry(format!("{name}:sum_us")).or_default() += d.as_micros() as u64;
        }
    }
    fields.into_iter().collect()
}

#[derive(Debug, Default, Clone)]
struct Histogram {
    buckets: Vec<u64>,
    sum_seconds: f64,
}

impl Histogram {
    fn from_hash(hash: &HashMap<String, u64>, name: &str) -> Histogram {
        Histogram {
            buckets: (0..=BUCKETS.len())
                .map(|i| hash.get(&format!("{name}:{i}")).copied().unwrap_or(0))
                .collect(),
            sum_seconds: hash.get(&format!("{name}:sum_us")).copied().unwrap_or(0) as f64 / 1e6,
        }
    }
    fn count(&self) -> u64 {
        self.buckets.iter().sum()
    }
    fn bounds(&self) -> Vec<(f64, u64)> {
        BUCKETS
            .iter()
            .copied()
            .chain([f64::INFINITY])
            .zip(self.buckets.iter().copied())
            .collect()
    }
}

/// One job type as a scrape sees it.
#[derive(Debug, Default, Clone)]
struct TypeFigures {
    waiting: [u64; 3],
    running: u64,
    scheduled: u64,
    oldest_waiting_seconds: f64,
    finished: HashMap<String, u64>,
    wait: Histogram,
    run: Histogram,
}

/// The queue at one instant, ready to encode.
#[derive(Debug, Default, Clone)]
pub struct Snapshot {
    workers: u64,
    dead: u64,
    types: BTreeMap<String, TypeFigures>,
}

const PRIORITIES: [&str; 3] = ["high", "normal", "low"];

impl Queue {
    /// Read every figure the metrics show.
    pub async fn snapshot(&self) -> anyhow::Result<Snapshot> {
        let depth = self.depth().await?;
        let pool = self.store.pool();
        let mut snapshot = Snapshot {
            workers: depth.workers,
            dead: depth.dead,
            types: BTreeMap::new(),
        };
        let now = now_ms();
        for kind in self.kinds().await? {
            let mut t = TypeFigures::default();
            for (p, waiting) in t.waiting.iter_mut().enumerate() {
                let key = keys::ready(&kind, p as u8);
                *waiting = pool.llen(&key).await?;
                if let Some(id) = pool.lindex::<Option<String>, _>(&key, 0).await? {
                    let enq: Option<i64> = pool.hget(keys::job(&id), "enq").await?;
                    if let Some(enq) = enq {
                        let age = (now - enq).max(0) as f64 / 1000.0;
                        t.oldest_waiting_seconds = t.oldest_waiting_seconds.max(age);
                    }
                }
            }
            t.running = pool.zcard(keys::active(&kind)).await?;
            t.scheduled = pool.zcard(keys::scheduled(&kind)).await?;
            t.finished = pool.hgetall(keys::stats(&kind)).await?;
            let hist: HashMap<String, u64> = pool.hgetall(keys::histograms(&kind)).await?;
            t.wait = Histogram::from_hash(&hist, "wait");
            t.run = Histogram::from_hash(&hist, "run");
            snapshot.types.insert(kind, t);
        }
        Ok(snapshot)
    }
}

impl Snapshot {
    /// Add the figures to `registry` (a registry built for one scrape).
    pub fn register(self, registry: &mut Registry) {
        registry.register_collector(Box::new(self));
    }
}

fn gauge(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    rows: &[(Vec<(&str, String)>, f64)],
) -> Result<(), std::fmt::Error> {
    let mut metric = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
    for (labels, value) in rows {
        metric.encode_family(labels)?.encode_gauge(value)?;
    }
    Ok(())
}

impl prometheus_client::collector::Collector for Snapshot {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let kind = |k: &str| vec![("type", k.to_owned())];
        gauge(
            &mut encoder,
            "erp_jobs_workers",
            "Worker processes alive (a heartbeat within 30 s).",
            &[(vec![], self.workers as f64)],
        )?;
        gauge(
            &mut encoder,
            "erp_jobs_dead",
            "Jobs in the dead set (every attempt failed).",
            &[(vec![], self.dead as f64)],
        )?;
        let mut waiting = Vec::new();
        for (k, t) in &self.types {
            for (p, n) in t.waiting.iter().enumerate() {
                waiting.push((
                    vec![("type", k.clone()), ("priority", PRIORITIES[p].to_owned())],
                    *n as f64,
                ));
            }
        }
        gauge(
            &mut encoder,
            "erp_jobs_waiting",
            "Jobs ready to run, waiting for a worker.",
            &waiting,
        )?;
        let per_type = |f: &dyn Fn(&TypeFigures) -> f64| -> Vec<(Vec<(&str, String)>, f64)> {
            self.types.iter().map(|(k, t)| (kind(k), f(t))).collect()
        };
        gauge(
            &mut encoder,
            "erp_jobs_running",
            "Jobs held by a worker under lease.",
            &per_type(&|t| t.running as f64),
        )?;
        gauge(
            &mut encoder,
            "erp_jobs_scheduled",
            "Jobs due later: delayed, or waiting to be retried.",
            &per_type(&|t| t.scheduled as f64),
        )?;
        gauge(
            &mut encoder,
            "erp_jobs_oldest_waiting_seconds",
            "Age of the oldest job waiting at the head of a list (0 when none waits).",
            &per_type(&|t| t.oldest_waiting_seconds),
        )?;
        {
            let mut metric = encoder.encode_descriptor(
                "erp_jobs_attempts",
                "Attempts by how they ended: done, retried (failed, will run again), dead (failed the last), stale (finished after its lease was taken over), lost (its lease ran out).",
                None,
                MetricType::Counter,
            )?;
            for (k, t) in &self.types {
                for outcome in ["done", "retried", "dead", "stale", "lost"] {
                    let n = t.finished.get(outcome).copied().unwrap_or(0);
                    metric
                        .encode_family(&vec![("type", k.clone()), ("outcome", outcome.to_owned())])?
                        .encode_counter::<Vec<(String, String)>, _, f64>(&n, None)?;
                }
            }
        }
        for (name, help, pick) in [
            (
                "erp_jobs_wait_seconds",
                "From queued to started, per attempt.",
                (|t: &TypeFigures| &t.wait) as fn(&TypeFigures) -> &Histogram,
            ),
            (
                "erp_jobs_run_seconds",
                "Run time per attempt.",
                |t: &TypeFigures| &t.run,
            ),
        ] {
            let mut metric = encoder.encode_descriptor(name, help, None, MetricType::Histogram)?;
            for (k, t) in &self.types {
                let h = pick(t);
                metric
                    .encode_family(&kind(k))?
                    .encode_histogram::<Vec<(String, String)>>(
                        h.sum_seconds,
                        h.count(),
                        &h.bounds(),
                        None,
                    )?;
            }
        }
        Ok(())
    }
}
