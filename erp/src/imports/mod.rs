//! CSV imports of parties and products. Uploading checks every row and keeps
//! the file: the user sees how many rows are good and each bad row with its
//! line and column before anything is written. Confirming hands the import to
//! a worker ([`run`]) that writes the good rows in batches, counting progress
//! on the import's row. Rows are matched to existing records (RTN, SKU), so
//! importing the same file again creates nothing new.

mod check;
mod run;

pub use run::run;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::access::{Access, Tx};
use crate::jobs::ImportRequested;
use crate::records::audit_change;
use crate::roles::{Action, Resource};
use crate::{Erp, Error, Result, SessionUser};

/// Larger files are refused before reading (the HTTP layers stop them too).
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
/// Rows per file.
pub const MAX_ROWS: usize = 200_000;
/// Bad rows kept for the page and the API; the count covers all of them.
const KEPT_ISSUES: usize = 1000;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = ImportKind))]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Parties,
    Products,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Parties => "parties",
            Kind::Products => "products",
        }
    }

    fn resource(self) -> Resource {
        match self {
            Kind::Parties => Resource::Parties,
            Kind::Products => Resource::Catalog,
        }
    }

    /// Column names as exported (and accepted, with Spanish names too).
    pub fn columns(self) -> &'static [(&'static str, &'static [&'static str])] {
        match self {
            Kind::Parties => crate::parties::csv::COLUMNS,
            Kind::Products => crate::catalog::products_csv::COLUMNS,
        }
    }

    /// Columns a file must have: without them no row could be right.
    fn required_columns(self) -> &'static [&'static str] {
        match self {
            Kind::Parties => &["name"],
            Kind::Products => &["sku", "name", "sale_price"],
        }
    }
}

/// What writing one row did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
}

/// A bad row: where it is in the file and what is wrong.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RowIssue {
    /// Line in the file (the header is line 1).
    pub line: u64,
    /// Our column name (`rtn`, `sale_price`, …); empty for the whole row.
    pub column: String,
    /// Stable code; the pages translate it.
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Import {
    pub id: Uuid,
    pub kind: String,
    pub file_name: String,
    /// preview, queued, running, done, failed, or expired (a preview not
    /// started within a day: its file is gone).
    pub status: String,
    /// Data rows in the file (blank lines not counted).
    pub total_rows: i32,
    pub valid_rows: i32,
    /// Valid rows the worker has written so far (progress).
    pub processed_rows: i32,
    pub created_rows: i32,
    pub updated_rows: i32,
    pub unchanged_rows: i32,
    /// The first bad rows (at most 1000); `issue_count` counts them all.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<RowIssue>))]
    pub issues: sqlx::types::Json<Vec<RowIssue>>,
    pub issue_count: i32,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

macro_rules! columns {
    () => {
        "id, kind, file_name, status, total_rows, valid_rows, processed_rows, created_rows, \
         updated_rows, unchanged_rows, issues, issue_count, error, created_at, started_at, finished_at"
    };
}

/// Where an import's uploaded file is kept in the file store (until the
/// purge task removes it).
pub fn file_key(id: Uuid) -> String {
    format!("imports/{id}.csv")
}

/// Importing needs both: new rows are created, known ones updated. The
/// worker asks again for every batch, so a role taken away stops an import.
async fn begin(erp: &Erp, user: &SessionUser, kind: Kind) -> Result<(Access, Tx)> {
    let (access, tx) = Access::begin(&erp.db, user, kind.resource(), Action::Create).await?;
    access.require(kind.resource(), Action::Update)?;
    Ok((access, tx))
}

/// Check an uploaded file and keep it for [`start`]; nothing is imported yet.
pub async fn preview(
    erp: &Erp,
    user: &SessionUser,
    kind: Kind,
    file_name: &str,
    bytes: &[u8],
) -> Result<Import> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(Error::validation(
            "file_too_large",
            "/file",
            format!("at most {} MB", MAX_FILE_BYTES / 1024 / 1024),
        ));
    }
    let text = crate::csv_io::decode(bytes);
    let file_name: String = file_name.trim().chars().take(200).collect();
    let (access, mut tx) = begin(erp, user, kind).await?;
    let checked = check::check(&mut tx, &access, kind, &text).await?;
    let id = Uuid::now_v7();
    // Kept as UTF-8 so the worker reads exactly what was checked.
    erp.files.put(&file_key(id), text.into_bytes()).await?;
    let issue_count = checked.issues.len() as i32;
    let kept: Vec<RowIssue> = checked.issues.into_iter().take(KEPT_ISSUES).collect();
    let import: Import = sqlx::query_as(concat!(
        "INSERT INTO imports (id, company_id, requested_by, kind, file_name, total_rows, valid_rows,
                              issues, issue_count)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ",
        columns!()
    ))
    .bind(id)
    .bind(access.company_id)
    .bind(access.user_id)
    .bind(kind.as_str())
    .bind(if file_name.is_empty() {
        "import.csv".to_owned()
    } else {
        file_name
    })
    .bind(checked.total as i32)
    .bind(checked.valid.len() as i32)
    .bind(sqlx::types::Json(&kept))
    .bind(issue_count)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(import)
}

