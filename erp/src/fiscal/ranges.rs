//! The register of authorized ranges: what the SAR granted (CAI, first and
//! last number, deadline) per emission point and document kind. A range is
//! entered as the SAR's resolution prints it — first and last number in full
//! — so establishment, point and type code come from the numbers themselves.
//! Once a number has been issued from it, only archiving is allowed.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::numbering::FiscalNumber;
use crate::access::Access;
use crate::db::Db;
use crate::records::{audit_change, required_version, violation};
use crate::roles::{Action, Resource};
use crate::validate::Checks;
use crate::{Error, FieldIssue, Result, SessionUser};

/// What a range numbers: the sales documents, and what the company issues
/// when it buys (withholding receipt, purchase receipt of a private
/// seller) or moves goods on the road (remission guide).
#[cfg(feature = "openapi")]
fn doc_kind_schema() -> utoipa::openapi::Object {
    crate::schema::one_of(&DOC_KINDS)
}

pub const DOC_KINDS: [&str; 6] = [
    "invoice",
    "credit_note",
    "debit_note",
    "withholding",
    "remission_guide",
    "purchase_receipt",
];

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FiscalRange {
    pub id: Uuid,
    pub emission_point_id: Uuid,
    /// invoice, credit_note or debit_note.
    pub doc_kind: String,
    pub cai: String,
    /// "001-001-01-00000001".
    pub first: String,
    pub last: String,
    /// The number the next posting takes; past `last` when used up.
    pub next: String,
    /// Numbers not issued yet.
    pub remaining: i64,
    pub deadline: NaiveDate,
    /// active, expired, exhausted or archived.
    pub state: String,
    /// few_numbers_left or deadline_near, while active and within the
    /// company's warning thresholds.
    pub warning: Option<String>,
    pub archived_at: Option<DateTime<Utc>>,
    pub version: i32,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FiscalRangeInput {
    /// The fields but `archived` and `version` are required, except to
    /// archive or restore (then they are not read).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = doc_kind_schema, required = true))]
    pub doc_kind: String,
    /// As the SAR printed it: 3A1B2C-4D5E6F-708192-A3B4C5-D6E7F8-09.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = "^[0-9A-Fa-f]{6}-[0-9A-Fa-f]{6}-[0-9A-Fa-f]{6}-[0-9A-Fa-f]{6}-[0-9A-Fa-f]{6}-[0-9A-Fa-f]{2}$",
            required = true
        )
    )]
    pub cai: String,
    /// First authorized number, "001-001-01-00000001".
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::fiscal::numbering::fiscal_number_schema, required = true))]
    pub first: String,
    /// Last authorized number, "001-001-01-00000500": the same establishment, point and type.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::fiscal::numbering::fiscal_number_schema, required = true))]
    pub last: String,
    #[cfg_attr(feature = "openapi", schema(value_type = NaiveDate, example = "2027-06-30", required = true))]
    #[serde(default)]
    pub deadline: Option<NaiveDate>,
    /// On update: true archives (retires the range), false restores it.
    #[serde(default)]
    pub archived: Option<bool>,
    #[serde(default, deserialize_with = "crate::whole_number::option_i32")]
    pub version: Option<i32>,
}

macro_rules! select {
    () => {
        "WITH p AS (SELECT b.code AS est, e.code AS pt, e.id FROM emission_points e JOIN branches b ON b.id = e.branch_id),
              w AS (SELECT fiscal_warn_remaining AS few, fiscal_warn_days AS days FROM companies WHERE id = ANY (app_company_ids()) LIMIT 1)
         SELECT r.id, r.emission_point_id, r.doc_kind, r.cai,
                p.est || '-' || p.pt || '-' || r.type_code || '-' || lpad(r.first_number::text, 8, '0') AS first,
                p.est || '-' || p.pt || '-' || r.type_code || '-' || lpad(r.last_number::text, 8, '0') AS last,
                p.est || '-' || p.pt || '-' || r.type_code || '-' || lpad(r.next_number::text, 8, '0') AS next,
                r.last_number - r.next_number + 1 AS remaining, r.deadline,
                CASE WHEN r.archived_at IS NOT NULL THEN 'archived'
                     WHEN r.deadline < hn_today() THEN 'expired'
                     WHEN r.next_number > r.last_number THEN 'exhausted'
                     ELSE 'active' END AS state,
                CASE WHEN r.archived_at IS NOT NULL OR r.deadline < hn_today() OR r.next_number > r.last_number THEN NULL
                     WHEN r.last_number - r.next_number + 1 <= w.few THEN 'few_numbers_left'
                     WHEN r.deadline - hn_today() <= w.days THEN 'deadline_near' END AS warning,
                r.archived_at, r.version
           FROM fiscal_ranges r JOIN p ON p.id = r.emission_point_id CROSS JOIN w"
    };
}

