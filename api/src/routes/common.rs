//! Bodies and answers several routes share.

use serde::Deserialize;
use utoipa::ToSchema;

/// The body of archive/restore/delete: the version that was read.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionDto {
    #[serde(deserialize_with = "erp::whole_number::i32")]
    pub version: i32,
}

/// A file to save: its type and the name the browser offers.
pub fn download(f: erp::exports::ExportFile) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    let headers = [
        (header::CONTENT_TYPE, f.content_type.to_owned()),
        (header::CONTENT_DISPOSITION, f.attachment()),
    ];
    (headers, f.bytes).into_response()
}

/// A PDF shown in the browser (inline), saved under `file_name`.
pub fn pdf_response(file_name: String, bytes: Vec<u8>) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    let headers = [
        (header::CONTENT_TYPE, "application/pdf".to_owned()),
        (
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{file_name}\""),
        ),
    ];
    (headers, bytes).into_response()
}
