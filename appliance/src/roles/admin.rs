//! `appliance admin …`: operator commands, run with the owner connection.

use std::io::Read;

use crate::cli::AdminCommand;

pub async fn run(cmd: AdminCommand) -> anyhow::Result<()> {
    // The commands on an install of quadlets, run on its host: they drive
    // podman and systemctl rather than connect.
    match cmd {
        AdminCommand::Init => return init(),
        AdminCommand::Backup => {
            let file = crate::quadlets::backups::Host::from_env().backup()?;
            println!("backup taken: {}", file.display());
            return Ok(());
        }
        AdminCommand::Restore { file } => {
            let safety = crate::quadlets::backups::Host::from_env().restore(&file)?;
            println!(
                "restored {}; every role is up again. The data it replaced is backed up in {}",
                file.display(),
                safety.display()
            );
            return Ok(());
        }
        AdminCommand::Status { settings } => {
            let settings = crate::quadlets::Settings::load(&settings)?;
            let report = crate::quadlets::status::report(
                &crate::quadlets::backups::Host::from_env(),
                &settings,
            )
            .await?;
            print!("{}", report.text);
            if !report.healthy {
                anyhow::bail!("something above needs attention");
            }
            return Ok(());
        }
        AdminCommand::Queue => {
            let queue = jobs::Queue::connect(&crate::config::redis_url()?).await?;
            let depth = queue.depth().await?;
            println!(
                "{} workers alive, {} waiting, {} running, {} scheduled, {} dead",
                depth.workers, depth.waiting, depth.running, depth.scheduled, depth.dead
            );
            return Ok(());
        }
        AdminCommand::Jobs { action } => return jobs_command(action).await,
        _ => {}
    }
    let database_url = crate::config::database_url()?.ok_or_else(|| {
        anyhow::anyhow!("ERP_DATABASE_URL is not set; point it at the appliance's database")
    })?;
    let owner = erp::Db::connect_owner(&database_url).await?;
    erp::db::migrate(&owner).await?;
    match cmd {
        AdminCommand::CreateCompany {
            name,
            legal_name,
            rtn,
        } => {
            let created = erp::admin::create_company(
                &owner,
                erp::admin::NewCompany {
                    name: &name,
                    legal_name: &legal_name,
                    rtn: rtn.as_deref(),
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.message))?;
            println!("company {name:?} created with id {}", created.id);
        }
        AdminCommand::CreateUser {
            email,
            name,
            company,
            role,
        } => {
            let role: erp::roles::Role = role
                .parse()
                .map_err(|e: erp::Error| anyhow::anyhow!("{}", e.message))?;
            let company_id = erp::admin::company_id_by_name(&owner, &company)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.message))?;
            let mut password = String::new();
            std::io::stdin().read_to_string(&mut password)?;
            let password = password.trim_end_matches(['\n', '\r']);
            let created = erp::admin::create_user(
                &owner,
                erp::admin::NewUser {
                    email: &email,
                    display_name: &name,
                    password,
                    company_id,
                    role,
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.message))?;
            println!("user {email} is {role} in {company:?} (id {})", created.id);
        }
        // Done above, without connecting.
        AdminCommand::Init
        | AdminCommand::Backup
        | AdminCommand::Restore { .. }
        | AdminCommand::Status { .. }
        | AdminCommand::Queue
        | AdminCommand::Jobs { .. } => {}
        AdminCommand::ResetTotp { email } => {
            erp::admin::reset_totp(&owner, &email)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.message))?;
            println!("two-step verification of {email} is off; they can set it up again");
        }
        AdminCommand::MailTest { address, company } => {
            anyhow::ensure!(
                address.parse::<lettre::Address>().is_ok(),
                "{address:?} is not an e-mail address"
            );
            let found: Option<(uuid::Uuid, String)> = sqlx::query_as(
                "SELECT id, name FROM companies WHERE $1::text IS NULL OR lower(name) = lower($1)
                  ORDER BY created_at LIMIT 1",
            )
            .bind(&company)
            .fetch_optional(&owner)
            .await?;
            let (company_id, name) = found.ok_or_else(|| match &company {
                Some(c) => anyhow::anyhow!("there is no company named {c:?}"),
                None => anyhow::anyhow!("there is no company yet"),
            })?;
            let mut tx = owner.begin().await?;
            erp::mail::enqueue(
                &mut tx,
                &erp::mail::SendMail {
                    mail_id: uuid::Uuid::now_v7(),
                    company_id,
                    to: address.clone(),
                    template: "test".to_owned(),
                    lang: "es-HN".to_owned(),
                    vars: serde_json::json!({ "company": name }),
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.message))?;
            tx.commit().await?;
            println!(
                "a test message from {name} to {address} is queued; if it does not arrive, the jobs page (or `appliance admin jobs dead`) has the mail server's answer"
            );
        }
    }
    owner.close().await;
    Ok(())
}

/// `admin init`: the podman secrets, through `ERP_PODMAN` (default `podman`).
fn init() -> anyhow::Result<()> {
    let podman = std::env::var("ERP_PODMAN").unwrap_or_else(|_| "podman".to_owned());
    for (name, outcome) in crate::quadlets::secrets::init(&podman)? {
        match outcome {
            crate::quadlets::secrets::Outcome::Created => {
                println!("secret {name}: created with a random value")
            }
            crate::quadlets::secrets::Outcome::Kept => {
                println!("secret {name}: exists, kept")
            }
        }
    }
    Ok(())
}

async fn jobs_command(action: crate::cli::JobsCommand) -> anyhow::Result<()> {
    use crate::cli::JobsCommand;
    let queue = jobs::Queue::connect(&crate::config::redis_url()?).await?;
    match action {
        JobsCommand::Dead => {
            let dead = queue.dead(100).await?;
            if dead.is_empty() {
                println!("no dead jobs");
            }
            for job in dead {
                println!(
                    "{}  {}  {} attempts  died {}  {}",
                    job.id,
                    job.kind,
                    job.attempts,
                    job.died_at.format("%Y-%m-%d %H:%M:%S UTC"),
                    job.error
                );
            }
        }
        JobsCommand::Retry { id } => {
            anyhow::ensure!(
                queue.settle_dead(&id, true, "the admin command").await?,
                "no dead job has the id {id}"
            );
            println!("job {id} is queued again");
        }
        JobsCommand::Discard { id } => {
            anyhow::ensure!(
                queue.settle_dead(&id, false, "the admin command").await?,
                "no dead job has the id {id}"
            );
            println!("job {id} is deleted");
        }
    }
    Ok(())
}