pub async fn list(db: &Db, user: &SessionUser) -> Result<Vec<FiscalRange>> {
    let (_, mut tx) = Access::begin(db, user, Resource::Fiscal, Action::Read).await?;
    let rows = sqlx::query_as(concat!(
        select!(),
        " ORDER BY r.archived_at IS NOT NULL, first"
    ))
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows)
}

/// The active ranges that are running low or close to their deadline (the
/// warning the invoice pages show).
pub async fn warnings(tx: &mut sqlx::PgConnection) -> Result<Vec<FiscalRange>> {
    Ok(sqlx::query_as(concat!(
        select!(),
        " WHERE r.archived_at IS NULL ORDER BY first"
    ))
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .filter(|r: &FiscalRange| r.warning.is_some() || r.state != "active")
    .collect())
}

async fn fetch(tx: &mut sqlx::PgConnection, id: Uuid) -> Result<FiscalRange> {
    sqlx::query_as(concat!(select!(), " WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(tx)
        .await?
        .ok_or_else(|| Error::not_found("fiscal_range_not_found"))
}

/// A CAI as the SAR prints it (upper-cased), or a problem at `pointer`.
pub fn cai(c: &mut Checks, pointer: &str, value: &str) -> String {
    let cai = value.trim().to_uppercase();
    let groups: Vec<&str> = cai.split('-').collect();
    let cai_ok = groups.iter().map(|g| g.len()).eq([6, 6, 6, 6, 6, 2])
        && groups
            .iter()
            .all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()));
    if !cai_ok {
        c.push(FieldIssue::new(
            pointer,
            "invalid_cai",
            "the CAI as the SAR printed it: six groups of hexadecimal digits, e.g. 3A1B2C-4D5E6F-708192-A3B4C5-D6E7F8-09",
        ));
    }
    cai
}

struct Checked {
    doc_kind: String,
    cai: String,
    first: FiscalNumber,
    last: FiscalNumber,
    deadline: NaiveDate,
}

fn checked(input: &FiscalRangeInput) -> Result<Checked> {
    let mut c = Checks::new();
    let doc_kind = input.doc_kind.trim().to_owned();
    if !DOC_KINDS.contains(&doc_kind.as_str()) {
        c.push(FieldIssue::new(
            "/doc_kind",
            "invalid_doc_kind",
            "invoice, credit_note, debit_note, withholding, remission_guide or purchase_receipt",
        ));
    }
    let cai = cai(&mut c, "/cai", &input.cai);
    let bad_number = |p: &str| {
        FieldIssue::new(
            p,
            "invalid_fiscal_number",
            "a fiscal number: 000-000-00-00000000",
        )
    };
    let first: Option<FiscalNumber> = c.take(input.first.parse().map_err(|_| bad_number("/first")));
    let last: Option<FiscalNumber> = c.take(input.last.parse().map_err(|_| bad_number("/last")));
    if let (Some(f), Some(l)) = (&first, &last) {
        if (&f.establishment, &f.point, &f.type_code) != (&l.establishment, &l.point, &l.type_code)
        {
            c.push(FieldIssue::new(
                "/last",
                "range_prefix_differs",
                "first and last number must share establishment, point and type",
            ));
        } else if l.sequence < f.sequence {
            c.push(FieldIssue::new(
                "/last",
                "range_reversed",
                "the last number comes before the first",
            ));
        }
    }
    if input.deadline.is_none() {
        c.push(FieldIssue::new(
            "/deadline",
            "required",
            "the deadline (fecha límite de emisión)",
        ));
    }
    c.finish()?;
    match (first, last, input.deadline) {
        (Some(first), Some(last), Some(deadline)) => Ok(Checked {
            doc_kind,
            cai,
            first,
            last,
            deadline,
        }),
        _ => Err(Error::validation(
            "invalid_input",
            "/first",
            "incomplete range",
        )),
    }
}

