//! apalis-redis 1.0.0 running the bench's no-op job: `push N` queues N jobs
//! one call at a time; `work C` runs them with concurrency C, each job
//! counting itself in `erp:bench:done`.

use std::time::{Duration, Instant};

use apalis::prelude::*;
use apalis_redis::{Config, ConnectionManager, RedisStorage};
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Noop {
    n: u64,
}

async fn noop(_job: Noop, redis: Data<ConnectionManager>) -> Result<(), BoxDynError> {
    let mut conn = (*redis).clone();
    let _: i64 = conn.incr("erp:bench:done", 1).await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let url = std::env::var("ERP_REDIS_URL")?;
    let conn = apalis_redis::connect(url.as_str()).await?;
    // The same batch as our backend fetches for concurrency 8.
    let config = Config::default().queue("bench").batch_size(16);
    let mut storage: RedisStorage<Noop> = RedisStorage::new(conn.clone()).with_config(config);
    match (args.get(1).map(String::as_str), args.get(2)) {
        (Some("push"), Some(n)) => {
            let n: u64 = n.parse()?;
            let began = Instant::now();
            for i in 0..n {
                storage.push(Noop { n: i }).await?;
            }
            println!("queued {n} in {:.3} s", began.elapsed().as_secs_f64());
        }
        (Some("work"), Some(c)) => {
            let worker = WorkerBuilder::new("apalis-peer")
                .backend(storage.poll_with_interval(Duration::from_millis(50)))
                .data(conn)
                .concurrency(c.parse()?)
                .build(noop);
            println!("ready");
            worker.run().await?;
        }
        _ => return Err("usage: apalis-redis-peer push N | work CONCURRENCY".into()),
    }
    Ok(())
}
