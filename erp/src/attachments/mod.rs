//! Files attached to a party, a product (a vehicle's photos) or a sales
//! document. The bytes go to the file store; the row (name, type, size,
//! hash, thumbnail state) is under the company's row-level security, so
//! another company's attachment is not found, whatever its id. Whoever may
//! read the record may read its files; whoever may edit it may attach and
//! remove them.

pub mod checks;
pub mod thumbnail;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::access::Access;
use crate::audit;
use crate::exports::ExportFile;
use crate::jobs::Options;
use crate::roles::{Action, Resource};
use crate::{Erp, Error, Result, SessionUser};

pub use checks::{MAX_BYTES, Refusal};
pub use thumbnail::ThumbnailRequested;

/// What a file is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OwnerKind {
    Party,
    Product,
    SalesDocument,
}

impl OwnerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OwnerKind::Party => "party",
            OwnerKind::Product => "product",
            OwnerKind::SalesDocument => "sales_document",
        }
    }

    pub fn parse(s: &str) -> Option<OwnerKind> {
        [
            OwnerKind::Party,
            OwnerKind::Product,
            OwnerKind::SalesDocument,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    /// Whose permissions an attachment follows.
    pub fn resource(self) -> Resource {
        match self {
            OwnerKind::Party => Resource::Parties,
            OwnerKind::Product => Resource::Catalog,
            OwnerKind::SalesDocument => Resource::Sales,
        }
    }

    /// Finds the owner in the company (one fixed statement per kind).
    fn exists_sql(self) -> &'static str {
        match self {
            OwnerKind::Party => "SELECT 1 FROM parties WHERE id = $1 AND company_id = $2",
            OwnerKind::Product => "SELECT 1 FROM products WHERE id = $1 AND company_id = $2",
            OwnerKind::SalesDocument => {
                "SELECT 1 FROM sales_documents WHERE id = $1 AND company_id = $2"
            }
        }
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachment {
    pub id: Uuid,
    pub owner_kind: String,
    pub owner_id: Uuid,
    pub file_name: String,
    /// What the content is: image/jpeg, image/png, image/webp or application/pdf.
    pub content_type: String,
    pub size_bytes: i64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    pub width: Option<i32>,
    pub height: Option<i32>,
    /// none (not an image), pending, done or failed.
    pub thumbnail: String,
    pub uploaded_by: Uuid,
    pub created_at: DateTime<Utc>,
}

impl Attachment {
    pub fn is_image(&self) -> bool {
        self.content_type.starts_with("image/")
    }
}

macro_rules! columns {
    () => {
        "id, owner_kind, owner_id, file_name, content_type, size_bytes, sha256, width, height, \
         thumbnail, uploaded_by, created_at"
    };
}

/// Where the file itself is in the store.
pub fn original_key(company_id: Uuid, id: Uuid) -> String {
    format!("attachments/{company_id}/{id}")
}

/// Where its thumbnail is.
pub fn thumbnail_key(company_id: Uuid, id: Uuid) -> String {
    format!("attachments/{company_id}/{id}.thumb.jpg")
}

/// The name as kept: no folders, no control characters, at most 200 characters.
fn clean_name(file_name: &str) -> String {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or_default();
    base.chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Opens the owner's company for `action` and checks the owner exists there.
async fn begin_on(
    erp: &Erp,
    user: &SessionUser,
    kind: OwnerKind,
    owner_id: Uuid,
    action: Action,
) -> Result<(Access, crate::access::Tx)> {
    let (access, mut tx) = Access::begin(&erp.db, user, kind.resource(), action).await?;
    let found: Option<i32> = sqlx::query_scalar(kind.exists_sql())
        .bind(owner_id)
        .bind(access.company_id)
        .fetch_optional(&mut *tx)
        .await?;
    if found.is_none() {
        return Err(Error::not_found("owner_not_found"));
    }
    Ok((access, tx))
}

/// Attach `bytes`, uploaded as `file_name`, to the owner. An image's
/// thumbnail is made by a job queued with the row.
pub async fn upload(
    erp: &Erp,
    user: &SessionUser,
    kind: OwnerKind,
    owner_id: Uuid,
    file_name: &str,
    bytes: Vec<u8>,
) -> Result<Attachment> {
    let name = clean_name(file_name);
    if name.is_empty() {
        return Err(Error::validation(
            "file_name_missing",
            "/file",
            "the file has no name",
        ));
    }
    let checked = checks::check(&name, &bytes)?;
    let (access, mut tx) = begin_on(erp, user, kind, owner_id, Action::Update).await?;
    let id = Uuid::now_v7();
    let (width, height) = checked
        .dimensions
        .map_or((None, None), |(w, h)| (Some(w as i32), Some(h as i32)));
    let attachment: Attachment = sqlx::query_as(concat!(
        "INSERT INTO attachments (id, company_id, owner_kind, owner_id, file_name, content_type,
                                  size_bytes, sha256, width, height, thumbnail, uploaded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ",
        columns!()
    ))
    .bind(id)
    .bind(access.company_id)
    .bind(kind.as_str())
    .bind(owner_id)
    .bind(&name)
    .bind(checked.content_type)
    .bind(bytes.len() as i64)
    .bind(hex::encode(Sha256::digest(&bytes)))
    .bind(width)
    .bind(height)
    .bind(if checked.is_image() {
        "pending"
    } else {
        "none"
    })
    .bind(user.user_id)
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        audit::Entry {
            company_id: Some(access.company_id),
            user_id: Some(user.user_id),
            action: "attach",
            entity: kind.as_str(),
            entity_id: owner_id.to_string(),
            detail: serde_json::json!({
                "attachment": id, "file_name": name, "size_bytes": attachment.size_bytes,
            }),
        },
    )
    .await?;
    if checked.is_image() {
        crate::jobs::enqueue(
            &mut tx,
            &ThumbnailRequested {
                attachment_id: id,
                company_id: access.company_id,
                user_id: user.user_id,
            },
            Options::watched(),
        )
        .await?;
    }
    // The file first: a row never names a file that is not there. If the
    // commit then fails, the file is removed again.
    let key = original_key(access.company_id, id);
    erp.files.put(&key, bytes).await?;
    if let Err(e) = tx.commit().await {
        let _ = erp.files.delete(&key).await;
        return Err(e.into());
    }
    Ok(attachment)
}

/// The owner's attachments, oldest first.
pub async fn list(
    erp: &Erp,
    user: &SessionUser,
    kind: OwnerKind,
    owner_id: Uuid,
) -> Result<Vec<Attachment>> {
    let (_, mut tx) = begin_on(erp, user, kind, owner_id, Action::Read).await?;
    let found = sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM attachments WHERE owner_kind = $1 AND owner_id = $2 ORDER BY created_at, id"
    ))
    .bind(kind.as_str())
    .bind(owner_id)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(found)
}

