//! Where sales touch the ledger: the journal entry of a posted invoice or
//! credit note, built from the document's totals and the company's account
//! mapping. Amounts are booked in lempiras: each part is converted at the
//! document's rate and rounded to cents, and the receivable is the sum of
//! the converted parts, so the entry balances by construction (for a USD
//! document it may differ by a cent from total × rate; the ledger is exact).

use rust_decimal::Decimal;
use std::collections::HashMap;
use uuid::Uuid;

use super::documents::Amounts;
use super::totals::{Rates, cents};
use super::transitions::Kind;
use crate::accounting::entries::EntryLine;
use crate::{Error, ErrorKind, Result};

/// The accounts an entry needs: `ledger_accounts` by purpose, and the ISV
/// accounts of the tax codes, with their rates (posting recomputes the
/// totals at them).
pub struct Accounts {
    pub mapped: HashMap<String, Uuid>,
    pub isv15: Option<Uuid>,
    pub isv18: Option<Uuid>,
    pub rates: Rates,
}

fn missing(purpose: &str) -> Error {
    Error::new(
        ErrorKind::Conflict,
        "ledger_account_missing",
        format!("no account is set for {purpose}; the accountant sets it under Contabilidad"),
    )
}

impl Accounts {
    fn get(&self, purpose: &str) -> Result<Uuid> {
        self.mapped
            .get(purpose)
            .copied()
            .ok_or_else(|| missing(purpose))
    }
}

