//! The supplier's CAI a local bill is checked against: the range and
//! deadline printed with it, recorded with the first bill that names the
//! CAI and the same for every later one. A number outside the range, or a
//! document issued after the deadline, is not a valid fiscal document and
//! gives no ISV credit, so the bill is refused with the reason.

use chrono::NaiveDate;
use uuid::Uuid;

use super::bills::BillInput;
use crate::fiscal::FiscalNumber;
use crate::validate::Checks;
use crate::{FieldIssue, Result};

#[derive(sqlx::FromRow)]
struct Known {
    id: Uuid,
    range_first: String,
    range_last: String,
    deadline: NaiveDate,
}

/// Check `number` against the supplier's CAI named in `input` (recording
/// the CAI when it is new); the CAI's id, or `None` with the problems in `c`.
pub(crate) async fn check(
    tx: &mut sqlx::PgConnection,
    c: &mut Checks,
    party_id: Uuid,
    input: &BillInput,
    number: &FiscalNumber,
    issue_date: NaiveDate,
) -> Result<Option<Uuid>> {
    let cai = crate::fiscal::ranges::cai(c, "/supplier_cai", &input.supplier_cai);
    let bad_number = |p: &str| {
        FieldIssue::new(
            p,
            "invalid_fiscal_number",
            "a fiscal number: 000-000-00-00000000",
        )
    };
    let first = parse_opt(c, "/cai_range_first", &input.cai_range_first, bad_number);
    let last = parse_opt(c, "/cai_range_last", &input.cai_range_last, bad_number);
    if c.has("/supplier_cai") {
        return Ok(None);
    }
    let known: Option<Known> = sqlx::query_as(
        "SELECT id, range_first, range_last, deadline FROM supplier_cais WHERE party_id = $1 AND cai = $2",
    )
    .bind(party_id)
    .bind(&cai)
    .fetch_optional(&mut *tx)
    .await?;
    let known = match known {
        Some(k) => {
            let printed = (
                first.as_ref().map(|f| f.to_string()),
                last.as_ref().map(|l| l.to_string()),
                input.cai_deadline,
            );
            let differs = printed.0.is_some_and(|f| f != k.range_first)
                || printed.1.is_some_and(|l| l != k.range_last)
                || printed.2.is_some_and(|d| d != k.deadline);
            if differs {
                c.push(FieldIssue::new(
                    "/supplier_cai",
                    "cai_range_differs",
                    format!(
                        "this CAI was recorded with the range {} to {} and deadline {}",
                        k.range_first, k.range_last, k.deadline
                    ),
                ));
                return Ok(None);
            }
            k
        }
        None => {
            let (Some(first), Some(last), Some(deadline)) = (first, last, input.cai_deadline)
            else {
                for (pointer, missing) in [
                    ("/cai_range_first", input.cai_range_first.trim().is_empty()),
                    ("/cai_range_last", input.cai_range_last.trim().is_empty()),
                    ("/cai_deadline", input.cai_deadline.is_none()),
                ] {
                    if missing {
                        c.push(FieldIssue::new(
                            pointer,
                            "required",
                            "a CAI not seen before needs its range and deadline as printed on the document",
                        ));
                    }
                }
                return Ok(None);
            };
            let prefix = |n: &FiscalNumber| {
                (
                    n.establishment.clone(),
                    n.point.clone(),
                    n.type_code.clone(),
                )
            };
            if prefix(&first) != prefix(&last) || last.sequence < first.sequence {
                c.push(FieldIssue::new(
                    "/cai_range_last",
                    "range_reversed",
                    "the range's last number shares the first one's prefix and comes after it",
                ));
                return Ok(None);
            }
            let id = Uuid::now_v7();
            sqlx::query(
                "INSERT INTO supplier_cais (id, company_id, party_id, cai, range_first, range_last, deadline)
                 SELECT $1, company_id, id, $3, $4, $5, $6 FROM parties WHERE id = $2",
            )
            .bind(id)
            .bind(party_id)
            .bind(&cai)
            .bind(first.to_string())
            .bind(last.to_string())
            .bind(deadline)
            .execute(&mut *tx)
            .await?;
            Known {
                id,
                range_first: first.to_string(),
                range_last: last.to_string(),
                deadline,
            }
        }
    };
    let text = number.to_string();
    // Same prefix, zero-padded sequence: text order is number order.
    if text[..10] != known.range_first[..10] || text < known.range_first || text > known.range_last
    {
        c.push(FieldIssue::new(
            "/supplier_number",
            "outside_cai_range",
            format!(
                "the number is outside the range the CAI authorizes ({} to {})",
                known.range_first, known.range_last
            ),
        ));
        return Ok(None);
    }
    if issue_date > known.deadline {
        c.push(FieldIssue::new(
            "/issue_date",
            "cai_expired",
            format!(
                "the supplier's CAI allowed documents until {}",
                known.deadline
            ),
        ));
        return Ok(None);
    }
    Ok(Some(known.id))
}

fn parse_opt(
    c: &mut Checks,
    pointer: &str,
    text: &str,
    bad: impl Fn(&str) -> FieldIssue,
) -> Option<FiscalNumber> {
    if text.trim().is_empty() {
        return None;
    }
    c.take(text.parse().map_err(|_| bad(pointer)))
}
