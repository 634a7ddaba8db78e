//! At-least-once delivery means a job can run again after it did its work
//! (its worker killed before the acknowledgement, or its lease lost). Each
//! real job type is made to run through the door a user uses, then its job
//! is delivered once more (the same arguments, queued again as a takeover
//! would): the second run changes nothing a user can see — one export
//! file, one import's rows, one notice and one e-mail per report, one
//! e-mail per message, one thumbnail, one recorded run per tick. (The
//! killing itself, and the counting of the duplicates it causes, is
//! `queue::killed_workers_lose_no_job_and_a_hung_job_is_taken_over` for
//! probe jobs, and here for thumbnails: worker processes SIGKILLed while
//! decoding a photo, each photo's thumbnail made all the same.)

use std::time::Duration;

use erp::jobs::{Job, Options};
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::attachments::{photo, upload, vehicle};
use crate::harness::{
    ADMIN, App, MANAGER, TestResult, company_id, eventually, free_port, json_of, login_in,
};
use crate::mail::{delivered, smtp_server};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The same job without its idempotency key: queued again although it ran.
#[derive(Serialize, Deserialize)]
#[serde(transparent)]
struct Again<J>(J);

impl<J: Job> Job for Again<J> {
    const KIND: &'static str = J::KIND;
}

/// Queue `job` once more, as a takeover after a lost lease does.
async fn again<J: Job>(queue: &jobs::Queue, job: J) -> Result<(), Error> {
    queue.push(&Again(job), Options::default()).await?;
    Ok(())
}