/// Queue a previewed import for the worker.
pub async fn start(erp: &Erp, user: &SessionUser, kind: Kind, id: Uuid) -> Result<Import> {
    let (access, mut tx) = begin(erp, user, kind).await?;
    let before = fetch(&mut tx, kind, id, true).await?;
    if before.status == "expired" {
        return Err(Error::conflict(
            "import_expired",
            "this preview is over a day old and its file is gone; upload the file again",
        ));
    }
    if before.status != "preview" {
        return Err(Error::conflict(
            "import_already_started",
            "this import has already been started",
        ));
    }
    if before.valid_rows == 0 {
        return Err(Error::conflict(
            "nothing_to_import",
            "the file has no valid rows",
        ));
    }
    let after: Import = sqlx::query_as(concat!(
        "UPDATE imports SET status = 'queued' WHERE id = $1 RETURNING ",
        columns!()
    ))
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    audit_change(
        &mut tx,
        &access,
        "start",
        "import",
        id,
        None::<&Import>,
        Some(&after),
    )
    .await?;
    crate::jobs::enqueue(
        &mut tx,
        &ImportRequested {
            import_id: id,
            kind,
            company_id: access.company_id,
            user_id: access.user_id,
        },
        crate::jobs::Options::watched(),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

pub async fn get(erp: &Erp, user: &SessionUser, kind: Kind, id: Uuid) -> Result<Import> {
    let (_, mut tx) = Access::begin(&erp.db, user, kind.resource(), Action::Read).await?;
    let import = fetch(&mut tx, kind, id, false).await?;
    tx.commit().await?;
    Ok(import)
}

/// The company's latest imports of `kind`, newest first.
pub async fn list(erp: &Erp, user: &SessionUser, kind: Kind) -> Result<Vec<Import>> {
    let (access, mut tx) = Access::begin(&erp.db, user, kind.resource(), Action::Read).await?;
    let rows = sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM imports WHERE company_id = $1 AND kind = $2 ORDER BY created_at DESC LIMIT 20"
    ))
    .bind(access.company_id)
    .bind(kind.as_str())
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows)
}

async fn fetch(tx: &mut Tx, kind: Kind, id: Uuid, for_update: bool) -> Result<Import> {
    let sql = if for_update {
        concat!(
            "SELECT ",
            columns!(),
            " FROM imports WHERE id = $1 AND kind = $2 FOR UPDATE"
        )
    } else {
        concat!(
            "SELECT ",
            columns!(),
            " FROM imports WHERE id = $1 AND kind = $2"
        )
    };
    sqlx::query_as(sql)
        .bind(id)
        .bind(kind.as_str())
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| Error::not_found("import_not_found"))
}
