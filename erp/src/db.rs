//! Connections and the tenant-scoped transaction.
//!
//! Two pools: the *owner* pool runs migrations and operator commands; the *app*
//! pool switches every connection to the `erp_app` role, which row-level
//! security applies to. Serving roles only ever get the app pool.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Executor, PgPool, Postgres, Transaction};
use std::str::FromStr;
use std::time::Duration;
use uuid::Uuid;

use crate::Result;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// Who is asking: the user and the companies whose rows they may see in this
/// transaction. Consolidation lists several companies; nothing turns RLS off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub user_id: Option<Uuid>,
    pub company_ids: Vec<Uuid>,
}

impl Tenant {
    pub fn user(user_id: Uuid) -> Self {
        Tenant {
            user_id: Some(user_id),
            company_ids: vec![],
        }
    }
    pub fn in_company(user_id: Uuid, company_id: Uuid) -> Self {
        Tenant {
            user_id: Some(user_id),
            company_ids: vec![company_id],
        }
    }
    /// The `uuid[]` literal stored in `app.company_ids`.
    fn company_ids_literal(&self) -> String {
        let ids: Vec<String> = self.company_ids.iter().map(Uuid::to_string).collect();
        format!("{{{}}}", ids.join(","))
    }
}

#[derive(Clone, Debug)]
pub struct Db {
    pool: PgPool,
}

impl Db {
    /// The serving pool: every connection runs as `erp_app`.
    pub async fn connect_app(url: &str) -> Result<Db> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .after_connect(|conn, _meta| {
                Box::pin(async move {
                    conn.execute("SET ROLE erp_app").await?;
                    Ok(())
                })
            })
            .connect_with(options(url)?)
            .await?;
        Ok(Db { pool })
    }

    /// The owner pool, for migrations and operator commands only.
    pub async fn connect_owner(url: &str) -> Result<PgPool> {
        Ok(PgPoolOptions::new()
            .max_connections(2)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options(url)?)
            .await?)
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Begin a transaction with the tenant settings applied (transaction-local,
    /// so a pooled connection never carries them to the next caller).
    ///
    /// BEGIN and the settings travel as one simple query: one round trip
    /// instead of two on every request. The values are spliced in as text,
    /// which is safe only because they are formatted UUIDs (hex digits and
    /// dashes, nothing a quote could come from).
    pub async fn tenant(&self, tenant: &Tenant) -> Result<Transaction<'static, Postgres>> {
        let user = tenant.user_id.map(|u| u.to_string()).unwrap_or_default();
        let begin = format!(
            "BEGIN; SELECT set_config('app.company_ids', '{}', true), set_config('app.user_id', '{user}', true)",
            tenant.company_ids_literal()
        );
        Ok(self.pool.begin_with(sqlx::AssertSqlSafe(begin)).await?)
    }

    /// A cheap liveness probe for health checks.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

fn options(url: &str) -> Result<PgConnectOptions> {
    PgConnectOptions::from_str(url)
        .map_err(|e| crate::Error::internal(anyhow::anyhow!("invalid database URL: {e}")))
}

/// Apply the embedded migrations with the owner pool. Migrations a later
/// release applied are left alone instead of refused: after an update is
/// rolled back, the previous release runs on the schema the newer one
/// migrated (migrations only add in one release; docs/operations.md).
pub async fn migrate(owner: &PgPool) -> anyhow::Result<()> {
    let mut migrator = sqlx::migrate::Migrator::with_migrations(MIGRATOR.iter().cloned().collect());
    migrator.set_ignore_missing(true);
    migrator.run(owner).await?;
    Ok(())
}

/// The login of the serving roles in an install of separate containers
/// (migration `server_login`): a member of `erp_app` and nothing else.
pub const SERVER_LOGIN: &str = "erp_server";

/// Let the serving roles' login log in with `password` (run by `migrate`
/// with the owner pool). The password travels as a bound value into a
/// transaction-local setting, so no statement text that a log could keep
/// (sqlx's slow-statement warning, PostgreSQL's `log_statement`) holds it.
pub async fn set_server_password(owner: &PgPool, password: &str) -> anyhow::Result<()> {
    let mut tx = owner.begin().await?;
    sqlx::query("SELECT set_config('erp.server_password', $1, true)")
        .bind(password)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "DO $$ BEGIN EXECUTE format('ALTER ROLE erp_server LOGIN PASSWORD %L', \
         current_setting('erp.server_password')); END $$",
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// True when every embedded migration is applied (what `READY=1` waits for in
/// roles that do not migrate themselves).
pub async fn migrations_current(pool: &PgPool) -> anyhow::Result<bool> {
    let applied: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
            .fetch_all(pool)
            .await
            .unwrap_or_default();
    Ok(MIGRATOR.iter().all(|m| applied.contains(&m.version)))
}
