//! Exports: requested by a user, written by a worker, downloaded from the page.

mod users_roles;

pub use users_roles::write_users_roles;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::access::Access;
use crate::audit;
use crate::jobs::ExportRequested;
use crate::roles::{Action, Resource};
use crate::{Erp, Error, Result, SessionUser};

/// How long a finished export stays downloadable before the purge task removes it.
pub const KEEP_HOURS: i64 = 24;

#[derive(Debug, Clone, Serialize, sqlx::FromRow, PartialEq)]
pub struct Export {
    pub id: Uuid,
    pub company_id: Uuid,
    pub kind: String,
    pub status: String,
    pub row_count: Option<i32>,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// The columns of [`Export`], as a literal so queries stay `&'static str`.
macro_rules! columns {
    () => {
        "id, company_id, kind, status, row_count, error, created_at, finished_at, expires_at"
    };
}

/// Record the request (with its audit entry) and its job, in one transaction.
pub async fn request_users_roles(erp: &Erp, user: &SessionUser) -> Result<Export> {
    // Through the gate every module uses, so a role without the right and a
    // company that requires two-step verification both refuse here too.
    let (access, mut tx) = Access::begin(&erp.db, user, Resource::Users, Action::Read).await?;
    let company_id = access.company_id;
    let export: Export = sqlx::query_as(concat!(
        "INSERT INTO exports (id, company_id, requested_by, kind) VALUES ($1, $2, $3, 'users_roles')
         RETURNING ",
        columns!()
    ))
    .bind(Uuid::now_v7())
    .bind(company_id)
    .bind(user.user_id)
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        audit::Entry {
            company_id: Some(company_id),
            user_id: Some(user.user_id),
            action: "request",
            entity: "export",
            entity_id: export.id.to_string(),
            detail: serde_json::json!({ "kind": "users_roles" }),
        },
    )
    .await?;
    crate::jobs::enqueue(
        &mut tx,
        &ExportRequested {
            export_id: export.id,
            company_id,
            user_id: user.user_id,
        },
        crate::jobs::Options::watched(),
    )
    .await?;
    tx.commit().await?;
    Ok(export)
}

/// One export of the active company; another company's id is simply not found.
pub async fn get(erp: &Erp, user: &SessionUser, id: Uuid) -> Result<Export> {
    let mut tx = erp.db.tenant(&user.tenant()).await?;
    let export: Option<Export> = sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM exports WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    export.ok_or_else(|| Error::not_found("export_not_found"))
}

pub async fn list(erp: &Erp, user: &SessionUser) -> Result<Vec<Export>> {
    let mut tx = erp.db.tenant(&user.tenant()).await?;
    let rows = sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM exports ORDER BY created_at DESC LIMIT 20"
    ))
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows)
}

/// A finished export's file, ready to hand to the user.
pub struct ExportFile {
    pub file_name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

impl ExportFile {
    /// The `Content-Disposition` value that makes browsers save it.
    pub fn attachment(&self) -> String {
        self.disposition("attachment")
    }

    /// `inline` (shown in the browser) or `attachment` (saved), with the
    /// name as typed (RFC 6266 `filename*`) and a plain-ASCII fallback: a
    /// name is a person's (accents, quotes) and must not break the header.
    pub fn disposition(&self, how: &str) -> String {
        let plain: String = self
            .file_name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || " .-_()".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let mut encoded = String::new();
        for b in self.file_name.bytes() {
            if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                encoded.push(b as char);
            } else {
                encoded.push_str(&format!("%{b:02X}"));
            }
        }
        format!("{how}; filename=\"{plain}\"; filename*=UTF-8''{encoded}")
    }
}

#[cfg(test)]
mod tests {
    use super::ExportFile;

    #[test]
    fn a_name_with_accents_and_quotes_keeps_the_header_valid() {
        let f = ExportFile {
            file_name: "Cotización \"final\".pdf".into(),
            content_type: "application/pdf",
            bytes: vec![],
        };
        assert_eq!(
            f.disposition("inline"),
            "inline; filename=\"Cotizaci_n _final_.pdf\"; \
             filename*=UTF-8''Cotizaci%C3%B3n%20%22final%22.pdf"
        );
        assert!(f.attachment().is_ascii());
    }
}

/// The file of a finished export of the caller's company.
pub async fn read_file(erp: &Erp, user: &SessionUser, id: Uuid) -> Result<ExportFile> {
    let export = get(erp, user, id).await?;
    if export.status != "done" {
        return Err(Error::new(
            crate::ErrorKind::Conflict,
            "export_not_ready",
            "the export is not ready",
        ));
    }
    let bytes = erp
        .files
        .get(&file_name(id))
        .await?
        .ok_or_else(|| Error::not_found("export_file_missing"))?;
    Ok(ExportFile {
        file_name: file_name(id),
        content_type: "text/csv; charset=utf-8",
        bytes,
    })
}

pub fn file_name(id: Uuid) -> String {
    format!("export-{id}.csv")
}
