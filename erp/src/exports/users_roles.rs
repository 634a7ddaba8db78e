//! The worker side of the users-and-roles export.

use chrono::{Duration, Utc};

use super::{KEEP_HOURS, file_name};
use crate::db::Tenant;
use crate::jobs::ExportRequested;
use uuid::Uuid;

use crate::{Erp, Error, Result, companies};

/// Write the CSV for `job` and mark the export done (or failed, with the reason).
pub async fn write_users_roles(erp: &Erp, job: &ExportRequested) -> Result<()> {
    let tenant = Tenant::in_company(job.user_id, job.company_id);
    let mut tx = erp.db.tenant(&tenant).await?;
    // A second delivery finds it finished (and maybe expired since) and
    // leaves it; one whose first delivery died mid-way writes it again.
    let open: Option<Uuid> = sqlx::query_scalar(
        "UPDATE exports SET status = 'running' WHERE id = $1 AND status IN ('queued', 'running')
         RETURNING id",
    )
    .bind(job.export_id)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    if open.is_none() {
        return Ok(());
    }

    let result = write_file(erp, &tenant, job).await;
    let mut tx = erp.db.tenant(&tenant).await?;
    match &result {
        Ok(rows) => {
            sqlx::query(
                "UPDATE exports SET status = 'done', file_name = $2, row_count = $3,
                        finished_at = now(), expires_at = $4 WHERE id = $1",
            )
            .bind(job.export_id)
            .bind(file_name(job.export_id))
            .bind(*rows as i32)
            .bind(Utc::now() + Duration::hours(KEEP_HOURS))
            .execute(&mut *tx)
            .await?;
        }
        Err(e) => {
            log::error!("export {} failed: {e}", job.export_id);
            sqlx::query("UPDATE exports SET status = 'failed', error = $2, finished_at = now() WHERE id = $1")
                .bind(job.export_id)
                .bind(e.message.clone())
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    result.map(|_| ())
}

async fn write_file(erp: &Erp, tenant: &Tenant, job: &ExportRequested) -> Result<usize> {
    let mut tx = erp.db.tenant(tenant).await?;
    let rows = companies::users_and_roles(&mut tx).await?;
    tx.commit().await?;

    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["company", "name", "email", "role", "active"])
        .map_err(Error::internal)?;
    for (company, name, email, role, active) in &rows {
        out.write_record([
            company.as_str(),
            name.as_str(),
            email.as_str(),
            role.as_str(),
            if *active { "yes" } else { "no" },
        ])
        .map_err(Error::internal)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| Error::internal(anyhow::anyhow!("{e}")))?;

    // The store writes whole files: a reader never sees half of one.
    erp.files.put(&file_name(job.export_id), bytes).await?;
    Ok(rows.len())
}