/// Wait until nothing waits, runs or is scheduled, twice in a row.
async fn settled(queue: &jobs::Queue) -> Result<(), Error> {
    let mut quiet = 0;
    for _ in 0..300 {
        let d = queue.depth().await?;
        quiet = if d.waiting + d.running + d.scheduled == 0 {
            quiet + 1
        } else {
            0
        };
        if quiet == 3 {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Err("the queue did not settle within a minute".into())
}

async fn done(
    client: &reqwest::Client,
    url: &str,
    field: &str,
    value: &str,
) -> Result<Value, Error> {
    eventually(Duration::from_secs(60), || async {
        let v = json_of(client, url).await?;
        (v[field] == value).then_some(v)
    })
    .await
    .ok_or_else(|| format!("{url} never had {field} = {value}").into())
}

#[tokio::test(flavor = "multi_thread")]
async fn every_real_job_type_run_twice_has_the_effect_of_once() -> TestResult {
    let maildir = tempfile::tempdir()?;
    let port = free_port();
    let _smtp = smtp_server(port, maildir.path())?;
    let app = App::start_env(&[("ERP_SMTP_URL", &format!("smtp://127.0.0.1:{port}"))])?;
    let queue = jobs::Queue::connect(&app.redis_url()).await?;
    let db = sqlx::PgPool::connect(&app.database_url()).await?;
    let admin = login_in(&app, ADMIN, "Motos Catrachas").await?;
    let manager = login_in(&app, MANAGER, "Motos Catrachas").await?;
    let me: Value = json_of(&manager, app.url("/api/v1/me")).await.ok_or("me")?;
    let user_id: Uuid = me["user_id"].as_str().ok_or("user id")?.parse()?;
    let company_id: Uuid = company_id(&me, "Motos Catrachas")?.parse()?;
    let admin_me: Value = json_of(&admin, app.url("/api/v1/me")).await.ok_or("me")?;
    let admin_id: Uuid = admin_me["user_id"].as_str().ok_or("user id")?.parse()?;

    // The first delivery of each, through the user's door.
    let export: Value = admin
        .post(app.url("/api/v1/exports/users-roles"))
        .send()
        .await?
        .json()
        .await?;
    let export_id: Uuid = export["id"].as_str().ok_or("export id")?.parse()?;
    let export = app.export_done(&admin, &export_id.to_string()).await?;
    let export_csv = admin
        .get(app.url(&format!("/api/v1/exports/{export_id}/file")))
        .send()
        .await?
        .text()
        .await?;

    let csv = "nombre,rtn,ciudad\nRepuestos La Ceiba,08011990000029,La Ceiba\nTaller Don Chepe,,Siguatepeque\n";
    let res = manager
        .post(app.url("/api/v1/imports/parties?file_name=clientes.csv"))
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::CREATED);
    let import: Value = res.json().await?;
    let import_id: Uuid = import["id"].as_str().ok_or("import id")?.parse()?;
    let res = manager
        .post(app.url(&format!("/api/v1/imports/parties/{import_id}/start")))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let import_url = app.url(&format!("/api/v1/imports/parties/{import_id}"));
    let import = done(&manager, &import_url, "status", "done").await?;
    assert_eq!(import["created_rows"], 2, "{import}");

    let res = manager
        .post(app.url("/api/v1/reports/runs"))
        .json(&json!({"kind": "sales-book", "lang": "es-HN"}))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let run: Value = res.json().await?;
    let run_id: Uuid = run["id"].as_str().ok_or("run id")?.parse()?;
    let run_url = app.url(&format!("/api/v1/reports/runs/{run_id}"));
    let run = done(&manager, &run_url, "status", "done").await?;

    let moto = vehicle(&app, &manager, "GEN-300").await?;
    let (status, a) = upload(
        &app,
        &manager,
        ("product", &moto),
        "moto.jpg",
        photo(900, 600),
    )
    .await?;
    assert_eq!(status, StatusCode::CREATED, "{a}");
    let attachment_id: Uuid = a["id"].as_str().ok_or("attachment id")?.parse()?;
    let attachment_url = app.url(&format!("/api/v1/attachments/{attachment_id}"));
    done(&manager, &attachment_url, "thumbnail", "done").await?;
    let thumb_url = app.url(&format!("/api/v1/attachments/{attachment_id}/thumbnail"));
    let thumb = manager.get(&thumb_url).send().await?.bytes().await?;

    let mail = erp::mail::SendMail {
        mail_id: Uuid::now_v7(),
        company_id,
        to: "cobros@cliente.hn".into(),
        template: "test".into(),
        lang: "es-HN".into(),
        vars: json!({}),
    };
    queue.push(&mail, Options::default()).await?;
    let (task_id, task): (Uuid, String) =
        sqlx::query_as("SELECT id, task FROM periodic_tasks WHERE name = 'purge-expired-exports'")
            .fetch_one(&db)
            .await?;
    let tick = jobs::periodic::PeriodicRun {
        task_id,
        task,
        tick_at: chrono::DateTime::parse_from_rfc3339("2026-12-01T06:00:00Z")?.to_utc(),
        args: json!({}),
    };
    queue.push(&tick, Options::default()).await?;
    settled(&queue).await?;
    let mails_once = delivered(maildir.path());
    assert_eq!(
        mails_once.len(),
        2,
        "the report's e-mail and the message: {mails_once:?}"
    );
    let notices = |me: Value| me["unread_notifications"].as_i64();
    let notices_once = notices(json_of(&manager, app.url("/api/v1/me")).await.ok_or("me")?);
    assert_eq!(notices_once, Some(1));

    // Each delivered once more.
    let export_job = erp::jobs::ExportRequested {
        export_id,
        company_id,
        user_id: admin_id,
    };
    again(&queue, export_job).await?;
    let import_job = erp::jobs::ImportRequested {
        import_id,
        kind: erp::imports::Kind::Parties,
        company_id,
        user_id,
    };
    again(&queue, import_job).await?;
    let as_manager = erp::SessionUser::new(user_id, Some(company_id), "es-HN".into());
    again(
        &queue,
        erp::reports::ReportRequested {
            run_id,
            user: as_manager,
        },
    )
    .await?;
    let thumbnail_job = erp::attachments::ThumbnailRequested {
        attachment_id,
        company_id,
        user_id,
    };
    again(&queue, thumbnail_job).await?;
    again(&queue, mail).await?;
    again(&queue, tick.clone()).await?;
    settled(&queue).await?;

    // Nothing a user sees changed.
    let export_again = json_of(&admin, app.url(&format!("/api/v1/exports/{export_id}")))
        .await
        .ok_or("export")?;
    assert_eq!(export_again["status"], "done");
    assert_eq!(export_again["row_count"], export["row_count"]);
    let csv_again = admin
        .get(app.url(&format!("/api/v1/exports/{export_id}/file")))
        .send()
        .await?
        .text()
        .await?;
    assert_eq!(csv_again, export_csv);
    let import_again = json_of(&manager, &import_url).await.ok_or("import")?;
    for field in [
        "status",
        "processed_rows",
        "created_rows",
        "updated_rows",
        "unchanged_rows",
    ] {
        assert_eq!(
            import_again[field], import[field],
            "{field}: {import_again}"
        );
    }
    let parties: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM parties WHERE name IN ('Repuestos La Ceiba', 'Taller Don Chepe')",
    )
    .fetch_one(&db)
    .await?;
    assert_eq!(parties, 2);
    let run_again = json_of(&manager, &run_url).await.ok_or("run")?;
    assert_eq!(run_again["status"], "done");
    assert_eq!(run_again["finished_at"], run["finished_at"]);
    let notices_twice = notices(json_of(&manager, app.url("/api/v1/me")).await.ok_or("me")?);
    assert_eq!(notices_twice, notices_once);
    assert_eq!(
        delivered(maildir.path()).len(),
        2,
        "no e-mail was sent twice"
    );
    let a_again = json_of(&manager, &attachment_url)
        .await
        .ok_or("attachment")?;
    assert_eq!(a_again["thumbnail"], "done");
    assert_eq!(manager.get(&thumb_url).send().await?.bytes().await?, thumb);
    let runs: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM periodic_task_runs WHERE task_id = $1 AND tick_at = $2",
    )
    .bind(task_id)
    .bind(tick.tick_at)
    .fetch_one(&db)
    .await?;
    assert_eq!(runs, 1, "one recorded run per tick");
    // And none of them failed: the dead set is empty.
    assert_eq!(queue.depth().await?.dead, 0, "log:\n{}", app.log_text());
    Ok(())
}

