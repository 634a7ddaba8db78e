//! The JSON API of a kind of record (`erp::records::Record`), written once:
//! list with filters, sort and cursor; the list as CSV; create; read;
//! replace with the version read; archive and restore. A resource's route
//! module invokes `record_routes!` with its path, tag and types instead of
//! writing the seven handlers again.

/// `record_routes! { mod NAME, "/api/v1/things", "tag", Row, Input, Query }`
/// defines the module `NAME` with the handlers and `NAME::routes()`.
/// `Row`, `Input` and `Query` are names in scope where it is invoked (plain
/// names keep utoipa's reading of the types simple).
#[macro_export]
macro_rules! record_routes {
    (mod $name:ident, $path:literal, $tag:literal, $row:ident, $input:ident, $query:ident) => {
        pub mod $name {
            use axum::Json;
            use axum::extract::State;
            use $crate::path::Path;
            use axum::http::StatusCode;
            use axum::response::Response;
            use erp::Erp;
            use erp::paging::Page;
            use erp::records::{crud, export as csv};
            use utoipa_axum::{router::OpenApiRouter, routes};
            use uuid::Uuid;

            use super::{$input, $query, $row};
            use $crate::auth::Caller;
            use $crate::json;
            use $crate::problem::{ApiResult, Problem};
            use $crate::query::Query;
            use $crate::routes::common::{VersionDto, download};

            /// One page of the active company's records, with filters, sort
            /// and a cursor.
            #[utoipa::path(get, path = $path, tag = $tag, params($query),
                responses((status = 200, body = Page<$row>),
                          (status = 400, body = Problem, content_type = "application/problem+json")))]
            async fn list(
                State(erp): State<Erp>,
                caller: Caller,
                Query(q): Query<$query>,
            ) -> ApiResult<Json<Page<$row>>> {
                Ok(Json(crud::list::<$row>(&erp.db, &caller.user, q).await?))
            }

            /// Every record the list shows with these filters and this order,
            /// as CSV (the columns the import reads).
            #[utoipa::path(get, path = concat!($path, "/export"), tag = $tag, params($query),
                responses((status = 200, content_type = "text/csv"),
                          (status = 400, body = Problem, content_type = "application/problem+json")))]
            async fn export(
                State(erp): State<Erp>,
                caller: Caller,
                Query(q): Query<$query>,
            ) -> ApiResult<Response> {
                Ok(download(csv::export::<$row>(&erp.db, &caller.user, q).await?))
            }

            #[utoipa::path(post, path = $path, tag = $tag, request_body = $input,
                responses((status = 201, body = $row),
                          (status = 422, body = Problem, content_type = "application/problem+json"),
                          (status = 403, body = Problem, content_type = "application/problem+json")))]
            async fn create(
                State(erp): State<Erp>,
                caller: Caller,
                json::Json(input): json::Json<$input>,
            ) -> ApiResult<(StatusCode, Json<$row>)> {
                let row = crud::create::<$row>(&erp.db, &caller.user, input).await?;
                Ok((StatusCode::CREATED, Json(row)))
            }

            #[utoipa::path(get, path = concat!($path, "/{id}"), tag = $tag, params(("id" = Uuid, Path)),
                responses((status = 200, body = $row),
                          (status = 404, body = Problem, content_type = "application/problem+json"),
                          (status = 403, body = Problem, content_type = "application/problem+json")))]
            async fn get(
                State(erp): State<Erp>,
                caller: Caller,
                Path(id): Path<Uuid>,
            ) -> ApiResult<Json<$row>> {
                Ok(Json(crud::get::<$row>(&erp.db, &caller.user, id).await?))
            }

            /// Replace the record; `version` must be the one read (409
            /// otherwise).
            #[utoipa::path(put, path = concat!($path, "/{id}"), tag = $tag, params(("id" = Uuid, Path)),
                request_body = $input,
                responses((status = 200, body = $row),
                          (status = 404, body = Problem, content_type = "application/problem+json"),
                          (status = 409, body = Problem, content_type = "application/problem+json"),
                          (status = 422, body = Problem, content_type = "application/problem+json"),
                          (status = 403, body = Problem, content_type = "application/problem+json")))]
            async fn update(
                State(erp): State<Erp>,
                caller: Caller,
                Path(id): Path<Uuid>,
                json::Json(input): json::Json<$input>,
            ) -> ApiResult<Json<$row>> {
                Ok(Json(crud::update::<$row>(&erp.db, &caller.user, id, input).await?))
            }

            #[utoipa::path(post, path = concat!($path, "/{id}/archive"), tag = $tag,
                params(("id" = Uuid, Path)), request_body = VersionDto,
                responses((status = 200, body = $row),
                          (status = 404, body = Problem, content_type = "application/problem+json"),
                          (status = 409, body = Problem, content_type = "application/problem+json"),
                          (status = 422, body = Problem, content_type = "application/problem+json"),
                          (status = 403, body = Problem, content_type = "application/problem+json")))]
            async fn archive(
                State(erp): State<Erp>,
                caller: Caller,
                Path(id): Path<Uuid>,
                json::Json(body): json::Json<VersionDto>,
            ) -> ApiResult<Json<$row>> {
                let row =
                    crud::set_archived::<$row>(&erp.db, &caller.user, id, body.version, true).await?;
                Ok(Json(row))
            }

            #[utoipa::path(post, path = concat!($path, "/{id}/restore"), tag = $tag,
                params(("id" = Uuid, Path)), request_body = VersionDto,
                responses((status = 200, body = $row),
                          (status = 404, body = Problem, content_type = "application/problem+json"),
                          (status = 409, body = Problem, content_type = "application/problem+json"),
                          (status = 422, body = Problem, content_type = "application/problem+json"),
                          (status = 403, body = Problem, content_type = "application/problem+json")))]
            async fn restore(
                State(erp): State<Erp>,
                caller: Caller,
                Path(id): Path<Uuid>,
                json::Json(body): json::Json<VersionDto>,
            ) -> ApiResult<Json<$row>> {
                let row =
                    crud::set_archived::<$row>(&erp.db, &caller.user, id, body.version, false).await?;
                Ok(Json(row))
            }

            pub fn routes() -> OpenApiRouter<Erp> {
                OpenApiRouter::new()
                    .routes(routes!(export))
                    .routes(routes!(list, create))
                    .routes(routes!(get, update))
                    .routes(routes!(archive))
                    .routes(routes!(restore))
            }
        }
    };
}
