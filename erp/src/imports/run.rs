//! The worker side of an import: write the good rows in batches, each batch
//! one transaction that also advances the import's counters, so the progress
//! the page shows is exactly what is committed.

use super::check::{Valid, check, row_issue};
use super::{RowIssue, begin, fetch, file_key};
use crate::access::{Access, Tx};
use crate::jobs::ImportRequested;
use crate::{Erp, Error, Result, SessionUser};

/// Rows per transaction: small enough that progress moves every moment,
/// large enough that commits are not the cost.
const BATCH: usize = 250;

#[derive(Default)]
struct Counts {
    processed: i32,
    created: i32,
    updated: i32,
    unchanged: i32,
    issues: Vec<RowIssue>,
}

/// Run a queued import to its end, recording the outcome on its row.
pub async fn run(erp: &Erp, job: &ImportRequested) -> Result<()> {
    let user = SessionUser::new(job.user_id, Some(job.company_id), String::new());
    let result = write_rows(erp, &user, job).await;
    if let Err(e) = &result {
        // The user may have lost the right to import meanwhile; the row is
        // still theirs to read, so the failure is written as the owner saw it.
        let mut tx = erp
            .db
            .tenant(&crate::Tenant::in_company(job.user_id, job.company_id))
            .await?;
        sqlx::query(
            "UPDATE imports SET status = 'failed', error = $2, finished_at = now() WHERE id = $1",
        )
        .bind(job.import_id)
        .bind(&e.message)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
    result
}

async fn write_rows(erp: &Erp, user: &SessionUser, job: &ImportRequested) -> Result<()> {
    let kind = job.kind;
    let (access, mut tx) = begin(erp, user, kind).await?;
    let import = fetch(&mut tx, kind, job.import_id, true).await?;
    if !matches!(import.status.as_str(), "queued" | "running") {
        // Delivered again after it finished: nothing left to do.
        tx.commit().await?;
        return Ok(());
    }
    // Delivered again after a worker died mid-import: each batch committed
    // together with its progress, so the first `processed_rows` good rows
    // are in and the import resumes after them.
    let done_rows = usize::try_from(import.processed_rows).unwrap_or(0);
    sqlx::query(
        "UPDATE imports SET status = 'running', started_at = coalesce(started_at, now()) WHERE id = $1",
    )
    .bind(job.import_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;

    let bytes = erp
        .files
        .get(&file_key(job.import_id))
        .await?
        .ok_or_else(|| Error::internal(anyhow::anyhow!("import file {} is gone", job.import_id)))?;
    let text = String::from_utf8(bytes)
        .map_err(|e| Error::internal(anyhow::anyhow!("import file: {e}")))?;
    let (_, mut tx) = begin(erp, user, kind).await?;
    let checked = check(&mut tx, &access, kind, &text).await?;
    tx.commit().await?;

    let mut rows = checked.valid.into_iter().skip(done_rows).peekable();
    while rows.peek().is_some() {
        let batch: Vec<_> = rows.by_ref().take(BATCH).collect();
        let (access, mut tx) = begin(erp, user, kind).await?;
        let counts = write_batch(&mut tx, &access, batch).await?;
        record_progress(&mut tx, job, &counts).await?;
        tx.commit().await?;
    }

    let (_, mut tx) = begin(erp, user, kind).await?;
    sqlx::query("UPDATE imports SET status = 'done', finished_at = now() WHERE id = $1")
        .bind(job.import_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Add a batch's counts (and the rows the database refused) to the import.
async fn record_progress(tx: &mut Tx, job: &ImportRequested, c: &Counts) -> Result<()> {
    sqlx::query(
        "UPDATE imports SET processed_rows = processed_rows + $2, created_rows = created_rows + $3,
                updated_rows = updated_rows + $4, unchanged_rows = unchanged_rows + $5,
                issues = CASE WHEN jsonb_array_length(issues) < $7 THEN issues || $6 ELSE issues END,
                issue_count = issue_count + jsonb_array_length($6)
          WHERE id = $1",
    )
    .bind(job.import_id)
    .bind(c.processed)
    .bind(c.created)
    .bind(c.updated)
    .bind(c.unchanged)
    .bind(sqlx::types::Json(&c.issues))
    .bind(super::KEPT_ISSUES as i32)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn write_batch(tx: &mut Tx, access: &Access, rows: Vec<(u64, Valid)>) -> Result<Counts> {
    let mut counts = Counts::default();
    for (line, valid) in rows {
        sqlx::query("SAVEPOINT import_row")
            .execute(&mut **tx)
            .await?;
        let outcome = match valid {
            Valid::Party(p) => crate::parties::csv::upsert(tx, access, p).await,
            Valid::Product(p) => crate::catalog::products_csv::upsert(tx, access, p).await,
        };
        counts.processed += 1;
        match outcome {
            Ok(super::Outcome::Created) => counts.created += 1,
            Ok(super::Outcome::Updated) => counts.updated += 1,
            Ok(super::Outcome::Unchanged) => counts.unchanged += 1,
            Err(e) => {
                sqlx::query("ROLLBACK TO SAVEPOINT import_row")
                    .execute(&mut **tx)
                    .await?;
                if e.fields.is_empty() {
                    counts.issues.push(RowIssue {
                        line,
                        column: String::new(),
                        code: e.code.to_owned(),
                        message: e.message.clone(),
                    });
                } else {
                    counts
                        .issues
                        .extend(e.fields.iter().map(|i| row_issue(line, i)));
                }
                continue;
            }
        }
        sqlx::query("RELEASE SAVEPOINT import_row")
            .execute(&mut **tx)
            .await?;
    }
    Ok(counts)
}
