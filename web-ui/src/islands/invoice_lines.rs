//! The lines of a sales document form with live totals. On the server it
//! renders the rows (inputs named `line_product`, `line_description`, …,
//! repeated once per row) and the totals of what was typed, so the form
//! works without JavaScript (the page recomputes on "Recalcular"). Once
//! hydrated, every keystroke recomputes the totals in the browser with the
//! same code the server books them with (`sales-totals`), and choosing a
//! product fills in its name, price and tax class. A line that sells a
//! vehicle names its VIN (offered from the units available); typing or
//! scanning a known VIN fills in its product and a quantity of 1.

use leptos::prelude::*;
use rust_decimal::Decimal;
use sales_totals::money::{format_amount, parse_amount};
use sales_totals::{Line, Rates, TaxClass, Totals};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// One row as typed (text, so a half-typed number survives a round trip).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LineRow {
    pub product: String,
    pub description: String,
    pub quantity: String,
    pub unit_price: String,
    pub discount: String,
    pub tax_class: String,
    /// The VIN (serial number) of the unit sold, if the line sells one.
    pub serial: String,
}

/// A unit that can be sold: its serial number (VIN), product and a label
/// (product, colour, year, where it is).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitChoice {
    pub serial: String,
    pub product: String,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductChoice {
    pub id: String,
    pub label: String,
    pub name: String,
    pub price: String,
    pub tax_class: String,
}

/// The words of the island, already in the visitor's language.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LineLabels {
    pub product: String,
    pub no_product: String,
    pub description: String,
    pub quantity: String,
    pub unit_price: String,
    pub discount: String,
    pub tax_class: String,
    pub serial: String,
    pub amount: String,
    /// (class, label) for isv15, isv18, exempt, exonerated.
    pub classes: Vec<(String, String)>,
    /// (key, label) for discount, exempt, exonerated, taxed15, taxed18, isv15, isv18, total.
    pub totals: Vec<(String, String)>,
}

fn line_of(row: &LineRow) -> Option<Line> {
    let quantity = parse_amount(&row.quantity)?;
    let unit_price = parse_amount(&row.unit_price)?;
    let discount_pct = match row.discount.trim() {
        "" => Decimal::ZERO,
        d => parse_amount(d)?,
    };
    Some(Line {
        quantity,
        unit_price,
        discount_pct,
        tax_class: TaxClass::from_str(&row.tax_class).unwrap_or(TaxClass::Isv15),
    })
}

/// The totals of the rows that are complete enough to count.
pub fn totals_of(rows: &[LineRow], rates: Rates) -> Totals {
    let lines: Vec<Line> = rows.iter().filter_map(line_of).collect();
    Totals::of(&lines, rates)
}

fn amount_of(t: &Totals, key: &str) -> Decimal {
    match key {
        "discount" => t.discount,
        "exempt" => t.exempt,
        "exonerated" => t.exonerated,
        "taxed15" => t.taxed15,
        "taxed18" => t.taxed18,
        "isv15" => t.isv15,
        "isv18" => t.isv18,
        _ => t.total,
    }
}

/// Put product `id` on the row, with its name, price and tax class, and a
/// quantity of 1 if none was typed.
fn choose_product(r: &mut LineRow, id: String, chosen: Option<ProductChoice>) {
    r.product = id;
    if let Some(p) = chosen {
        r.description = p.name;
        r.unit_price = p.price;
        r.tax_class = p.tax_class;
        if r.quantity.trim().is_empty() {
            r.quantity = "1".into();
        }
    }
}

