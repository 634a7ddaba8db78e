//! Redis through fred: one pool shared by sessions, rate limits and the
//! scheduler's idempotency keys.

use fred::prelude::*;
use std::time::Duration;

#[derive(Clone)]
pub struct Kv {
    pub pool: Pool,
}

impl Kv {
    pub async fn connect(url: &str) -> crate::Result<Kv> {
        let config = Config::from_url(url)?;
        let pool = Builder::from_config(config)
            .with_connection_config(|c| {
                c.connection_timeout = Duration::from_secs(3);
                c.internal_command_timeout = Duration::from_secs(3);
            })
            .with_performance_config(|p| {
                p.default_command_timeout = Duration::from_secs(3);
            })
            .set_policy(ReconnectPolicy::new_exponential(0, 100, 2_000, 2))
            .build_pool(4)?;
        pool.init().await?;
        Ok(Kv { pool })
    }

    pub async fn ping(&self) -> crate::Result<()> {
        let _: String = self.pool.ping(None).await?;
        Ok(())
    }

    /// Set `key` only if it does not exist yet; true when this call set it.
    pub async fn set_once(&self, key: &str, ttl_secs: i64) -> crate::Result<bool> {
        let set: Option<String> = self
            .pool
            .set(
                key,
                "1",
                Some(Expiration::EX(ttl_secs)),
                Some(SetOptions::NX),
                false,
            )
            .await?;
        Ok(set.is_some())
    }

    /// Entries in the list at `key` (0 when there is none).
    pub async fn list_len(&self, key: &str) -> crate::Result<u64> {
        Ok(self.pool.llen(key).await?)
    }

    /// Members of the set at `key` (0 when there is none).
    pub async fn set_len(&self, key: &str) -> crate::Result<u64> {
        Ok(self.pool.scard(key).await?)
    }

    /// Members of the sorted set at `key` whose score is `min` or more.
    pub async fn sorted_set_count_from(&self, key: &str, min: f64) -> crate::Result<u64> {
        Ok(self.pool.zcount(key, min, f64::INFINITY).await?)
    }

    /// Members of the sorted set at `key` (0 when there is none).
    pub async fn sorted_set_len(&self, key: &str) -> crate::Result<u64> {
        Ok(self.pool.zcard(key).await?)
    }
}
