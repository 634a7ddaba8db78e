//! The fiscal number `EEE-PPP-TT-NNNNNNNN` (establishment, emission point,
//! document type, sequence) and drawing the next one from a range.
//!
//! Gap-free and unique under concurrency because the draw happens in the
//! posting transaction with the range row locked: a second posting waits for
//! the first to commit (then takes the next number) or roll back (then takes
//! the same one). Nothing else hands out numbers.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::Serialize;
use uuid::Uuid;

use crate::{Error, ErrorKind, Result};

/// A number as printed on a fiscal document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiscalNumber {
    pub establishment: String,
    pub point: String,
    pub type_code: String,
    pub sequence: i64,
}

impl fmt::Display for FiscalNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{}-{}-{:08}",
            self.establishment, self.point, self.type_code, self.sequence
        )
    }
}

/// A fiscal number as documents print it: establishment, emission point,
/// document type and a sequence that is not zero (the API also takes the
/// 16 digits without dashes).
#[cfg(feature = "openapi")]
pub fn fiscal_number_schema() -> utoipa::openapi::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .pattern(Some(
            "^[0-9]{3}-[0-9]{3}-[0-9]{2}-(?:[1-9][0-9]{7}|0[1-9][0-9]{6}|00[1-9][0-9]{5}|000[1-9][0-9]{4}|0000[1-9][0-9]{3}|00000[1-9][0-9]{2}|000000[1-9][0-9]|0000000[1-9])$",
        ))
        .build()
}

impl FromStr for FiscalNumber {
    type Err = ();
    /// "001-001-01-00000001"; the dashes may be left out (16 digits).
    fn from_str(s: &str) -> Result<Self, ()> {
        let digits: String = s.trim().chars().filter(|c| *c != '-').collect();
        let dashed_ok = !s.contains('-') || {
            let parts: Vec<&str> = s.trim().split('-').collect();
            parts.iter().map(|p| p.len()).eq([3, 3, 2, 8])
        };
        if digits.len() != 16 || !digits.bytes().all(|b| b.is_ascii_digit()) || !dashed_ok {
            return Err(());
        }
        let sequence: i64 = digits[8..].parse().map_err(|_| ())?;
        if sequence == 0 {
            return Err(());
        }
        Ok(FiscalNumber {
            establishment: digits[0..3].to_owned(),
            point: digits[3..6].to_owned(),
            type_code: digits[6..8].to_owned(),
            sequence,
        })
    }
}

/// What a posted document keeps of its authorization, unchangeable.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Issued {
    pub number: String,
    pub range_id: Uuid,
    pub cai: String,
    pub range_first: String,
    pub range_last: String,
    pub deadline: NaiveDate,
}

#[derive(sqlx::FromRow)]
struct Candidate {
    id: Uuid,
    type_code: String,
    cai: String,
    first_number: i64,
    last_number: i64,
    next_number: i64,
    deadline: NaiveDate,
    establishment: String,
    point: String,
    today: NaiveDate,
    drawn: bool,
}

fn refusal(code: &'static str, message: String) -> Error {
    Error::new(ErrorKind::Conflict, code, message)
}