/// The mapping, the ISV accounts and rates, in one round trip.
pub async fn accounts(tx: &mut sqlx::PgConnection) -> Result<Accounts> {
    let rows: Vec<(String, Option<Uuid>, Option<Decimal>)> = sqlx::query_as(
        "SELECT purpose, account_id, NULL::numeric FROM ledger_accounts
         UNION ALL
         SELECT 'tax_' || tax_class, account_id, rate FROM tax_codes WHERE tax_class IN ('isv15', 'isv18')",
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut accounts = Accounts {
        mapped: HashMap::new(),
        isv15: None,
        isv18: None,
        rates: Rates::default(),
    };
    for (purpose, account, rate) in rows {
        match purpose.as_str() {
            "tax_isv15" => {
                accounts.isv15 = account;
                accounts.rates.isv15 = rate.unwrap_or(accounts.rates.isv15);
            }
            "tax_isv18" => {
                accounts.isv18 = account;
                accounts.rates.isv18 = rate.unwrap_or(accounts.rates.isv18);
            }
            _ => {
                if let Some(a) = account {
                    accounts.mapped.insert(purpose, a);
                }
            }
        }
    }
    Ok(accounts)
}

/// The lines of the entry for a posted invoice (or, mirrored, a credit note).
pub fn entry_lines(
    kind: Kind,
    amounts: &Amounts,
    rate: Decimal,
    party_id: Uuid,
    accounts: &Accounts,
) -> Result<Vec<EntryLine>> {
    let credit_note = kind == Kind::CreditNote;
    let hnl = |x: Decimal| cents(x * rate);
    // (account, amount in lempiras) on the revenue side of an invoice.
    let mut income: Vec<(Uuid, Decimal)> = Vec::new();
    let revenue = [
        ("revenue_isv15", amounts.taxed15),
        ("revenue_isv18", amounts.taxed18),
        ("revenue_exempt", amounts.exempt),
        ("revenue_exonerated", amounts.exonerated),
    ];
    for (purpose, amount) in revenue {
        if amount.is_zero() {
            continue;
        }
        // Returns are booked on their own account, whatever the class.
        let account = accounts.get(if credit_note {
            "sales_returns"
        } else {
            purpose
        })?;
        income.push((account, hnl(amount)));
    }
    for (tax, amount, account) in [
        ("ISV 15 %", amounts.isv15, accounts.isv15),
        ("ISV 18 %", amounts.isv18, accounts.isv18),
    ] {
        if amount.is_zero() {
            continue;
        }
        income.push((account.ok_or_else(|| missing(tax))?, hnl(amount)));
    }
    let receivable: Decimal = income.iter().map(|(_, a)| *a).sum();
    let receivable_account = accounts.get("receivable")?;
    let mut lines = Vec::with_capacity(income.len() + 1);
    if credit_note {
        lines.push(EntryLine::credit(
            receivable_account,
            Some(party_id),
            receivable,
        ));
        lines.extend(
            income
                .into_iter()
                .map(|(a, x)| EntryLine::debit(a, None, x)),
        );
    } else {
        lines.push(EntryLine::debit(
            receivable_account,
            Some(party_id),
            receivable,
        ));
        lines.extend(
            income
                .into_iter()
                .map(|(a, x)| EntryLine::credit(a, None, x)),
        );
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_else(|_| panic!("bad decimal {s}"))
    }

    fn accounts() -> Accounts {
        let purposes = [
            "receivable",
            "revenue_isv15",
            "revenue_isv18",
            "revenue_exempt",
            "revenue_exonerated",
            "sales_returns",
        ];
        Accounts {
            mapped: purposes
                .iter()
                .map(|p| (p.to_string(), Uuid::new_v4()))
                .collect(),
            isv15: Some(Uuid::new_v4()),
            isv18: Some(Uuid::new_v4()),
            rates: Rates::default(),
        }
    }

    fn sums(lines: &[EntryLine]) -> (Decimal, Decimal) {
        (
            lines.iter().map(|l| l.debit).sum(),
            lines.iter().map(|l| l.credit).sum(),
        )
    }

    #[test]
    fn a_usd_invoice_balances_in_lempiras() {
        let a = accounts();
        let amounts = Amounts {
            taxed15: d("1033.33"),
            isv15: d("155.00"),
            exempt: d("10.01"),
            total: d("1198.34"),
            ..Amounts::default()
        };
        let lines =
            entry_lines(Kind::Invoice, &amounts, d("24.6512"), Uuid::new_v4(), &a).expect("entry");
        // 1033.33 × 24.6512 = 25472.8247… → 25472.82; 155 × 24.6512 = 3820.936 → 3820.94;
        // 10.01 × 24.6512 = 246.758… → 246.76. Receivable = 29540.52.
        assert_eq!(lines[0].debit, d("29540.52"));
        assert_eq!(sums(&lines), (d("29540.52"), d("29540.52")));
        assert_eq!(lines.len(), 4);
    }

    #[test]
    fn a_credit_note_mirrors_the_invoice_on_the_returns_account() {
        let a = accounts();
        let amounts = Amounts {
            taxed15: d("100.00"),
            taxed18: d("50.00"),
            isv15: d("15.00"),
            isv18: d("9.00"),
            total: d("174.00"),
            ..Amounts::default()
        };
        let lines = entry_lines(Kind::CreditNote, &amounts, Decimal::ONE, Uuid::new_v4(), &a)
            .expect("entry");
        assert_eq!(lines[0].credit, d("174.00"));
        let returns = a.mapped["sales_returns"];
        let on_returns: Decimal = lines
            .iter()
            .filter(|l| l.account_id == returns)
            .map(|l| l.debit)
            .sum();
        assert_eq!(on_returns, d("150.00"));
        assert_eq!(sums(&lines), (d("174.00"), d("174.00")));
    }

    #[test]
    fn a_missing_isv_account_refuses_the_posting() {
        let mut a = accounts();
        a.isv18 = None;
        let amounts = Amounts {
            taxed18: d("10.00"),
            isv18: d("1.80"),
            total: d("11.80"),
            ..Amounts::default()
        };
        let err = entry_lines(Kind::Invoice, &amounts, Decimal::ONE, Uuid::new_v4(), &a)
            .err()
            .map(|e| e.code);
        assert_eq!(err, Some("ledger_account_missing"));
    }
}
