//! In an install of separate containers the serving roles log in as
//! `erp_server`: `migrate` (as the owner) gives it its password from a secret
//! file; it owns nothing, reads nothing on its own, and reaches the data only
//! as `erp_app`, under row-level security.

use std::process::Command;

use crate::harness::{App, BIN, TestResult, api_role_sign_in};

#[tokio::test(flavor = "multi_thread")]
async fn the_serving_roles_log_in_without_the_owners_rights() -> TestResult {
    let app = App::start()?;
    let dir = tempfile::tempdir()?;
    let password = dir.path().join("erp-db-server-password");
    std::fs::write(&password, "clave-del-servidor-2026\n")?;

    let migrate = Command::new(BIN)
        .arg("migrate")
        .env("ERP_DATABASE_URL", app.database_url())
        .env("ERP_REDIS_URL", app.redis_url())
        .env("ERP_SERVER_PASSWORD_FILE", &password)
        .env_remove("NOTIFY_SOCKET")
        .output()?;
    assert!(
        migrate.status.success(),
        "{}",
        String::from_utf8_lossy(&migrate.stderr)
    );
    let owner = sqlx::PgPool::connect(&app.database_url()).await?;
    let (login, inherits, superuser, has_password): (bool, bool, bool, bool) = sqlx::query_as(
        "SELECT rolcanlogin, rolinherit, rolsuper, rolpassword IS NOT NULL \
         FROM pg_authid WHERE rolname = 'erp_server'",
    )
    .fetch_one(&owner)
    .await?;
    assert!(login && has_password, "migrate let erp_server log in");
    assert!(
        !inherits && !superuser,
        "erp_server has no rights of its own"
    );
    // The password is in the role, not in any statement PostgreSQL kept.
    let kept: Option<String> =
        sqlx::query_scalar("SELECT current_setting('erp.server_password', true)")
            .fetch_one(&owner)
            .await?;
    assert!(kept.unwrap_or_default().is_empty());

    // An API role on that login serves a sign-in.
    let server_url = app
        .database_url()
        .replace("postgres://erp@", "postgres://erp_server@");
    assert_ne!(server_url, app.database_url());
    let mut command = Command::new(BIN);
    command
        .env("ERP_DATABASE_URL", &server_url)
        .env("ERP_DATABASE_PASSWORD_FILE", &password)
        .env("ERP_REDIS_URL", app.redis_url());
    let (_api, signed_in) = api_role_sign_in(command).await?;
    assert_eq!(signed_in, reqwest::StatusCode::OK);

    // On its own, erp_server can neither read the data nor change the schema.
    let server = sqlx::PgPool::connect(&server_url).await?;
    let read = sqlx::query("SELECT count(*) FROM companies")
        .fetch_one(&server)
        .await;
    assert!(
        read.as_ref()
            .is_err_and(|e| e.to_string().contains("permission denied")),
        "{read:?}"
    );
    let create = sqlx::query("CREATE TABLE intruso (x int)")
        .execute(&server)
        .await;
    assert!(create.is_err(), "{create:?}");
    Ok(())
}
