//! Reading a file into checked rows and row issues, the same way for the
//! preview and for the worker.

use super::{Kind, MAX_ROWS, RowIssue};
use crate::access::{Access, Tx};
use crate::catalog::products::ValidProduct;
use crate::catalog::products_csv::{self, Categories};
use crate::csv_io::{self, Row};
use crate::parties::ValidParty;
use crate::{Error, FieldIssue, Result};

/// One good row, ready to write.
pub(super) enum Valid {
    Party(ValidParty),
    Product(ValidProduct),
}

pub(super) struct Checked {
    /// Data rows, blank lines not counted.
    pub total: usize,
    /// Good rows with their line.
    pub valid: Vec<(u64, Valid)>,
    pub issues: Vec<RowIssue>,
}

pub(super) fn row_issue(line: u64, issue: &FieldIssue) -> RowIssue {
    RowIssue {
        line,
        column: issue.pointer.trim_start_matches('/').to_owned(),
        code: issue.code.to_owned(),
        message: issue.message.clone(),
    }
}

/// Check every row of `text`. A file whose header is wrong (unknown, doubled
/// or missing columns) is refused as a whole; bad rows are reported one by one.
pub(super) async fn check(tx: &mut Tx, access: &Access, kind: Kind, text: &str) -> Result<Checked> {
    let mut reader = csv_io::reader(text);
    let header = reader.headers().map_err(|e| {
        Error::validation("unreadable_file", "/file", format!("not a CSV file: {e}"))
    })?;
    if header.iter().all(str::is_empty) {
        return Err(Error::validation(
            "empty_file",
            "/file",
            "the file has no header line",
        ));
    }
    let columns = csv_io::columns(header, kind.columns()).map_err(Error::invalid_fields)?;
    let missing: Vec<FieldIssue> = kind
        .required_columns()
        .iter()
        .filter(|c| !columns.iter().any(|have| have == *c))
        .map(|c| {
            FieldIssue::new(
                &format!("/columns/{c}"),
                "missing_column",
                format!("the file needs a column {c}"),
            )
        })
        .collect();
    if !missing.is_empty() {
        return Err(Error::invalid_fields(missing));
    }
    let categories = match kind {
        Kind::Products => Some(Categories::load(tx, access).await?),
        Kind::Parties => None,
    };

    let mut checked = Checked {
        total: 0,
        valid: Vec::new(),
        issues: Vec::new(),
    };
    let mut record = csv::StringRecord::new();
    let mut lines = csv_io::LineCounter::default();
    loop {
        let line = lines.line_at(text, reader.position().byte() as usize);
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                checked.total += 1;
                checked.issues.push(RowIssue {
                    line,
                    column: String::new(),
                    code: "unreadable_row".into(),
                    message: format!("the row cannot be read: {e}"),
                });
                continue;
            }
        }
        // The position before reading can sit on an empty line; the record's
        // own position is where its text starts.
        let line = record
            .position()
            .map_or(line, |p| lines.line_at(text, p.byte() as usize));
        let row = Row::new(line, &columns, &record);
        if row.is_blank() {
            continue;
        }
        checked.total += 1;
        if checked.total > MAX_ROWS {
            return Err(Error::validation(
                "too_many_rows",
                "/file",
                format!("at most {MAX_ROWS} rows per file"),
            ));
        }
        if record.len() > columns.len() {
            checked.issues.push(RowIssue {
                line,
                column: String::new(),
                code: "extra_cells".into(),
                message: format!("{} cells, the header has {}", record.len(), columns.len()),
            });
            continue;
        }
        let parsed = match &categories {
            Some(categories) => products_csv::parse(&row, categories).map(Valid::Product),
            None => crate::parties::csv::parse(&row).map(Valid::Party),
        };
        match parsed {
            Ok(valid) => checked.valid.push((line, valid)),
            Err(issues) => checked
                .issues
                .extend(issues.iter().map(|i| row_issue(line, i))),
        }
    }
    Ok(checked)
}
