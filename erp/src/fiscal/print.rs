//! The head every document the company numbers from a CAI range prints:
//! the issuer (company, RTN, head office, the branch that issues it), the
//! title and number, and the authorization (CAI, range, deadline) — the
//! same on an invoice, a credit note and a withholding receipt.

use chrono::NaiveDate;

use crate::pdf::{self, MARGIN, Pdf, WIDTH, Weight};

/// The issuer as a document keeps it, built in SQL from an emission point
/// `e`, its branch `b` and company `c`.
#[macro_export]
macro_rules! issuer_json {
    () => {
        "jsonb_build_object(
            'legal_name', c.legal_name, 'trade_name', c.name, 'rtn', coalesce(c.rtn, ''),
            'address', c.address, 'phone', coalesce(nullif(b.phone, ''), c.phone), 'email', c.email,
            'branch_code', b.code, 'branch_name', b.name, 'branch_address', b.address,
            'point_code', e.code)"
    };
}

pub struct Head<'a> {
    pub issuer: &'a serde_json::Value,
    pub title: &'a str,
    pub number: &'a str,
    pub issue_date: NaiveDate,
    pub cai: &'a str,
    pub range_first: &'a str,
    pub range_last: &'a str,
    pub deadline: NaiveDate,
}

/// A date as Honduran documents print it.
pub fn date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

const RIGHT: f32 = WIDTH - MARGIN;

/// A long title ("COMPROBANTE DE RETENCIÓN") prints smaller than "FACTURA".
fn size_of_title(title: &str) -> f32 {
    if title.chars().count() > 16 {
        14.0
    } else {
        18.0
    }
}

/// Draw the head on the first page; where the page continues.
pub fn head(p: &mut Pdf, h: &Head) -> f32 {
    let issuer = |k: &str| h.issuer[k].as_str().unwrap_or_default().to_owned();
    // Issuer, left; title and number, right.
    let mut y = MARGIN + 14.0;
    p.text(
        MARGIN,
        y,
        14.0,
        Weight::Bold,
        &pdf::fit(&issuer("legal_name"), 14.0, Weight::Bold, 330.0),
    );
    p.text_right(RIGHT, y, size_of_title(h.title), Weight::Bold, h.title);
    y += 15.0;
    p.text(MARGIN, y, 10.0, Weight::Regular, &issuer("trade_name"));
    p.text_right(RIGHT, y, 11.0, Weight::Bold, &format!("No. {}", h.number));
    y += 13.0;
    p.text(
        MARGIN,
        y,
        9.0,
        Weight::Regular,
        &format!("RTN: {}", issuer("rtn")),
    );
    p.text_right(
        RIGHT,
        y,
        9.0,
        Weight::Regular,
        &format!("Fecha de emisión: {}", date(h.issue_date)),
    );
    y += 12.0;
    for line in pdf::wrap(
        &format!("Casa matriz: {}", issuer("address")),
        8.5,
        Weight::Regular,
        330.0,
    ) {
        p.text(MARGIN, y, 8.5, Weight::Regular, &line);
        y += 11.0;
    }
    let branch = format!(
        "Establecimiento {} {}: {}",
        issuer("branch_code"),
        issuer("branch_name"),
        issuer("branch_address")
    );
    for line in pdf::wrap(&branch, 8.5, Weight::Regular, 330.0) {
        p.text(MARGIN, y, 8.5, Weight::Regular, &line);
        y += 11.0;
    }
    p.text(
        MARGIN,
        y,
        8.5,
        Weight::Regular,
        &format!("Tel.: {}   Correo: {}", issuer("phone"), issuer("email")),
    );
    y += 10.0;

    // The authorization.
    y += 6.0;
    p.shade(MARGIN, y, RIGHT - MARGIN, 40.0, 242);
    p.text(
        MARGIN + 8.0,
        y + 13.0,
        8.5,
        Weight::Bold,
        &format!("CAI: {}", h.cai),
    );
    p.text(
        MARGIN + 8.0,
        y + 25.0,
        8.5,
        Weight::Regular,
        &format!(
            "Rango autorizado: del {} al {}",
            h.range_first, h.range_last
        ),
    );
    p.text(
        MARGIN + 8.0,
        y + 36.0,
        8.5,
        Weight::Regular,
        &format!("Fecha límite de emisión: {}", date(h.deadline)),
    );
    y + 58.0
}

/// Two signature lines at `y` (left and right captions) and, under them,
/// where the copies go.
pub fn signatures(p: &mut Pdf, y: f32, captions: (&str, &str), copies: &str) {
    p.rule(MARGIN, y, MARGIN + 220.0, y, 0.6);
    p.text(MARGIN, y + 12.0, 8.5, Weight::Regular, captions.0);
    p.rule(RIGHT - 220.0, y, RIGHT, y, 0.6);
    p.text(RIGHT - 220.0, y + 12.0, 8.5, Weight::Regular, captions.1);
    p.text_center(WIDTH / 2.0, y + 50.0, 8.5, Weight::Bold, copies);
}

/// The total of a one-amount document in lempiras: a rule, the labelled
/// amount boxed at the right and, at the left, the amount in words. Where
/// the page continues.
pub fn lempiras_total(p: &mut Pdf, y: f32, label: &str, amount: rust_decimal::Decimal) -> f32 {
    let mut y = y + 8.0;
    p.rule(MARGIN, y, RIGHT, y, 0.6);
    y += 16.0;
    p.shade(380.0, y - 11.0, RIGHT - 380.0, 17.0, 225);
    p.text_right(470.0, y + 1.0, 10.0, Weight::Bold, label);
    p.text_right(
        RIGHT - 4.0,
        y + 1.0,
        10.0,
        Weight::Bold,
        &crate::values::format_lempiras(amount),
    );
    let words = crate::values::amount_in_words(amount, crate::values::LEMPIRAS)
        .map(|w| format!("SON: {}", w.to_uppercase()))
        .unwrap_or_default();
    for line in pdf::wrap(&words, 8.5, Weight::Bold, 320.0) {
        p.text(MARGIN, y, 8.5, Weight::Bold, &line);
        y += 11.0;
    }
    y
}
