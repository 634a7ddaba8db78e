//! The permission matrix: every built-in role performs every action on every
//! resource through the API, and the answers must be exactly what
//! `docs/permissions.md` documents (✓ → 2xx, — → 403).

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::harness::{ADMIN, App, TestResult, login_in};

type Error = Box<dyn std::error::Error + Send + Sync>;

const MOTOS: &str = "Motos Catrachas";
/// The demo users of Motos Catrachas, in the document's column order.
const ROLES: [(&str, &str); 6] = [
    ("group_admin", "admin@demo.hn"),
    ("company_admin", "gerente@demo.hn"),
    ("accountant", "contador@demo.hn"),
    ("sales", "ventas@demo.hn"),
    ("warehouse", "bodega@demo.hn"),
    ("read_only", "consulta@demo.hn"),
];

/// (resource, action, expected allowed per role) from the document.
fn documented() -> Vec<(String, String, Vec<bool>)> {
    let doc = include_str!("../../docs/permissions.md");
    doc.lines()
        .filter(|l| l.starts_with("| `"))
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let (resource, action) = cells.get(1)?.trim_matches('`').split_once(' ')?;
            let allowed = cells.get(2..8)?.iter().map(|c| *c == "✓").collect();
            Some((resource.to_owned(), action.to_owned(), allowed))
        })
        .collect()
}

struct Ctx<'a> {
    app: &'a App,
    /// The group admin, who prepares the records the others act on.
    admin: &'a Client,
    n: std::sync::atomic::AtomicU32,
}