#[island]
pub fn InvoiceLines(
    rows: Vec<LineRow>,
    products: Vec<ProductChoice>,
    /// The units available to sell (offered for the VIN field).
    units: Vec<UnitChoice>,
    /// "0.15" and "0.18" (the company's tax codes).
    isv15: String,
    isv18: String,
    currency: String,
    labels: LineLabels,
) -> impl IntoView {
    let rates = Rates {
        isv15: Decimal::from_str(&isv15).unwrap_or(Rates::default().isv15),
        isv18: Decimal::from_str(&isv18).unwrap_or(Rates::default().isv18),
    };
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let rows: Vec<RwSignal<LineRow>> = rows.into_iter().map(RwSignal::new).collect();
    let all = rows.clone();
    let totals = Memo::new(move |_| {
        let typed: Vec<LineRow> = all.iter().map(|r| r.get()).collect();
        totals_of(&typed, rates)
    });
    let labels_rows = labels.clone();
    let body = rows
        .into_iter()
        .enumerate()
        .map(|(i, row)| {
            let products = products.clone();
            let labels = labels_rows.clone();
            let currency = currency.clone();
            let set = move |f: fn(&mut LineRow, String)| {
                move |ev: leptos::ev::Event| row.update(|r| f(r, event_target_value(&ev)))
            };
            let choose = {
                let products = products.clone();
                move |ev: leptos::ev::Event| {
                    let id = event_target_value(&ev);
                    let chosen = products.iter().find(|p| p.id == id).cloned();
                    row.update(|r| choose_product(r, id, chosen));
                }
            };
            let name_unit = {
                let products = products.clone();
                let units = units.clone();
                move |ev: leptos::ev::Event| {
                    let serial = event_target_value(&ev);
                    let unit = units
                        .iter()
                        .find(|u| u.serial.eq_ignore_ascii_case(serial.trim()))
                        .cloned();
                    row.update(|r| {
                        r.serial = serial;
                        if let Some(u) = unit {
                            if r.product != u.product {
                                let chosen = products.iter().find(|p| p.id == u.product).cloned();
                                choose_product(r, u.product, chosen);
                            }
                            r.quantity = "1".into();
                        }
                    });
                }
            };
            let selected_product = row.get_untracked().product;
            let product_options = std::iter::once(view! { <option value="">{labels.no_product.clone()}</option> }.into_any())
                .chain(products.iter().map(|p| {
                    let selected = p.id == selected_product;
                    view! { <option value=p.id.clone() selected=selected>{p.label.clone()}</option> }.into_any()
                }))
                .collect_view();
            let class_options = labels
                .classes
                .iter()
                .map(|(c, l)| {
                    let c = c.clone();
                    let value = c.clone();
                    let selected = move || match row.get().tax_class.as_str() {
                        "" => c == "isv15",
                        t => t == c,
                    };
                    view! { <option value=value selected=selected>{l.clone()}</option> }
                })
                .collect_view();
            let amount = move || {
                line_of(&row.get())
                    .map(|l| format_amount(l.amounts().net, &currency))
                    .unwrap_or_default()
            };
            view! {
                <tr>
                    <td><select name="line_product" aria-label=labels.product.clone() id=format!("line-product-{i}") prop:value=move || row.get().product on:change=choose>{product_options}</select></td>
                    <td><input name="line_description" aria-label=labels.description.clone() prop:value=move || row.get().description on:input=set(|r, v| r.description = v)/></td>
                    <td><input name="line_serial" class="vin" size="17" maxlength="17" autocomplete="off" list="sale-units" aria-label=labels.serial.clone() id=format!("line-serial-{i}") prop:value=move || row.get().serial on:input=name_unit/></td>
                    <td><input name="line_quantity" class="num" size="5" inputmode="decimal" aria-label=labels.quantity.clone() id=format!("line-quantity-{i}") prop:value=move || row.get().quantity on:input=set(|r, v| r.quantity = v)/></td>
                    <td><input name="line_unit_price" class="num" size="9" inputmode="decimal" aria-label=labels.unit_price.clone() prop:value=move || row.get().unit_price on:input=set(|r, v| r.unit_price = v)/></td>
                    <td><input name="line_discount" class="num" size="4" inputmode="decimal" aria-label=labels.discount.clone() prop:value=move || row.get().discount on:input=set(|r, v| r.discount = v)/></td>
                    <td><select name="line_tax_class" aria-label=labels.tax_class.clone() on:change=set(|r, v| r.tax_class = v)>{class_options}</select></td>
                    <td class="num line-amount">{amount}</td>
                </tr>
            }
        })
        .collect_view();
    let totals_rows = labels
        .totals
        .iter()
        .map(|(key, label)| {
            let key = key.clone();
            let currency = currency.clone();
            let id = format!("total-{key}");
            let strong = key == "total";
            view! {
                <tr class:grand=strong><th scope="row">{label.clone()}</th><td class="num" id=id>{move || format_amount(amount_of(&totals.get(), &key), &currency)}</td></tr>
            }
        })
        .collect_view();
    let unit_options = units
        .iter()
        .map(|u| view! { <option value=u.serial.clone()>{u.label.clone()}</option> })
        .collect_view();
    view! {
        <div class="invoice-lines" data-live=move || hydrated.get().to_string()>
            <datalist id="sale-units">{unit_options}</datalist>
            <table class="lines">
                <thead><tr>
                    <th>{labels.product.clone()}</th><th>{labels.description.clone()}</th><th>{labels.serial.clone()}</th>
                    <th class="num">{labels.quantity.clone()}</th><th class="num">{labels.unit_price.clone()}</th>
                    <th class="num">{labels.discount.clone()}</th><th>{labels.tax_class.clone()}</th>
                    <th class="num">{labels.amount.clone()}</th>
                </tr></thead>
                <tbody>{body}</tbody>
            </table>
            <table class="totals"><tbody>{totals_rows}</tbody></table>
        </div>
    }
}