/// One attachment the caller may read (in the active company, on a record
/// their role reads); otherwise not found.
pub async fn get(erp: &Erp, user: &SessionUser, id: Uuid) -> Result<Attachment> {
    let mut tx = erp.db.tenant(&user.tenant()).await?;
    let found: Option<Attachment> = sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM attachments WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    let attachment = found.ok_or_else(|| Error::not_found("attachment_not_found"))?;
    let kind = OwnerKind::parse(&attachment.owner_kind)
        .ok_or_else(|| Error::not_found("attachment_not_found"))?;
    // The role check for the owner's kind (and the owner's company).
    let (_, tx) = begin_on(erp, user, kind, attachment.owner_id, Action::Read).await?;
    tx.commit().await?;
    Ok(attachment)
}

/// The file (or, with `thumbnail`, its thumbnail) for download.
pub async fn read(erp: &Erp, user: &SessionUser, id: Uuid, thumbnail: bool) -> Result<ExportFile> {
    let a = get(erp, user, id).await?;
    let company_id = user.company_id.unwrap_or_default();
    if thumbnail && a.thumbnail != "done" {
        return Err(Error::not_found("thumbnail_not_ready"));
    }
    let key = if thumbnail {
        thumbnail_key(company_id, id)
    } else {
        original_key(company_id, id)
    };
    let bytes = erp
        .files
        .get(&key)
        .await?
        .ok_or_else(|| Error::not_found("attachment_file_missing"))?;
    Ok(ExportFile {
        file_name: a.file_name.clone(),
        content_type: match (thumbnail, a.content_type.as_str()) {
            (true, _) | (_, "image/jpeg") => "image/jpeg",
            (_, "image/png") => "image/png",
            (_, "image/webp") => "image/webp",
            _ => "application/pdf",
        },
        bytes,
    })
}

/// Remove an attachment and its files.
pub async fn delete(erp: &Erp, user: &SessionUser, id: Uuid) -> Result<Attachment> {
    let a = get(erp, user, id).await?;
    let kind =
        OwnerKind::parse(&a.owner_kind).ok_or_else(|| Error::not_found("attachment_not_found"))?;
    let (access, mut tx) = begin_on(erp, user, kind, a.owner_id, Action::Update).await?;
    let removed = sqlx::query("DELETE FROM attachments WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if removed == 0 {
        return Err(Error::not_found("attachment_not_found"));
    }
    audit::record(
        &mut tx,
        audit::Entry {
            company_id: Some(access.company_id),
            user_id: Some(user.user_id),
            action: "detach",
            entity: kind.as_str(),
            entity_id: a.owner_id.to_string(),
            detail: serde_json::json!({ "attachment": id, "file_name": a.file_name }),
        },
    )
    .await?;
    tx.commit().await?;
    for key in [
        original_key(access.company_id, id),
        thumbnail_key(access.company_id, id),
    ] {
        if let Err(e) = erp.files.delete(&key).await {
            log::warn!("attachment {id}: removing {key}: {}", e.message);
        }
    }
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_their_folders_and_control_characters() {
        assert_eq!(clean_name("C:\\fotos\\moto 1.jpg"), "moto 1.jpg");
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name(" a\u{0}b.png "), "ab.png");
        assert_eq!(clean_name("x/"), "");
    }

    #[test]
    fn owner_kinds_read_back_from_their_names() {
        for k in [
            OwnerKind::Party,
            OwnerKind::Product,
            OwnerKind::SalesDocument,
        ] {
            assert_eq!(OwnerKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(OwnerKind::parse("users"), None);
    }
}