/// Take the next number of `doc_kind` at `emission_point_id` and move the
/// range on. Refuses with `fiscal_range_missing`, `fiscal_range_expired` or
/// `fiscal_range_exhausted` when no range can issue it.
pub async fn draw(
    tx: &mut sqlx::PgConnection,
    emission_point_id: Uuid,
    doc_kind: &str,
) -> Result<Issued> {
    // A range found usable may be used up by the posting we waited for;
    // then look again (the next range of the point may take over).
    for _ in 0..3 {
        // Lock the best range and, when it can issue, move it on in the
        // same statement (one round trip); `drawn` says whether it did.
        // After waiting for another posting the locked row is re-read, and
        // the UPDATE applies to that newest version too.
        let found: Option<Candidate> = sqlx::query_as(
            "WITH c AS (
                 SELECT r.id, r.type_code, r.cai, r.first_number, r.last_number, r.next_number,
                        r.deadline, b.code AS establishment, e.code AS point, hn_today() AS today
                   FROM fiscal_ranges r
                   JOIN emission_points e ON e.id = r.emission_point_id
                   JOIN branches b ON b.id = e.branch_id
                  WHERE r.emission_point_id = $1 AND r.doc_kind = $2 AND r.archived_at IS NULL
                  ORDER BY (r.next_number <= r.last_number AND r.deadline >= hn_today()) DESC,
                           r.first_number
                  LIMIT 1
                    FOR UPDATE OF r),
             u AS (
                 UPDATE fiscal_ranges r SET next_number = r.next_number + 1
                   FROM c
                  WHERE r.id = c.id AND c.next_number <= c.last_number AND c.deadline >= c.today
              RETURNING r.next_number)
             SELECT c.*, EXISTS (SELECT 1 FROM u) AS drawn FROM c",
        )
        .bind(emission_point_id)
        .bind(doc_kind)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(r) = found else {
            return Err(refusal(
                "fiscal_range_missing",
                format!("no authorized range (CAI) for {doc_kind} at this emission point"),
            ));
        };
        let number = |sequence| FiscalNumber {
            establishment: r.establishment.clone(),
            point: r.point.clone(),
            type_code: r.type_code.clone(),
            sequence,
        };
        if r.deadline < r.today {
            return Err(refusal(
                "fiscal_range_expired",
                format!(
                    "the range with CAI {} could be used until {}; request a new one from the SAR",
                    r.cai,
                    r.deadline.format("%d/%m/%Y")
                ),
            ));
        }
        if r.next_number > r.last_number {
            // Chosen while usable, used up by the posting we waited for:
            // the point's next range (if any) takes over.
            if another_usable(&mut *tx, r.id).await? {
                continue;
            }
            return Err(refusal(
                "fiscal_range_exhausted",
                format!(
                    "every number of the range with CAI {} (up to {}) has been issued; request a new one from the SAR",
                    r.cai,
                    number(r.last_number)
                ),
            ));
        }
        if !r.drawn {
            // The statement moves a range on exactly when the checks above
            // pass; if they ever disagree, refuse rather than guess.
            return Err(Error::internal(anyhow::anyhow!(
                "fiscal range {} passed the checks but was not moved on",
                r.id
            )));
        }
        return Ok(Issued {
            number: number(r.next_number).to_string(),
            range_id: r.id,
            cai: r.cai.clone(),
            range_first: number(r.first_number).to_string(),
            range_last: number(r.last_number).to_string(),
            deadline: r.deadline,
        });
    }
    Err(refusal(
        "fiscal_range_exhausted",
        "every authorized range of this emission point is used up".to_owned(),
    ))
}

/// Take the next number of `doc_kind` — a document the company issues
/// from wherever it has a range (a withholding receipt, a remission
/// guide): at `point` when one is named, else at the point whose usable
/// range comes first (`preferred` branch's points before the others).
pub async fn draw_anywhere(
    tx: &mut sqlx::PgConnection,
    point: Option<Uuid>,
    preferred_branch: Option<Uuid>,
    doc_kind: &str,
    what: &str,
) -> Result<Issued> {
    let point = match point {
        Some(point) => point,
        None => sqlx::query_scalar(
            "SELECT r.emission_point_id FROM fiscal_ranges r
               JOIN emission_points e ON e.id = r.emission_point_id
              WHERE r.doc_kind = $1 AND r.archived_at IS NULL
              ORDER BY (r.next_number <= r.last_number AND r.deadline >= hn_today()) DESC,
                       (e.branch_id = $2) DESC, r.first_number
              LIMIT 1",
        )
        .bind(doc_kind)
        .bind(preferred_branch)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| {
            refusal(
                "fiscal_range_missing",
                format!("the company has no CAI range for {what}: add one under Fiscal numbering"),
            )
        })?,
    };
    draw(tx, point, doc_kind).await
}

/// Whether a usable range other than `id` exists for the same point and kind.
async fn another_usable(tx: &mut sqlx::PgConnection, id: Uuid) -> Result<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM fiscal_ranges o JOIN fiscal_ranges r
                          ON o.emission_point_id = r.emission_point_id AND o.doc_kind = r.doc_kind
                       WHERE r.id = $1 AND o.id <> r.id AND o.archived_at IS NULL
                         AND o.next_number <= o.last_number AND o.deadline >= hn_today())",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_and_parse() {
        let n: FiscalNumber = "001-002-01-00000123".parse().expect("valid");
        assert_eq!(n.establishment, "001");
        assert_eq!(n.point, "002");
        assert_eq!(n.type_code, "01");
        assert_eq!(n.sequence, 123);
        assert_eq!(n.to_string(), "001-002-01-00000123");
        assert_eq!(
            "0010020100000123"
                .parse::<FiscalNumber>()
                .map(|n| n.to_string()),
            Ok("001-002-01-00000123".to_owned())
        );
    }

    #[test]
    fn malformed_numbers_are_refused() {
        for bad in [
            "",
            "001-002-01-0000012",
            "001-002-01-000001234",
            "01-0002-01-00000123",
            "001-002-01-00000000",
            "001-00A-01-00000001",
        ] {
            assert!(bad.parse::<FiscalNumber>().is_err(), "{bad:?} accepted");
        }
    }
}
