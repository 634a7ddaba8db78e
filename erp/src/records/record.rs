//! What a kind of record (a product, a party, a warehouse …) tells the
//! generic operations in `crud` and `export` about itself: its table, its
//! columns, how its input is checked and written, how its list is filtered
//! and sorted, and who may touch it. The operations are written once; a new
//! resource implements this trait instead of copying a module.

use serde::Serialize;
use sqlx::postgres::PgRow;
use sqlx::query_builder::Separated;
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

use super::Constraint;
use crate::Result;
use crate::roles::Resource;

/// One way a list can be sorted: the name a client sends, the SQL
/// expression sorted on (it must be selected, or be a column), and the type
/// its text form is cast back to in a cursor.
pub struct SortKey {
    pub name: &'static str,
    pub sql: &'static str,
    pub cast: &'static str,
}

impl SortKey {
    /// By name as people sort it (accents and case ignored): the generated
    /// `name_key` column, which the list must select (`LIST_EXTRA`).
    pub const NAME: SortKey = SortKey {
        name: "name",
        sql: "name_key",
        cast: "text",
    };
    /// Newest or oldest first.
    pub const CREATED: SortKey = SortKey {
        name: "created",
        sql: "created_at",
        cast: "timestamptz",
    };
}

pub trait Record:
    Serialize + for<'r> sqlx::FromRow<'r, PgRow> + Send + Sync + Unpin + 'static
{
    /// The table, with `id`, `company_id`, `version`, `archived_at`,
    /// `created_at` and `updated_at` besides its own columns.
    const TABLE: &'static str;
    /// The name in the audit trail (`product`).
    const ENTITY: &'static str;
    /// The error code of a missing or invisible row (`product_not_found`).
    const NOT_FOUND: &'static str;
    /// Who may read, create, update and archive it.
    const RESOURCE: Resource;
    /// What a read selects (every field of `Self` except extra sort keys).
    const COLUMNS: &'static str;
    /// Extra selected expressions only lists need (sort keys), with a
    /// leading comma, or "".
    const LIST_EXTRA: &'static str = "";
    /// The columns `push_values` writes, in its order.
    const WRITTEN: &'static str;
    /// Unique and foreign-key constraints, each with the field it is about.
    const CONSTRAINTS: &'static [Constraint] = &[];
    /// The `text_match_ids` kind for the list's `q`, or None.
    const SEARCH: Option<&'static str> = None;
    /// The list's orders (at least one); the first is the default.
    const SORTS: &'static [SortKey];

    /// What a client sends.
    type Input: Send;
    /// The input once checked and normalised.
    type Valid: Send + Sync;
    /// The list's filters (and the common `q`, `status`, `sort`, `cursor`,
    /// `limit`).
    type Query: ListQuery;

    fn validate(input: Self::Input) -> Result<Self::Valid>;
    /// The version an update says it read.
    fn input_version(input: &Self::Input) -> Option<i32>;
    /// Bind the values of `WRITTEN`, in its order.
    fn push_values(valid: &Self::Valid, values: &mut Separated<'_, Postgres, &'static str>);
    /// Append the list's own filters (`AND …`); a bad value is a 400 with
    /// its field.
    fn push_filters(_query: &Self::Query, _qb: &mut QueryBuilder<Postgres>) -> Result<()> {
        Ok(())
    }

    fn id(&self) -> Uuid;
    fn version(&self) -> i32;
    /// The value of the sort key named `sort` on this row, as text.
    fn sort_value(&self, sort: &str) -> String;
}

/// The parameters every list takes besides its own filters.
pub trait ListQuery: Clone + Send + Sync {
    fn text(&self) -> Option<&str>;
    fn status(&self) -> Option<&str>;
    fn sort(&self) -> Option<&str>;
    fn cursor(&self) -> Option<&str>;
    fn limit(&self) -> Option<i64>;
    fn set_cursor(&mut self, cursor: Option<String>);
    /// The `sort` values the API document allows, as a pattern.
    const SORT_PATTERN: &'static str;
}

/// Define a list's query: its own filters plus the parameters every list
/// takes (`q`, `status`, `sort`, `cursor`, `limit`), deserialised strictly
/// (an unknown parameter is a 400) and described for the OpenAPI document.
/// `q` and `sort` take the text their documentation shows.
///
/// ```ignore
/// list_query! {
///     /// Filters and order of the thing list.
///     pub struct ThingQuery {
///         q: "Text in the name (accents and case ignored).",
///         sort: "`name` (default) or `created`; prefix `-` for descending.",
///         sort_pattern: r"^(-?(name|created))?$",
///         /// Only things of this colour.
///         pub colour: Option<String>,
///     }
/// }
/// ```
#[macro_export]
macro_rules! list_query {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            q: $q_doc:literal,
            sort: $sort_doc:literal,
            sort_pattern: $sort_pattern:literal,
            $($(#[$field_meta:meta])* pub $field:ident: $ty:ty,)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            #[doc = $q_doc]
            pub q: Option<String>,
            $($(#[$field_meta])* pub $field: $ty,)*
            /// `active` (default), `archived` or `all`.
            #[cfg_attr(feature = "openapi", param(pattern = r"^(active|archived|all)?$"))]
            pub status: Option<String>,
            #[doc = $sort_doc]
            #[cfg_attr(feature = "openapi", param(pattern = $sort_pattern))]
            pub sort: Option<String>,
            /// The `next_cursor` of the previous page.
            pub cursor: Option<String>,
            /// 1–200, default 50.
            pub limit: Option<i64>,
        }

        impl $crate::records::ListQuery for $name {
            const SORT_PATTERN: &'static str = $sort_pattern;

            fn text(&self) -> Option<&str> {
                self.q.as_deref()
            }
            fn status(&self) -> Option<&str> {
                self.status.as_deref()
            }
            fn sort(&self) -> Option<&str> {
                self.sort.as_deref()
            }
            fn cursor(&self) -> Option<&str> {
                self.cursor.as_deref()
            }
            fn limit(&self) -> Option<i64> {
                self.limit
            }
            fn set_cursor(&mut self, cursor: Option<String>) {
                self.cursor = cursor;
            }
        }
    };
}
