//! After an update is rolled back, the previous release runs on the schema
//! the newer one migrated: `migrate` leaves a later release's migrations
//! alone instead of refusing them, and the roles start on that schema.

use std::process::Command;

use crate::harness::{App, BIN, TestResult, api_role_sign_in};

#[tokio::test(flavor = "multi_thread")]
async fn a_release_runs_on_the_schema_a_later_release_migrated() -> TestResult {
    let app = App::start()?;
    let owner = sqlx::PgPool::connect(&app.database_url()).await?;
    // What a later release leaves behind: a table of its own (migrations
    // only add) and its migration in sqlx's book.
    sqlx::query("CREATE TABLE later_release_notes (id bigint PRIMARY KEY)")
        .execute(&owner)
        .await?;
    sqlx::query("INSERT INTO later_release_notes VALUES (1)")
        .execute(&owner)
        .await?;
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (99991231000000, 'a later release', true, '\\x00', 1)",
    )
    .execute(&owner)
    .await?;

    let migrate = Command::new(BIN)
        .arg("migrate")
        .env("ERP_DATABASE_URL", app.database_url())
        .env("ERP_REDIS_URL", app.redis_url())
        .env_remove("NOTIFY_SOCKET")
        .output()?;
    assert!(
        migrate.status.success(),
        "migrate refused the newer schema: {}",
        String::from_utf8_lossy(&migrate.stderr)
    );

    let mut command = Command::new(BIN);
    command
        .env("ERP_DATABASE_URL", app.database_url())
        .env("ERP_REDIS_URL", app.redis_url());
    let (_api, signed_in) = api_role_sign_in(command).await?;
    assert_eq!(signed_in, reqwest::StatusCode::OK);

    // The later release's data and its book entry are as it left them.
    let kept: i64 = sqlx::query_scalar("SELECT count(*) FROM later_release_notes")
        .fetch_one(&owner)
        .await?;
    let booked: i64 =
        sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE version = 99991231000000")
            .fetch_one(&owner)
            .await?;
    assert_eq!((kept, booked), (1, 1));
    Ok(())
}
