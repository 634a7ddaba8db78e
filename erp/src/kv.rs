//! Redis through fred: one pool shared by sessions and rate limits, and the
//! connection settings the job queue shares.

use fred::prelude::*;
use std::time::Duration;

#[derive(Clone)]
pub struct Kv {
    pub pool: Pool,
}

impl Kv {
    pub async fn connect(url: &str) -> crate::Result<Kv> {
        Ok(Kv {
            pool: Kv::pool(url, 4).await?,
        })
    }

    /// A connected pool of `size` connections with the appliance's timeouts
    /// and reconnect policy (the job queue has its own).
    pub async fn pool(url: &str, size: usize) -> crate::Result<Pool> {
        let pool = Kv::builder(url)?.build_pool(size)?;
        pool.init().await?;
        Ok(pool)
    }

    /// The builder behind [`Kv::pool`], for other kinds of client (the job
    /// queue's pub/sub subscriber).
    pub fn builder(url: &str) -> crate::Result<Builder> {
        let config = Config::from_url(url)?;
        let mut builder = Builder::from_config(config);
        builder
            .with_connection_config(|c| {
                c.connection_timeout = Duration::from_secs(3);
                c.internal_command_timeout = Duration::from_secs(3);
            })
            .with_performance_config(|p| {
                p.default_command_timeout = Duration::from_secs(3);
            })
            .set_policy(ReconnectPolicy::new_exponential(0, 100, 2_000, 2));
        Ok(builder)
    }

    /// Whether `key` exists.
    pub async fn is_set(&self, key: &str) -> crate::Result<bool> {
        Ok(self.pool.exists::<u64, _>(key).await? > 0)
    }

    /// Set `key` (to 1) for `ttl_secs`.
    pub async fn mark(&self, key: &str, ttl_secs: i64) -> crate::Result<()> {
        let _: () = self
            .pool
            .set(key, 1, Some(Expiration::EX(ttl_secs)), None, false)
            .await?;
        Ok(())
    }

    pub async fn ping(&self) -> crate::Result<()> {
        let _: String = self.pool.ping(None).await?;
        Ok(())
    }
}
