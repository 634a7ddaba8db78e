//! Tenancy: rows of one company are invisible from another, through the API
//! and directly in SQL as the application role.

use reqwest::StatusCode;
use serde_json::Value;
use sqlx::Connection;

use crate::harness::{ADMIN, App, MANAGER, TestResult, company_id};

#[tokio::test(flavor = "multi_thread")]
async fn another_companys_rows_are_not_found() -> TestResult {
    let app = App::start()?;
    // The group admin works in Autos del Valle and exports there.
    let (admin, me) = app.api_login(ADMIN).await?;
    let autos = company_id(&me, "Autos del Valle")?;
    let motos = company_id(&me, "Motos Catrachas")?;
    let res = admin
        .put(app.url("/api/v1/me/company"))
        .json(&serde_json::json!({ "company_id": autos }))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::OK);
    let export: Value = admin
        .post(app.url("/api/v1/exports/users-roles"))
        .send()
        .await?
        .json()
        .await?;
    let id = export["id"].as_str().ok_or("export id")?.to_owned();
    assert_eq!(export["company_id"], autos.as_str());
    assert_eq!(
        admin
            .get(app.url(&format!("/api/v1/exports/{id}")))
            .send()
            .await?
            .status(),
        StatusCode::OK
    );

    // The manager of Motos Catrachas asks for it by id: 404, and it is not in their list.
    let (manager, manager_me) = app.api_login(MANAGER).await?;
    assert_eq!(manager_me["companies"].as_array().map(Vec::len), Some(1));
    let res = manager
        .get(app.url(&format!("/api/v1/exports/{id}")))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(res.json::<Value>().await?["code"], "export_not_found");
    assert_eq!(
        manager
            .get(app.url(&format!("/api/v1/exports/{id}/file")))
            .send()
            .await?
            .status(),
        StatusCode::NOT_FOUND
    );
    let list: Value = manager
        .get(app.url("/api/v1/exports"))
        .send()
        .await?
        .json()
        .await?;
    assert!(
        list.as_array()
            .is_some_and(|l| l.iter().all(|e| e["id"] != id.as_str()))
    );
    // Nor can the manager switch into a company they do not belong to.
    let res = manager
        .put(app.url("/api/v1/me/company"))
        .json(&serde_json::json!({ "company_id": autos }))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // The admin, switched to Motos Catrachas, no longer sees it either.
    admin
        .put(app.url("/api/v1/me/company"))
        .json(&serde_json::json!({ "company_id": motos }))
        .send()
        .await?;
    assert_eq!(
        admin
            .get(app.url(&format!("/api/v1/exports/{id}")))
            .send()
            .await?
            .status(),
        StatusCode::NOT_FOUND
    );

    // In SQL, as the application role with Motos Catrachas selected: nothing of Autos del Valle.
    let mut conn = sqlx::PgConnection::connect(&app.database_url()).await?;
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM exports")
        .fetch_one(&mut conn)
        .await?;
    assert_eq!(
        total, 1,
        "the owner sees the row, so the checks below are meaningful"
    );
    let mut tx = conn.begin().await?;
    sqlx::query("SET LOCAL ROLE erp_app")
        .execute(&mut *tx)
        .await?;
    let (is_super, bypass): (bool, bool) =
        sqlx::query_as("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
            .fetch_one(&mut *tx)
            .await?;
    assert!(!is_super && !bypass, "erp_app must be subject to RLS");
    sqlx::query("SELECT set_config('app.company_ids', $1, true)")
        .bind(format!("{{{motos}}}"))
        .execute(&mut *tx)
        .await?;
    let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM exports")
        .fetch_one(&mut *tx)
        .await?;
    assert_eq!(seen, 0);
    let by_id: i64 = sqlx::query_scalar("SELECT count(*) FROM exports WHERE id = $1::uuid")
        .bind(&id)
        .fetch_one(&mut *tx)
        .await?;
    assert_eq!(by_id, 0);
    let companies: Vec<String> = sqlx::query_scalar("SELECT name FROM companies")
        .fetch_all(&mut *tx)
        .await?;
    assert_eq!(companies, vec!["Motos Catrachas".to_owned()]);
    let memberships: i64 =
        sqlx::query_scalar("SELECT count(*) FROM memberships WHERE company_id = $1::uuid")
            .bind(&autos)
            .fetch_one(&mut *tx)
            .await?;
    assert_eq!(memberships, 0);
    // Writing into the other company is refused by the policy.
    let write = sqlx::query("UPDATE exports SET status = 'failed' WHERE id = $1::uuid")
        .bind(&id)
        .execute(&mut *tx)
        .await?;
    assert_eq!(write.rows_affected(), 0);
    tx.rollback().await?;

    // With no company selected at all, the application role sees no company rows.
    let mut tx = conn.begin().await?;
    sqlx::query("SET LOCAL ROLE erp_app")
        .execute(&mut *tx)
        .await?;
    let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM exports")
        .fetch_one(&mut *tx)
        .await?;
    assert_eq!(seen, 0);
    tx.rollback().await?;
    Ok(())
}