/// The emission point a range's numbers name (establishment and point code).
async fn point_of(tx: &mut sqlx::PgConnection, number: &FiscalNumber) -> Result<Uuid> {
    sqlx::query_scalar(
        "SELECT e.id FROM emission_points e JOIN branches b ON b.id = e.branch_id
          WHERE b.code = $1 AND e.code = $2",
    )
    .bind(&number.establishment)
    .bind(&number.point)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| {
        Error::validation(
            "unknown_emission_point",
            "/first",
            format!(
                "no branch {} with emission point {} in this company",
                number.establishment, number.point
            ),
        )
    })
}

fn overlap() -> FieldIssue {
    FieldIssue::new(
        "/first",
        "range_overlaps",
        "another range of this point and type holds some of these numbers",
    )
}

pub async fn create(db: &Db, user: &SessionUser, input: FiscalRangeInput) -> Result<FiscalRange> {
    let r = checked(&input)?;
    let (access, mut tx) = Access::begin(db, user, Resource::Fiscal, Action::Create).await?;
    let point = point_of(&mut tx, &r.first).await?;
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO fiscal_ranges (id, company_id, emission_point_id, doc_kind, type_code, cai,
                                    first_number, last_number, next_number, deadline)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $7, $9)",
    )
    .bind(id)
    .bind(access.company_id)
    .bind(point)
    .bind(&r.doc_kind)
    .bind(&r.first.type_code)
    .bind(&r.cai)
    .bind(r.first.sequence)
    .bind(r.last.sequence)
    .bind(r.deadline)
    .execute(&mut *tx)
    .await
    .map_err(|e| violation(e, &[("fiscal_ranges_no_overlap", overlap)]))?;
    let range = fetch(&mut tx, id).await?;
    audit_change(
        &mut tx,
        &access,
        "create",
        "fiscal_range",
        id,
        None,
        Some(&range),
    )
    .await?;
    tx.commit().await?;
    Ok(range)
}

/// Correct a range nothing was issued from, or archive / restore any range.
pub async fn update(
    db: &Db,
    user: &SessionUser,
    id: Uuid,
    input: FiscalRangeInput,
) -> Result<FiscalRange> {
    let version = required_version(input.version)?;
    let action = if input.archived.is_some() {
        Action::Archive
    } else {
        Action::Update
    };
    let (access, mut tx) = Access::begin(db, user, Resource::Fiscal, action).await?;
    let used: Option<bool> = sqlx::query_scalar(
        "SELECT next_number > first_number FROM fiscal_ranges WHERE id = $1 FOR UPDATE",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let used = used.ok_or_else(|| Error::not_found("fiscal_range_not_found"))?;
    let before = fetch(&mut tx, id).await?;
    if before.version != version {
        return Err(Error::stale_version());
    }
    if let Some(archived) = input.archived {
        sqlx::query(
            "UPDATE fiscal_ranges SET archived_at = CASE WHEN $2 THEN coalesce(archived_at, now()) END,
                    version = version + 1, updated_at = now() WHERE id = $1",
        )
        .bind(id)
        .bind(archived)
        .execute(&mut *tx)
        .await?;
    } else {
        if used {
            return Err(Error::conflict(
                "fiscal_range_in_use",
                "numbers of this range were issued: it can only be archived",
            ));
        }
        let r = checked(&input)?;
        let point = point_of(&mut tx, &r.first).await?;
        sqlx::query(
            "UPDATE fiscal_ranges SET emission_point_id = $2, doc_kind = $3, type_code = $4, cai = $5,
                    first_number = $6, last_number = $7, next_number = $6, deadline = $8,
                    version = version + 1, updated_at = now()
              WHERE id = $1",
        )
        .bind(id)
        .bind(point)
        .bind(&r.doc_kind)
        .bind(&r.first.type_code)
        .bind(&r.cai)
        .bind(r.first.sequence)
        .bind(r.last.sequence)
        .bind(r.deadline)
        .execute(&mut *tx)
        .await
        .map_err(|e| violation(e, &[("fiscal_ranges_no_overlap", overlap)]))?;
    }
    let after = fetch(&mut tx, id).await?;
    audit_change(
        &mut tx,
        &access,
        "update",
        "fiscal_range",
        id,
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}