/// The names of the live workers (the queue's `workers` set).
async fn worker_names(redis: &fred::prelude::Client) -> Vec<String> {
    use fred::prelude::*;
    redis
        .zrange(
            jobs::store::keys::workers(),
            0,
            -1,
            None,
            false,
            None,
            false,
        )
        .await
        .unwrap_or_default()
}

/// The thumbnail job `worker` is running now, if any: its id.
async fn running_on(redis: &fred::prelude::Client, worker: &str) -> Option<String> {
    use fred::prelude::*;
    let active: Vec<String> = redis
        .zrange(
            jobs::store::keys::active("thumbnail"),
            0,
            -1,
            None,
            false,
            None,
            false,
        )
        .await
        .ok()?;
    for id in active {
        let by: Option<String> = redis.hget(jobs::store::keys::job(&id), "by").await.ok()?;
        if by.as_deref() == Some(worker) {
            return Some(id);
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread")]
async fn workers_killed_in_the_middle_of_thumbnails_lose_none_of_them() -> TestResult {
    let app = App::start()?;
    let redis = crate::queue::redis(&app).await?;
    let manager = login_in(&app, MANAGER, "Motos Catrachas").await?;
    let moto = vehicle(&app, &manager, "GEN-400").await?;
    let up_worker = eventually(Duration::from_secs(10), || async {
        worker_names(&redis).await.into_iter().next()
    })
    .await
    .ok_or("up's worker never registered")?;
    // Worker processes as an install runs them, on the same store.
    let start_worker = || {
        let mut command = std::process::Command::new(crate::harness::BIN);
        command
            .env("ERP_DATABASE_URL", app.database_url())
            .env("ERP_REDIS_URL", app.redis_url())
            .env("ERP_FILES_DIR", app.data_dir().join("files"));
        crate::harness::Role::start("worker", command)
    };
    let mut worker = start_worker()?;
    let mut known = vec![up_worker];
    let mut name = eventually(Duration::from_secs(10), || async {
        worker_names(&redis)
            .await
            .into_iter()
            .find(|n| !known.contains(n))
    })
    .await
    .ok_or("the worker process never registered")?;

    // Large photos: a thumbnail takes long enough to be caught running.
    let big = photo(4000, 3000);
    const PHOTOS: usize = 10;
    let mut ids = vec![];
    for i in 0..PHOTOS {
        let (status, a) = upload(
            &app,
            &manager,
            ("product", &moto),
            &format!("foto-{i}.jpg"),
            big.clone(),
        )
        .await?;
        assert_eq!(status, StatusCode::CREATED, "{a}");
        ids.push(a["id"].as_str().ok_or("id")?.to_owned());
    }

    // Twice: wait until the worker process is making a thumbnail, SIGKILL
    // it there, start another.
    let mut killed = vec![];
    for round in 1..=2 {
        // After a kill, the dead worker's lease (its running job) counts
        // against the type's limit of two until it runs out, 30 s later;
        // the other slot is `up`'s worker's, which holds no more than the
        // one photo it makes (a limited type is not fetched ahead).
        let job = eventually(Duration::from_secs(75), || async {
            running_on(&redis, &name).await
        })
        .await
        .ok_or(format!(
            "round {round}: the worker process never took a thumbnail"
        ))?;
        drop(worker);
        killed.push(job);
        worker = start_worker()?;
        known.push(name.clone());
        name = eventually(Duration::from_secs(10), || async {
            worker_names(&redis)
                .await
                .into_iter()
                .find(|n| !known.contains(n))
        })
        .await
        .ok_or("the new worker process never registered")?;
    }

    // A killed worker's job comes back when its 30 s lease runs out.
    for id in &ids {
        let url = app.url(&format!("/api/v1/attachments/{id}"));
        done(&manager, &url, "thumbnail", "done").await?;
        let thumb = manager.get(format!("{url}/thumbnail")).send().await?;
        assert_eq!(thumb.status(), StatusCode::OK);
        let small = image::load_from_memory(&thumb.bytes().await?)?;
        assert_eq!((small.width(), small.height()), (320, 240));
    }
    let queue = jobs::Queue::connect(&app.redis_url()).await?;
    let d = queue.depth().await?;
    assert_eq!(
        (d.waiting, d.running, d.scheduled, d.dead),
        (0, 0, 0, 0),
        "{d:?}"
    );
    // Each killed attempt was started again: the duplicates at-least-once
    // allows, counted. Every photo acknowledged exactly once.
    let stats: std::collections::HashMap<String, u64> = {
        use fred::prelude::*;
        redis.hgetall(jobs::store::keys::stats("thumbnail")).await?
    };
    assert_eq!(stats.get("done"), Some(&(PHOTOS as u64)), "{stats:?}");
    // Leases that ran out with their worker dead: at least the job each
    // kill interrupted (a job fetched but not started counts too).
    let lost = stats.get("lost").copied().unwrap_or(0);
    assert!(lost >= killed.len() as u64, "{stats:?}");
    println!(
        "{} thumbnails, {} killed mid-way and made again; stats {stats:?}",
        PHOTOS,
        killed.len()
    );
    Ok(())
}