impl Ctx<'_> {
    fn unique(&self) -> u32 {
        self.n.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    async fn admin_json(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, Error> {
        let mut req = self.admin.request(method, self.app.url(path));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await?;
        let status = res.status();
        let value: Value = res.json().await?;
        if !status.is_success() {
            return Err(format!("setup {path}: {status} {value}").into());
        }
        Ok(value)
    }

    /// A new record prepared by the admin, to be changed by the role under test.
    async fn fresh(&self, resource: &str) -> Result<Value, Error> {
        let n = self.unique();
        let post = reqwest::Method::POST;
        match resource {
            "branches" => self.admin_json(post, "/api/v1/branches", Some(json!({"code": format!("{:03}", 100 + n), "name": format!("Sucursal {n}")}))).await,
            "parties" => self.admin_json(post, "/api/v1/parties", Some(json!({"name": format!("Cliente {n}")}))).await,
            "catalog" => self.admin_json(post, "/api/v1/products", Some(json!({"sku": format!("P-{n}"), "name": format!("Producto {n}"), "sale_price": "10.00"}))).await,
            "users" => self.admin_json(post, "/api/v1/users", Some(json!({"email": format!("persona{n}@demo.hn"), "display_name": format!("Persona {n}"), "password": "clave-larga-2026", "role": "sales"}))).await,
            "accounts" => self.admin_json(post, "/api/v1/accounts", Some(json!({"code": format!("79{n:03}"), "name": format!("Cuenta {n}"), "kind": "expense"}))).await,
            "fiscal" => {
                let first = 50_000_000 + n * 10;
                self.admin_json(post, "/api/v1/fiscal-ranges", Some(json!({
                    "doc_kind": "invoice", "cai": "3A1B2C-4D5E6F-708192-A3B4C5-D6E7F8-09",
                    "first": format!("001-001-01-{:08}", first + 1), "last": format!("001-001-01-{:08}", first + 10),
                    "deadline": "2099-12-31"}))).await
            }
            "sales" => {
                let party = Box::pin(self.fresh("parties")).await?;
                self.admin_json(post, "/api/v1/sales/documents", Some(json!({
                    "kind": "quote", "party_id": party["id"],
                    "lines": [{"description": "Casco", "quantity": "1", "unit_price": "850.00"}]}))).await
            }
            "payments" => {
                let party = Box::pin(self.fresh("parties")).await?;
                self.admin_json(post, "/api/v1/payments", Some(json!({
                    "party_id": party["id"], "method": "cash", "amount": "300.00"}))).await
            }
            "ledger" => {
                let (cash, capital) = (self.account("1101").await?, self.account("3101").await?);
                self.admin_json(post, "/api/v1/journal-entries", Some(json!({
                    "memo": format!("Aporte {n}"),
                    "lines": [{"account_id": cash, "debit": "100.00"}, {"account_id": capital, "credit": "100.00"}]}))).await
            }
            "stock" => {
                let supplier = self.admin_json(post.clone(), "/api/v1/parties", Some(json!({
                    "name": format!("Proveedor {n}"), "is_customer": false, "is_supplier": true}))).await?;
                let part = Box::pin(self.fresh("catalog")).await?;
                let place = self.admin_json(reqwest::Method::GET, "/api/v1/stock-locations?kind=internal", None).await?;
                self.admin_json(post, "/api/v1/stock/receipts", Some(json!({
                    "party_id": supplier["id"], "location_id": place["items"][0]["id"],
                    "lines": [{"product_id": part["id"], "quantity": "3", "unit_cost": "10.00"}]}))).await
            }
            "purchases" => {
                let supplier = self.admin_json(post.clone(), "/api/v1/parties", Some(json!({
                    "name": format!("Proveedor {n}"), "is_customer": false, "is_supplier": true}))).await?;
                let part = Box::pin(self.fresh("catalog")).await?;
                self.admin_json(post, "/api/v1/purchases/orders", Some(json!({
                    "party_id": supplier["id"],
                    "lines": [{"product_id": part["id"], "quantity": "3", "unit_price": "10.00"}]}))).await
            }
            _ => Err(format!("no fresh {resource}").into()),
        }
    }

    /// The id of the account with `code` in the admin's company.
    async fn account(&self, code: &str) -> Result<Value, Error> {
        let accounts = self
            .admin_json(reqwest::Method::GET, "/api/v1/accounts", None)
            .await?;
        accounts
            .as_array()
            .and_then(|a| a.iter().find(|x| x["code"] == code))
            .map(|a| a["id"].clone())
            .ok_or_else(|| format!("no account {code}").into())
    }

    /// Perform `resource action` as `client`; None when the API has no door for it.
    async fn act(
        &self,
        client: &Client,
        resource: &str,
        action: &str,
    ) -> Result<Option<StatusCode>, Error> {
        let n = self.unique();
        let url = |p: &str| self.app.url(p);
        let req = match (resource, action) {
            ("company", "read") => client.get(url("/api/v1/company")),
            ("company", "update") => {
                let mut c = self
                    .admin_json(reqwest::Method::GET, "/api/v1/company", None)
                    .await?;
                let o = c.as_object_mut().ok_or("company")?;
                for k in ["id", "updated_at"] {
                    o.remove(k);
                }
                client.put(url("/api/v1/company")).json(&c)
            }
            ("branches", "read") => client.get(url("/api/v1/branches")),
            ("branches", "create") => client
                .post(url("/api/v1/branches"))
                .json(&json!({"code": format!("{:03}", 500 + n), "name": format!("Sucursal {n}")})),
            ("branches", "update" | "archive") => {
                let b = self.fresh("branches").await?;
                let mut body = json!({"code": b["code"], "name": "Sucursal renombrada", "version": b["version"]});
                if action == "archive" {
                    body["archived"] = json!(true);
                }
                client
                    .put(url(&format!(
                        "/api/v1/branches/{}",
                        b["id"].as_str().unwrap_or_default()
                    )))
                    .json(&body)
            }
            ("users", "read") => client.get(url("/api/v1/users")),
            ("users", "create") => client.post(url("/api/v1/users")).json(&json!({
                "email": format!("alta{n}@demo.hn"), "display_name": format!("Alta {n}"),
                "password": "clave-larga-2026", "role": "warehouse"})),
            ("users", "update") => {
                let m = self.fresh("users").await?;
                client
                    .put(url(&format!(
                        "/api/v1/users/{}",
                        m["user_id"].as_str().unwrap_or_default()
                    )))
                    .json(&json!({"role": "warehouse", "version": m["version"]}))
            }
            ("users", "archive") => {
                let m = self.fresh("users").await?;
                client
                    .post(url(&format!(
                        "/api/v1/users/{}/deactivate",
                        m["user_id"].as_str().unwrap_or_default()
                    )))
                    .json(&json!({"version": m["version"]}))
            }
            ("parties", "read") => client.get(url("/api/v1/parties")),
            ("parties", "create") => client
                .post(url("/api/v1/parties"))
                .json(&json!({"name": format!("Nuevo {n}")})),
            ("parties", "update") => {
                let p = self.fresh("parties").await?;
                client
                    .put(url(&format!(
                        "/api/v1/parties/{}",
                        p["id"].as_str().unwrap_or_default()
                    )))
                    .json(&json!({"name": "Cambiado", "version": p["version"]}))
            }
            ("parties", "archive") => {
                let p = self.fresh("parties").await?;
                client
                    .post(url(&format!(
                        "/api/v1/parties/{}/archive",
                        p["id"].as_str().unwrap_or_default()
                    )))
                    .json(&json!({"version": p["version"]}))
            }
            ("catalog", "read") => client.get(url("/api/v1/products")),
            ("catalog", "create") => client
                .post(url("/api/v1/products"))
                .json(&json!({"sku": format!("N-{n}"), "name": "Nuevo", "sale_price": "1.00"})),
            ("catalog", "update") => {
                let p = self.fresh("catalog").await?;
                client
                    .put(url(&format!("/api/v1/products/{}", p["id"].as_str().unwrap_or_default())))
                    .json(&json!({"sku": p["sku"], "name": "Cambiado", "sale_price": "2.00", "version": p["version"]}))
            }
            ("catalog", "archive") => {
                let p = self.fresh("catalog").await?;
                client
                    .post(url(&format!(
                        "/api/v1/products/{}/archive",
                        p["id"].as_str().unwrap_or_default()
                    )))
                    .json(&json!({"version": p["version"]}))
            }
            ("accounts", "read") => client.get(url("/api/v1/accounts")),
            ("accounts", "create") => client
                .post(url("/api/v1/accounts"))
                .json(&json!({"code": format!("78{n:03}"), "name": "Nueva", "kind": "expense"})),
            ("accounts", "update") => {
                let a = self.fresh("accounts").await?;
                client
                    .put(url(&format!("/api/v1/accounts/{}", a["id"].as_str().unwrap_or_default())))
                    .json(&json!({"code": a["code"], "name": "Renombrada", "kind": "expense", "version": a["version"]}))
            }
            ("accounts", "archive") => {
                let a = self.fresh("accounts").await?;
                client.delete(url(&format!(
                    "/api/v1/accounts/{}?version={}",
                    a["id"].as_str().unwrap_or_default(),
                    a["version"]
                )))
            }
            ("fiscal", "read") => client.get(url("/api/v1/fiscal-ranges")),
            ("fiscal", "create") => {
                let first = 60_000_000 + n * 10;
                client.post(url("/api/v1/fiscal-ranges")).json(&json!({
                    "doc_kind": "invoice", "cai": "3A1B2C-4D5E6F-708192-A3B4C5-D6E7F8-09",
                    "first": format!("001-001-01-{:08}", first + 1), "last": format!("001-001-01-{:08}", first + 10),
                    "deadline": "2099-12-31"}))
            }
            ("fiscal", "update" | "archive") => {
                let r = self.fresh("fiscal").await?;
                let mut body = json!({"doc_kind": "invoice", "cai": "3A1B2C-4D5E6F-708192-A3B4C5-D6E7F8-0A",
                    "first": r["first"], "last": r["last"], "deadline": "2099-11-30", "version": r["version"]});
                if action == "archive" {
                    body = json!({"archived": true, "version": r["version"]});
                }
                client
                    .put(url(&format!(
                        "/api/v1/fiscal-ranges/{}",
                        r["id"].as_str().unwrap_or_default()
                    )))
                    .json(&body)
            }
            ("sales", "read") => client.get(url("/api/v1/sales/documents")),
            ("sales", "create") => {
                let party = self.fresh("parties").await?;
                client.post(url("/api/v1/sales/documents")).json(&json!({
                    "kind": "order", "party_id": party["id"],
                    "lines": [{"description": "Llanta", "quantity": "2", "unit_price": "1200.00"}]}))
            }
            ("sales", "update") => {
                let d = self.fresh("sales").await?;
                client
                    .put(url(&format!("/api/v1/sales/documents/{}", d["id"].as_str().unwrap_or_default())))
                    .json(&json!({"party_id": d["party_id"], "version": d["version"],
                        "lines": [{"description": "Casco", "quantity": "2", "unit_price": "850.00"}]}))
            }
            ("sales", "archive") => {
                let d = self.fresh("sales").await?;
                client
                    .post(url(&format!(
                        "/api/v1/sales/documents/{}/cancel",
                        d["id"].as_str().unwrap_or_default()
                    )))
                    .json(&json!({"version": d["version"]}))
            }
            ("payments", "read") => client.get(url("/api/v1/payments")),
            ("payments", "create") => {
                let party = self.fresh("parties").await?;
                client.post(url("/api/v1/payments")).json(&json!({
                    "party_id": party["id"], "method": "transfer", "amount": "125.50", "reference": format!("TRF-{n}")}))
            }
            ("payments", "archive") => {
                let p = self.fresh("payments").await?;
                client
                    .post(url(&format!(
                        "/api/v1/payments/{}/reverse",
                        p["id"].as_str().unwrap_or_default()
                    )))
                    .json(&json!({"version": p["version"]}))
            }
            ("ledger", "read") => client.get(url("/api/v1/journal-entries")),
            ("ledger", "create") => {
                let (cash, capital) = (self.account("1101").await?, self.account("3101").await?);
                client.post(url("/api/v1/journal-entries")).json(&json!({
                    "memo": format!("Aporte {n}"),
                    "lines": [{"account_id": cash, "debit": "50.00"}, {"account_id": capital, "credit": "50.00"}]}))
            }
            ("ledger", "archive") => {
                let e = self.fresh("ledger").await?;
                client
                    .post(url(&format!(
                        "/api/v1/journal-entries/{}/reverse",
                        e["id"].as_str().unwrap_or_default()
                    )))
                    .json(&json!({}))
            }
            ("stock", "read") => client.get(url("/api/v1/stock/on-hand")),
            ("stock", "create") => {
                let receipt = self.fresh("stock").await?;
                let line = &receipt["moves"][0];
                client.post(url("/api/v1/stock/counts")).json(&json!({
                    "location_id": line["to_location_id"],
                    "lines": [{"product_id": line["product_id"], "counted": "2"}]}))
            }
            ("stock", "update") => {
                let place = self
                    .admin_json(
                        reqwest::Method::GET,
                        "/api/v1/stock-locations?kind=internal",
                        None,
                    )
                    .await?;
                let l = &place["items"][0];
                client
                    .put(url(&format!(
                        "/api/v1/stock-locations/{}",
                        l["id"].as_str().unwrap_or_default()
                    )))
                    .json(
                        &json!({"warehouse_id": l["warehouse_id"], "code": l["code"],
                        "name": format!("Bodega {n}"), "version": l["version"]}),
                    )
            }
            ("stock", "archive") => {
                let receipt = self.fresh("stock").await?;
                client
                    .post(url(&format!(
                        "/api/v1/stock/documents/{}/reverse",
                        receipt["id"].as_str().unwrap_or_default()
                    )))
                    .json(&json!({}))
            }
            ("purchases", "read") => client.get(url("/api/v1/purchases/orders")),
            ("purchases", "create") => {
                let order = self.fresh("purchases").await?;
                client.post(url("/api/v1/purchases/bills")).json(&json!({
                    "party_id": order["party_id"], "class": "foreign",
                    "supplier_number": format!("INV-{n}"), "exempt": "30.00"}))
            }
            ("purchases", "update") => {
                let order = self.fresh("purchases").await?;
                client
                    .post(url(&format!(
                        "/api/v1/purchases/orders/{}/status",
                        order["id"].as_str().unwrap_or_default()
                    )))
                    .json(&json!({"status": "cancelled", "version": order["version"]}))
            }
            ("purchases", "archive") => {
                let order = self.fresh("purchases").await?;
                let bill = self
                    .admin_json(
                        reqwest::Method::POST,
                        "/api/v1/purchases/bills",
                        Some(json!({"party_id": order["party_id"], "class": "foreign",
                            "supplier_number": format!("INV-A{n}"), "exempt": "30.00"})),
                    )
                    .await?;
                client
                    .post(url(&format!(
                        "/api/v1/purchases/bills/{}/reverse",
                        bill["id"].as_str().unwrap_or_default()
                    )))
                    .json(&json!({"version": bill["version"]}))
            }
            ("audit", "read") => client.get(url("/api/v1/audit")),
            ("schedules", "read") => client.get(url("/api/v1/periodic-tasks")),
            ("schedules", "update") => {
                let tasks = self
                    .admin_json(reqwest::Method::GET, "/api/v1/periodic-tasks", None)
                    .await?;
                let t = &tasks[0];
                client
                    .patch(url(&format!(
                        "/api/v1/periodic-tasks/{}",
                        t["id"].as_str().unwrap_or_default()
                    )))
                    .json(&json!({"version": t["version"], "enabled": true}))
            }
            _ => return Ok(None),
        };
        Ok(Some(req.send().await?.status()))
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn matrix_matches_the_document() -> TestResult {
    // One client asking back to back, as no branch's users do: on a fast
    // host it passes the edge's 400 requests per second per address.
    let app = App::start_env(&[("ERP_MAX_REQUESTS_PER_SECOND", "0")])?;
    let admin = login_in(&app, ADMIN, MOTOS).await?;
    let mut clients = Vec::new();
    for (_, email) in ROLES {
        let password = if email == ADMIN.0 {
            ADMIN.1
        } else {
            "demo-usuario-2026"
        };
        clients.push(login_in(&app, (email, password), MOTOS).await?);
    }
    let ctx = Ctx {
        app: &app,
        admin: &admin,
        n: 0.into(),
    };
    let rows = documented();
    assert_eq!(
        rows.len(),
        56,
        "14 resources x 4 actions in docs/permissions.md"
    );
    let (mut checked, mut no_door) = (0, Vec::new());
    let mut wrong = Vec::new();
    for (resource, action, allowed) in &rows {
        for (i, (role, _)) in ROLES.iter().enumerate() {
            let Some(status) = ctx.act(&clients[i], resource, action).await? else {
                // Only rows nobody may do (or not yet built) have no door; say which.
                no_door.push(format!("{resource} {action}"));
                break;
            };
            checked += 1;
            let ok = if allowed[i] {
                status.is_success()
            } else {
                status == StatusCode::FORBIDDEN
            };
            if !ok {
                wrong.push(format!(
                    "{role} {resource} {action}: {status} (documented {})",
                    if allowed[i] { "✓" } else { "—" }
                ));
            }
        }
    }
    println!(
        "permission matrix: {checked} role×action checks through the API; no API door: {no_door:?}"
    );
    assert!(
        wrong.is_empty(),
        "answers differ from docs/permissions.md:\n{}",
        wrong.join("\n")
    );
    // The rows without a door are the ones the document gives to nobody.
    for row in &no_door {
        let documented_for = rows
            .iter()
            .find(|(r, a, _)| format!("{r} {a}") == *row)
            .map(|(_, _, allowed)| allowed.iter().any(|x| *x))
            .unwrap_or(true);
        assert!(
            !documented_for,
            "{row} is allowed for someone but has no API door"
        );
    }
    Ok(())
}
