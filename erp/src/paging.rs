//! Keyset ("cursor") pagination shared by every list: a page holds at most
//! `limit` rows after the cursor, and the cursor is the sort key and id of
//! the last row, so a deep page costs what the first one does.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Error, Result};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// One page of a list, and the cursor of the next one (None on the last page).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Where a page starts: the sort key and id of the previous page's last row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub key: String,
    pub id: Uuid,
}

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// A list query's `cursor`: none, or empty (`?cursor=`, as a client
    /// that fills in its first page's cursor writes it), is the first page.
    pub fn read(text: Option<&str>) -> Result<Option<Cursor>> {
        text.filter(|t| !t.is_empty())
            .map(Cursor::decode)
            .transpose()
    }

    pub fn decode(text: &str) -> Result<Cursor> {
        URL_SAFE_NO_PAD
            .decode(text)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(invalid_cursor)
    }
}

/// A cursor that is not one of ours (or not for this list).
pub fn invalid_cursor() -> Error {
    Error::validation(
        "invalid_cursor",
        "/cursor",
        "this cursor is not one we issued",
    )
}

/// What a list's query failing over its cursor's key means: a key that
/// does not read as its column's type (text, a time, a number: a cursor
/// written by hand) is a cursor we did not issue, not a server error.
pub fn refused_key(e: sqlx::Error) -> Error {
    let bad_text = e
        .as_database_error()
        .and_then(|d| d.code())
        .is_some_and(|code| {
            matches!(
                code.as_ref(),
                "22P02" | "22007" | "22008" | "22003" | "22009"
            )
        });
    if bad_text { invalid_cursor() } else { e.into() }
}

/// The row limit a caller asked for, clamped to what we serve.
pub fn limit(requested: Option<i64>) -> i64 {
    requested.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
}

/// Build the page from `limit + 1` fetched rows: the extra row only says
/// that another page exists.
pub fn page<T>(mut rows: Vec<T>, limit: i64, key_of: impl Fn(&T) -> Cursor) -> Page<T> {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if more {
        rows.last().map(|r| key_of(r).encode())
    } else {
        None
    };
    Page {
        items: rows,
        next_cursor,
    }
}

/// Sort direction of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Asc,
    Desc,
}

/// A `sort` parameter: a field name, `-` in front for descending.
pub fn parse_sort<F: Copy>(
    text: Option<&str>,
    fields: &[(&str, F)],
    default: F,
) -> Result<(F, Direction)> {
    let Some(text) = text.filter(|t| !t.is_empty()) else {
        return Ok((default, Direction::Asc));
    };
    let (dir, name) = match text.strip_prefix('-') {
        Some(name) => (Direction::Desc, name),
        None => (Direction::Asc, text),
    };
    fields
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, f)| (*f, dir))
        .ok_or_else(|| {
            let names: Vec<&str> = fields.iter().map(|(n, _)| *n).collect();
            Error::validation(
                "invalid_sort",
                "/sort",
                format!(
                    "sort by one of: {} (prefix - for descending)",
                    names.join(", ")
                ),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let c = Cursor {
            key: "ávila".into(),
            id: Uuid::nil(),
        };
        assert_eq!(Cursor::read(None).ok(), Some(None));
        assert_eq!(
            Cursor::read(Some("")).ok(),
            Some(None),
            "empty: the first page"
        );
        assert_eq!(Cursor::read(Some(&c.encode())).ok(), Some(Some(c.clone())));
        assert!(Cursor::read(Some("not-a-cursor")).is_err());
        assert_eq!(Cursor::decode(&c.encode()).ok(), Some(c));
        assert!(Cursor::decode("not-a-cursor").is_err());
    }

    #[test]
    fn the_extra_row_makes_a_next_cursor() {
        let key = |n: &i32| Cursor {
            key: n.to_string(),
            id: Uuid::nil(),
        };
        let p = page(vec![1, 2, 3], 2, key);
        assert_eq!(p.items, vec![1, 2]);
        assert_eq!(
            p.next_cursor
                .and_then(|c| Cursor::decode(&c).ok())
                .map(|c| c.key),
            Some("2".into())
        );
        assert_eq!(page(vec![1, 2], 2, key).next_cursor, None);
    }

    #[test]
    fn sort_names_and_direction() {
        let fields = [("name", 1), ("sku", 2)];
        assert_eq!(
            parse_sort(Some("-sku"), &fields, 1).ok(),
            Some((2, Direction::Desc))
        );
        assert_eq!(parse_sort(None, &fields, 1).ok(), Some((1, Direction::Asc)));
        assert!(parse_sort(Some("price"), &fields, 1).is_err());
    }
}
