//! CSV as people's spreadsheets write it and read it: UTF-8 with or without a
//! byte-order mark, or Windows-1252 (what Excel saves on a Spanish Windows);
//! comma or semicolon between fields (Excel uses `;` where the decimal comma
//! is the custom); "sí"/"no" for yes and no. Files we write are UTF-8 with a
//! BOM so Excel shows the accents right.

use crate::{Error, FieldIssue, Result};

/// Rows fetched per query while writing an export (the list's own page size
/// is for people; this one is for the file).
pub const EXPORT_PAGE: i64 = 1000;

/// The text of an uploaded file. UTF-8 when it is valid UTF-8, Windows-1252
/// otherwise (every byte sequence is valid Windows-1252, so this never fails).
pub fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
    }
}

/// `;` when the header line has more semicolons than commas, else `,`.
pub fn delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or_default();
    let count = |c: char| header.chars().filter(|&x| x == c).count();
    if count(';') > count(',') { b';' } else { b',' }
}

/// A reader over decoded text: the first line names the columns, rows may be
/// shorter or longer than the header (reported per row, not a failure).
pub fn reader(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter(text))
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes())
}

/// A writer into memory that starts with the UTF-8 byte-order mark.
pub fn writer() -> csv::Writer<Vec<u8>> {
    csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec())
}

pub fn finish(writer: csv::Writer<Vec<u8>>) -> Result<Vec<u8>> {
    writer
        .into_inner()
        .map_err(|e| Error::internal(anyhow::anyhow!("csv: {e}")))
}

/// A download named after what it holds and the day, `parties-2026-11-22.csv`.
pub fn file(what: &str, bytes: Vec<u8>) -> crate::exports::ExportFile {
    crate::exports::ExportFile {
        file_name: format!("{what}-{}.csv", chrono::Local::now().format("%Y-%m-%d")),
        content_type: "text/csv; charset=utf-8",
        bytes,
    }
}

/// Line numbers from byte offsets. The csv crate's own line count is one
/// short after a CRLF header (what Excel writes), and a user must find the
/// line the preview names; counting newlines up to where the record's text
/// starts is right for both. Offsets only grow, so each byte is counted once.
#[derive(Default)]
pub struct LineCounter {
    offset: usize,
    line: u64,
}

impl LineCounter {
    /// The line on which the record starting at byte `offset` of `text` begins.
    pub fn line_at(&mut self, text: &str, offset: usize) -> u64 {
        let bytes = text.as_bytes();
        let mut start = offset.min(bytes.len());
        while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        if start >= self.offset {
            self.line += bytes[self.offset..start]
                .iter()
                .filter(|b| **b == b'\n')
                .count() as u64;
            self.offset = start;
        }
        self.line + 1
    }
}

/// One data row with its header, read by column name.
pub struct Row<'a> {
    /// The line in the file where the row starts (the header is line 1).
    pub line: u64,
    headers: &'a [String],
    record: &'a csv::StringRecord,
}

impl<'a> Row<'a> {
    pub fn new(line: u64, headers: &'a [String], record: &'a csv::StringRecord) -> Row<'a> {
        Row {
            line,
            headers,
            record,
        }
    }

    /// The cell of `column` (empty when the file has no such column).
    pub fn get(&self, column: &str) -> &'a str {
        self.headers
            .iter()
            .position(|h| h == column)
            .and_then(|i| self.record.get(i))
            .unwrap_or("")
    }

    pub fn is_blank(&self) -> bool {
        self.record.iter().all(str::is_empty)
    }

    /// A yes/no cell; empty gives `default`.
    pub fn flag(&self, column: &str, default: bool, issues: &mut Vec<FieldIssue>) -> bool {
        match parse_flag(self.get(column)) {
            Some(v) => v,
            None if self.get(column).is_empty() => default,
            None => {
                issues.push(FieldIssue::new(
                    &format!("/{column}"),
                    "invalid_boolean",
                    "write sí or no",
                ));
                default
            }
        }
    }

    /// A whole number cell; empty gives `default`.
    pub fn integer(&self, column: &str, default: i32, issues: &mut Vec<FieldIssue>) -> i32 {
        let text = self.get(column);
        if text.is_empty() {
            return default;
        }
        text.parse().unwrap_or_else(|_| {
            issues.push(FieldIssue::new(
                &format!("/{column}"),
                "invalid_number",
                "not a whole number",
            ));
            default
        })
    }

    /// An amount cell ("1,234.50", "L 99"); empty is zero.
    pub fn amount(&self, column: &str, issues: &mut Vec<FieldIssue>) -> rust_decimal::Decimal {
        let text = self.get(column);
        if text.is_empty() {
            return rust_decimal::Decimal::ZERO;
        }
        crate::values::parse_amount(text).unwrap_or_else(|| {
            issues.push(FieldIssue::new(
                &format!("/{column}"),
                "invalid_amount",
                "not an amount",
            ));
            rust_decimal::Decimal::ZERO
        })
    }
}

