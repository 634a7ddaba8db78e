//! A record's list as a CSV file: every row the list shows with the same
//! filters and order, in the columns its import reads back.

use std::future::Future;

use super::crud::list_in;
use super::record::{ListQuery, Record};
use crate::access::{Access, Tx};
use crate::csv_io;
use crate::db::Db;
use crate::exports::ExportFile;
use crate::roles::Action;
use crate::{Error, Result, SessionUser};

pub trait Exported: Record {
    /// The file's name before the date (`parties` → `parties-2026-12-06.csv`).
    const FILE: &'static str;
    /// Column names as exported, each with the Spanish names an import
    /// also accepts.
    const CSV_COLUMNS: &'static [(&'static str, &'static [&'static str])];
    /// What the rows need besides themselves (category names by id …).
    type Lookup: Send + Sync;

    fn lookup(tx: &mut Tx, access: &Access) -> impl Future<Output = Result<Self::Lookup>> + Send;
    /// The row's cells, in `CSV_COLUMNS` order.
    fn csv_row(&self, lookup: &Self::Lookup) -> Vec<String>;
}

pub async fn export<R: Exported>(
    db: &Db,
    user: &SessionUser,
    mut query: R::Query,
) -> Result<ExportFile> {
    let (access, mut tx) = Access::begin(db, user, R::RESOURCE, Action::Read).await?;
    let lookup = R::lookup(&mut tx, &access).await?;
    let mut out = csv_io::writer();
    out.write_record(R::CSV_COLUMNS.iter().map(|(name, _)| name))
        .map_err(Error::internal)?;
    query.set_cursor(None);
    loop {
        let page = list_in::<R>(&mut tx, &access, &query, csv_io::EXPORT_PAGE).await?;
        for row in &page.items {
            out.write_record(row.csv_row(&lookup))
                .map_err(Error::internal)?;
        }
        match page.next_cursor {
            Some(next) => query.set_cursor(Some(next)),
            None => break,
        }
    }
    tx.commit().await?;
    Ok(csv_io::file(R::FILE, csv_io::finish(out)?))
}
