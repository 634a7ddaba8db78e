//! Calling the JSON API in tests: the answer as (status, JSON), the JSON of
//! a call that must succeed, and the fields a problem names.

use reqwest::StatusCode;
use serde_json::Value;

pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// Status and body (JSON, or the text as a JSON string when it is not JSON).
pub async fn send(req: reqwest::RequestBuilder) -> Result<(StatusCode, Value), Error> {
    let res = req.send().await?;
    let status = res.status();
    let text = res.text().await?;
    Ok((
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    ))
}

/// The JSON of a call that must succeed.
pub async fn ok(req: reqwest::RequestBuilder) -> Result<Value, Error> {
    let (status, body) = send(req).await?;
    if !status.is_success() {
        return Err(format!("{status}: {body}").into());
    }
    Ok(body)
}

/// (pointer, code) of every field a problem names.
pub fn fields(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|f| {
                    (
                        f["pointer"].as_str().unwrap_or_default().to_owned(),
                        f["code"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A decimal the API sends as a string, as a number (exact for the
/// amounts tests compare: whole lempiras and cents below 2^53).
pub fn num(v: &Value) -> f64 {
    v.as_str().and_then(|s| s.parse().ok()).unwrap_or(f64::NAN)
}

pub fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_owned()
}
