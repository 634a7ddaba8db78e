//! Money as Honduran documents write it (`money`) and a sales document's
//! totals as a Honduran invoice shows them. Pure functions over `Decimal`,
//! shared by the server and the invoice form's island (built for wasm32).
//!
//! Totals: Each line is
//! rounded to cents (quantity × price, then the discount, each to cents);
//! the lines are summed per tax class; ISV is computed once per rate on that
//! class's subtotal, rounded to cents half away from zero. So the printed
//! subtotals, the ISV lines and the total always add up exactly, which is
//! what the SAR's books and the ledger entry need.

use rust_decimal::{Decimal, RoundingStrategy};

pub mod money;
mod tax_class;

pub use tax_class::TaxClass;

/// Cents, half away from zero (how amounts are printed and booked).
pub fn cents(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub quantity: Decimal,
    pub unit_price: Decimal,
    /// Percent off the line, 0–100.
    pub discount_pct: Decimal,
    pub tax_class: TaxClass,
}

/// A line's amounts, each in cents.
#[derive(Debug, Clone, PartialEq)]
pub struct LineAmounts {
    pub gross: Decimal,
    pub discount: Decimal,
    pub net: Decimal,
}

impl Line {
    pub fn amounts(&self) -> LineAmounts {
        let gross = cents(self.quantity * self.unit_price);
        let discount = cents(gross * self.discount_pct / Decimal::ONE_HUNDRED);
        LineAmounts {
            gross,
            discount,
            net: gross - discount,
        }
    }
}

/// The ISV rates of the company's tax codes (0.15 and 0.18 by law today).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rates {
    pub isv15: Decimal,
    pub isv18: Decimal,
}

impl Default for Rates {
    fn default() -> Rates {
        Rates {
            isv15: Decimal::new(15, 2),
            isv18: Decimal::new(18, 2),
        }
    }
}

/// The document totals, in the document's currency, each in cents.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Totals {
    pub discount: Decimal,
    pub exempt: Decimal,
    pub exonerated: Decimal,
    pub taxed15: Decimal,
    pub taxed18: Decimal,
    pub isv15: Decimal,
    pub isv18: Decimal,
    pub total: Decimal,
}

impl Totals {
    pub fn of(lines: &[Line], rates: Rates) -> Totals {
        let mut t = Totals::default();
        for line in lines {
            let a = line.amounts();
            t.discount += a.discount;
            match line.tax_class {
                TaxClass::Isv15 => t.taxed15 += a.net,
                TaxClass::Isv18 => t.taxed18 += a.net,
                TaxClass::Exempt => t.exempt += a.net,
                TaxClass::Exonerated => t.exonerated += a.net,
            }
        }
        t.isv15 = cents(t.taxed15 * rates.isv15);
        t.isv18 = cents(t.taxed18 * rates.isv18);
        t.total = t.exempt + t.exonerated + t.taxed15 + t.taxed18 + t.isv15 + t.isv18;
        t
    }

    /// The total in lempiras for a document in another currency, at the
    /// document's exchange rate (lempiras per unit), in cents.
    pub fn total_in_lempiras(&self, rate: Decimal) -> Decimal {
        cents(self.total * rate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_else(|_| panic!("bad decimal {s}"))
    }

    fn line(qty: &str, price: &str, discount: &str, class: TaxClass) -> Line {
        Line {
            quantity: d(qty),
            unit_price: d(price),
            discount_pct: d(discount),
            tax_class: class,
        }
    }

    /// (exempt, exonerated, taxed15, taxed18, isv15, isv18, total), computed by hand.
    fn expect(t: &Totals, e: [&str; 7]) {
        let got = [
            t.exempt,
            t.exonerated,
            t.taxed15,
            t.taxed18,
            t.isv15,
            t.isv18,
            t.total,
        ];
        let want = e.map(d);
        assert_eq!(got, want);
    }

    #[test]
    fn one_taxed_line() {
        let t = Totals::of(
            &[line("2", "100.00", "0", TaxClass::Isv15)],
            Rates::default(),
        );
        expect(&t, ["0", "0", "200.00", "0", "30.00", "0", "230.00"]);
    }

    #[test]
    fn many_lines_discounts_and_every_tax_class() {
        let lines = [
            // 99.99 gross, 10 % = 9.999 → 10.00, net 89.99
            line("3", "33.33", "10", TaxClass::Isv15),
            line("1", "45999.00", "0", TaxClass::Isv15),
            // 30.8625 → 30.86
            line("2.5", "12.345", "0", TaxClass::Exempt),
            // 250.00, 5 % = 12.50, net 237.50
            line("1", "250.00", "5", TaxClass::Isv18),
            line("4", "19.99", "0", TaxClass::Exonerated),
        ];
        let t = Totals::of(&lines, Rates::default());
        // taxed15 46,088.99 × 0.15 = 6,913.3485 → 6,913.35; taxed18 237.50 × 0.18 = 42.75
        expect(
            &t,
            [
                "30.86", "79.96", "46088.99", "237.50", "6913.35", "42.75", "53393.41",
            ],
        );
        assert_eq!(t.discount, d("22.50"));
    }

    #[test]
    fn half_a_cent_rounds_away_from_zero() {
        // ISV of 0.10 is 0.015 → 0.02; a line of 3 × 0.335 = 1.005 → 1.01.
        let t = Totals::of(&[line("1", "0.10", "0", TaxClass::Isv15)], Rates::default());
        expect(&t, ["0", "0", "0.10", "0", "0.02", "0", "0.12"]);
        let a = line("3", "0.335", "0", TaxClass::Exempt).amounts();
        assert_eq!(a.net, d("1.01"));
    }

    #[test]
    fn a_dollar_invoice_and_its_lempiras() {
        let t = Totals::of(
            &[line("1", "1000.00", "0", TaxClass::Isv15)],
            Rates::default(),
        );
        expect(&t, ["0", "0", "1000.00", "0", "150.00", "0", "1150.00"]);
        // 1,150.00 × 24.6512 = 28,348.88
        assert_eq!(t.total_in_lempiras(d("24.6512")), d("28348.88"));
        // 1,150.00 × 24.65125 = 28,348.9375 → 28,348.94
        assert_eq!(t.total_in_lempiras(d("24.65125")), d("28348.94"));
    }

    #[test]
    fn a_full_discount_and_a_company_rate() {
        let rates = Rates {
            isv15: d("0.15"),
            isv18: d("0.18"),
        };
        let t = Totals::of(
            &[
                line("1", "500.00", "100", TaxClass::Isv15),
                line("7", "14.29", "0", TaxClass::Isv18),
            ],
            rates,
        );
        // 7 × 14.29 = 100.03; × 0.18 = 18.0054 → 18.01
        expect(&t, ["0", "0", "0.00", "100.03", "0.00", "18.01", "118.04"]);
        assert_eq!(t.discount, d("500.00"));
    }
}