/// "sí", "si", "yes", "true", "1", "x" are yes; "no", "false", "0" are no.
pub fn parse_flag(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "sí" | "si" | "s" | "yes" | "y" | "true" | "verdadero" | "1" | "x" => Some(true),
        "no" | "n" | "false" | "falso" | "0" => Some(false),
        _ => None,
    }
}

pub fn flag_text(value: bool) -> &'static str {
    if value { "sí" } else { "no" }
}

/// Map the file's header cells to our column names: known names in English
/// or Spanish, any case, accents ignored. Unknown columns are an error naming
/// them (a typo would otherwise silently drop a column's data).
pub fn columns(
    header: &csv::StringRecord,
    known: &[(&'static str, &[&str])],
) -> std::result::Result<Vec<String>, Vec<FieldIssue>> {
    let mut issues = Vec::new();
    let mut out = Vec::new();
    for cell in header.iter() {
        let key = header_key(cell);
        match known.iter().find(|(name, aliases)| {
            header_key(name) == key || aliases.iter().any(|a| header_key(a) == key)
        }) {
            Some((name, _)) if out.iter().any(|c| c == name) => issues.push(FieldIssue::new(
                &format!("/columns/{name}"),
                "duplicate_column",
                format!("the column {cell} appears twice"),
            )),
            Some((name, _)) => out.push((*name).to_owned()),
            None => issues.push(FieldIssue::new(
                &format!("/columns/{}", cell.trim()),
                "unknown_column",
                format!("unknown column {cell}"),
            )),
        }
    }
    if issues.is_empty() {
        Ok(out)
    } else {
        Err(issues)
    }
}

/// Lower case without Spanish accents: how names typed in a file are matched.
pub fn fold(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'á' => 'a',
            'é' => 'e',
            'í' => 'i',
            'ó' => 'o',
            'ú' | 'ü' => 'u',
            'ñ' => 'n',
            c => c,
        })
        .collect()
}

/// A header cell folded, with spaces and dashes as underscores.
fn header_key(text: &str) -> String {
    fold(text).replace([' ', '-'], "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_excel_files() {
        // Windows-1252 "Pérez" with semicolons, as a Spanish Excel saves it.
        let bytes = b"nombre;rtn\nJuan P\xe9rez;08011999123456\n";
        let text = decode(bytes);
        assert!(text.contains("Juan Pérez"));
        assert_eq!(delimiter(&text), b';');
        let mut r = reader(&text);
        let rows: Vec<_> = r
            .records()
            .collect::<std::result::Result<_, _>>()
            .unwrap_or_default();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].get(1), Some("08011999123456"));
    }

    #[test]
    fn counts_lines_of_crlf_and_lf_files() {
        for text in ["a;b\r\n1;2\r\n\r\n3;4\r\n", "a;b\n1;2\n\n3;4\n"] {
            let mut r = reader(text);
            let mut lines = LineCounter::default();
            let mut rec = csv::StringRecord::new();
            let mut seen = Vec::new();
            while r.read_record(&mut rec).unwrap_or(false) {
                let byte = rec.position().map_or(0, |p| p.byte() as usize);
                seen.push(lines.line_at(text, byte));
            }
            assert_eq!(seen, vec![2, 4], "{text:?}");
        }
    }

    #[test]
    fn strips_the_byte_order_mark() {
        assert_eq!(decode(b"\xEF\xBB\xBFname\n"), "name\n");
    }

    #[test]
    fn maps_spanish_and_english_headers() {
        let known: &[(&str, &[&str])] = &[
            ("name", &["nombre"]),
            ("credit_limit", &["límite de crédito"]),
        ];
        let header = csv::StringRecord::from(vec!["Nombre", "Límite de crédito"]);
        assert_eq!(
            columns(&header, known).unwrap_or_default(),
            vec!["name".to_owned(), "credit_limit".to_owned()]
        );
        let bad = csv::StringRecord::from(vec!["name", "colour", "nombre"]);
        let issues = columns(&bad, known).err().unwrap_or_default();
        let codes: Vec<_> = issues.iter().map(|i| i.code).collect();
        assert_eq!(codes, vec!["unknown_column", "duplicate_column"]);
    }

    #[test]
    fn reads_yes_and_no() {
        assert_eq!(parse_flag("Sí"), Some(true));
        assert_eq!(parse_flag("NO"), Some(false));
        assert_eq!(parse_flag("tal vez"), None);
    }
}
