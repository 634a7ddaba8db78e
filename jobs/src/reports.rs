//! The `report` job: build a report run (as the person who asked) into its
//! PDF and CSV, then mark it done, which tells the person in the app and by
//! e-mail. A run already done is left alone, so a second delivery of the
//! job does nothing; a report that cannot be built (a filter that names
//! nothing, access taken away) fails its run with the reason at once.

use std::sync::Arc;

use apalis::prelude::{BoxDynError, Data};
use erp::reports::{Builder, ReportRequested, runs};
use erp::{Erp, ErrorKind};

use crate::backend::JobAttempt;

/// What the report jobs need besides the domain handles.
pub struct Reports {
    pub builder: Arc<dyn Builder>,
    /// The appliance's address as people reach it (`https://erp.example.hn`),
    /// for the link in the e-mail.
    pub public_url: String,
}

pub async fn run(
    job: ReportRequested,
    erp: Data<Erp>,
    reports: Data<Arc<Reports>>,
    attempt: Data<JobAttempt>,
) -> Result<(), BoxDynError> {
    let Some(run) = runs::claim(&erp, &job).await? else {
        log::info!("report run {}: already finished", job.run_id);
        return Ok(());
    };
    log::info!(
        "report run {} ({}) for user {}: started",
        run.id,
        run.kind,
        job.user.user_id
    );
    let built = reports
        .builder
        .build(&erp, &job.user, &run.kind, &run.query, &run.lang)
        .await;
    let files = match built {
        Ok(files) => files,
        Err(e)
            if matches!(
                e.kind,
                ErrorKind::Validation | ErrorKind::NotFound | ErrorKind::Forbidden
            ) =>
        {
            log::warn!("report run {}: cannot be built: {}", run.id, e.message);
            runs::fail(&erp, &job, &e.message).await?;
            return Ok(());
        }
        Err(e) => {
            if attempt.number >= attempt.max {
                runs::fail(&erp, &job, &e.message).await?;
            }
            return Err(e.into());
        }
    };
    runs::progress(&erp, &job, 70).await?;
    let title = files.title;
    let stem = files.stem;
    let pdf_bytes = files.pdf.len();
    // The store writes whole files: a reader never sees half of one.
    for (ext, bytes) in [("pdf", files.pdf), ("csv", files.csv)] {
        erp.files.put(&runs::file_key(run.id, ext), bytes).await?;
    }
    let link = format!(
        "{}/reports/runs/{}",
        reports.public_url.trim_end_matches('/'),
        run.id
    );
    runs::finish(&erp, &job, &title, &stem, &link).await?;
    log::info!("report run {}: done ({pdf_bytes} bytes of PDF)", run.id);
    Ok(())
}
