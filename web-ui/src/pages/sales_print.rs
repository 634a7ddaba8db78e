//! The HTML print view of a posted invoice or credit note: the same content
//! as its PDF (title, issuer, CAI, range, deadline, number, buyer, lines,
//! SAR subtotals, total in words, copy legend) on a page of its own that the
//! browser prints cleanly. Texts come from `erp::sales::print`, so the two
//! never say different things.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use erp::sales::print::{title, total_in_words, totals_rows, unit_text};
use erp::values::format_amount;
use erp::{Erp, ErrorKind};
use leptos::prelude::*;
use uuid::Uuid;

use crate::document::page;
use crate::request::{SignedIn, unavailable};

pub async fn show(
    State(erp): State<Erp>,
    SignedIn(v, user): SignedIn,
    Path(id): Path<Uuid>,
) -> Response {
    let doc = match erp::sales::documents::get(&erp.db, &user, id).await {
        Ok(d) => d,
        Err(e) if e.kind == ErrorKind::NotFound => return super::not_found(v).await,
        Err(e) => return unavailable(e),
    };
    let Some(f) = doc.fiscal.clone() else {
        return super::not_found(v).await;
    };
    let issuer = |k: &str| f.issuer[k].as_str().unwrap_or_default().to_owned();
    let money = |x: rust_decimal::Decimal| format_amount(x, &doc.currency);
    let date = |d: chrono::NaiveDate| d.format("%d/%m/%Y").to_string();
    let lines = doc
        .lines
        .iter()
        .map(|l| view! {
            <tr>
                <td class="num">{l.quantity.normalize().to_string()}</td>
                <td>{l.description.clone()}{unit_text(l).map(|unit| view! { <br/><small class="unit">{unit}</small> })}</td>
                <td class="num">{money(l.unit_price)}</td>
                <td class="num">{(!l.discount_pct.is_zero()).then(|| l.discount_pct.normalize().to_string())}</td>
                <td class="num">{money(l.net)}</td>
            </tr>
        })
        .collect_view();
    let totals = totals_rows(&doc)
        .into_iter()
        .map(|(label, x)| view! { <tr><th scope="row">{label}</th><td class="num">{money(x)}</td></tr> })
        .collect_view();
    let heading = format!("{} {}", title(doc.kind), f.number);
    let body = view! {
        <main class="print-view">
            <p class="no-print"><button type="button" onclick="window.print()">{v.lang.t("sales-print-now")}</button>" "<a href=format!("/sales/{id}")>"↩"</a></p>
            <header class="print-head">
                <div>
                    <strong class="legal">{issuer("legal_name")}</strong><br/>
                    {issuer("trade_name")}<br/>
                    {format!("RTN: {}", issuer("rtn"))}<br/>
                    {format!("Casa matriz: {}", issuer("address"))}<br/>
                    {format!("Establecimiento {} {}: {}", issuer("branch_code"), issuer("branch_name"), issuer("branch_address"))}<br/>
                    {format!("Tel.: {}   Correo: {}", issuer("phone"), issuer("email"))}
                </div>
                <div class="right">
                    <h1>{title(doc.kind)}</h1>
                    <strong id="print-number">{format!("No. {}", f.number)}</strong><br/>
                    {format!("Fecha de emisión: {}", date(doc.issue_date))}
                </div>
            </header>
            <section class="authorization">
                <strong>{format!("CAI: {}", f.cai)}</strong><br/>
                {format!("Rango autorizado: del {} al {}", f.range_first, f.range_last)}<br/>
                {format!("Fecha límite de emisión: {}", date(f.deadline))}
            </section>
            <p>
                <strong>"Cliente: "</strong>{f.buyer_name.clone()}" — "
                {f.buyer_rtn.clone().map(|r| format!("RTN: {r}")).unwrap_or_else(|| "Consumidor Final".to_owned())}
                {(!doc.reason.is_empty()).then(|| view! { <br/>{format!("Motivo: {}", doc.reason)} })}
            </p>
            <table class="lines">
                <thead><tr><th class="num">"Cant."</th><th>"Descripción"</th><th class="num">"Precio unitario"</th><th class="num">"Desc. %"</th><th class="num">"Importe"</th></tr></thead>
                <tbody>{lines}</tbody>
            </table>
            <table class="totals"><tbody>
                {totals}
                <tr class="grand"><th scope="row">"TOTAL A PAGAR"</th><td class="num">{money(doc.amounts.total)}</td></tr>
            </tbody></table>
            <p class="words">{total_in_words(&doc)}</p>
            <p class="copies">"Original: Cliente / Copia: Emisor"</p>
        </main>
    };
    page(v.lang, heading, None, body).into_response()
}
