//! The one error type of the server, and its way out.
//!
//! Every refusal and failure is `{"error", "code", "message", "params"?}`:
//! `error` is coarse and stable (by status: `not_found`, `forbidden` …),
//! `code` fine and stable (`session_expired`, `kind_not_allowed` …), the
//! `params` are the values the message names, and the `message` is written
//! in English here and put into the client's language (`Accept-Language`,
//! Chinese by default) by [`localize`] on the way out. 5xx details are
//! logged, never sent.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};
use wangge_store::StoreError;

/// Seconds a client is asked to wait before retrying a 503: the database
/// was busy (a CLI import on `SQLite` holds the write lock for one batch at a
/// time) and the server had already waited its busy timeout.
pub const RETRY_AFTER_S: u32 = 2;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    /// Coarse and stable, by status.
    pub error: &'static str,
    /// Fine and stable; empty: the same as `error`.
    pub code: &'static str,
    /// The values the message names (a cell, a manager, seconds …).
    pub params: Map<String, Value>,
    /// In English; [`localize`] translates it by `code` and `params`.
    pub message: String,
    /// `Retry-After` seconds (429 and 503; a 503 gets [`RETRY_AFTER_S`]).
    pub retry_after_s: Option<i64>,
}

impl Default for ApiError {
    fn default() -> Self {
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            error: "internal",
            code: "",
            params: Map::new(),
            message: String::new(),
            retry_after_s: None,
        }
    }
}

impl ApiError {
    pub fn new(status: StatusCode, error: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            error,
            message: message.into(),
            ..ApiError::default()
        }
    }

    /// The fine code, for the page and the message catalogue.
    #[must_use]
    pub fn code(mut self, code: &'static str) -> Self {
        self.code = code;
        self
    }

    /// One value the message names.
    #[must_use]
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.params.insert(key.to_owned(), value.into());
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn unprocessable(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "unprocessable", message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::CONFLICT, "conflict", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 401 with `WWW-Authenticate: Bearer`; `code` says which:
    /// `login_required`, `session_expired`, `bad_credentials`, `map_private`.
    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message).code(code)
    }

    /// 429 after too many failed logins, with the seconds to wait.
    pub fn too_many_logins(retry_after_ms: i64) -> Self {
        let seconds = (retry_after_ms + 999) / 1000;
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            format!("too many failed logins; try again in {seconds} s"),
        )
        .code("login_throttled")
        .with("retry_after_s", seconds);
        e.retry_after_s = Some(seconds);
        e
    }

    /// 503: the database is busy with another writer; nothing was written.
    pub fn busy(detail: &dyn std::fmt::Display) -> Self {
        tracing::warn!(error = %detail, "database busy: answered 503");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            format!(
                "the database is busy with another writer (e.g. a command-line import); nothing was done: retry in {RETRY_AFTER_S} s"
            ),
        )
    }

    /// 503 for a part of the server that is not ready or failed to build:
    /// `detail` goes to the log only.
    pub fn unavailable(what: &str, detail: &dyn std::fmt::Display) -> Self {
        tracing::warn!(error = %detail, what, "answered 503");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            format!("the {what} cannot be served just now; retry in {RETRY_AFTER_S} s"),
        )
        .code("temporarily_unavailable")
    }

    /// 500: `detail` goes to the log only.
    pub fn internal(detail: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; the server log has the details",
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { .. } => ApiError::not_found(e.to_string()),
            StoreError::DuplicateCode { .. } | StoreError::Conflict { .. } => {
                ApiError::conflict(e.to_string())
            }
            // A key or foreign key refused by the database (a writer got in
            // first): a 409 in the domain's words; the database's text names
            // its constraints (placements_cell_id_fkey) and goes to the log.
            StoreError::Database(_) if e.is_conflict() => {
                tracing::info!(error = %e, "a write lost a race");
                ApiError::conflict(
                    "the data changed while the request ran: read it again and retry",
                )
                .code("changed_meanwhile")
            }
            StoreError::BadName { problem, .. } => {
                ApiError::unprocessable(e.to_string()).code(problem.code())
            }
            _ if e.is_hierarchy() => hierarchy_error(&e),
            StoreError::Busy(_) => ApiError::busy(&e),
            _ => ApiError::internal(&e),
        }
    }
}

/// A refusal of the grid's hierarchy or field rules: 422 with the code of
/// the rule and the grids it names, so the message reads in any language.
fn hierarchy_error(e: &StoreError) -> ApiError {
    let error = ApiError::unprocessable(e.to_string());
    let hint = |h: &Option<String>| h.clone().unwrap_or_default();
    match e {
        StoreError::ParentNotFound {
            grid,
            source_hint,
            parent,
        } => error
            .code("parent_not_found")
            .with("grid", grid.as_str())
            .with("source", hint(source_hint))
            .with("parent", parent.as_str()),
        StoreError::ParentLevel {
            grid,
            source_hint,
            parent,
            parent_level,
            level,
        } => error
            .code("parent_level")
            .with("grid", grid.as_str())
            .with("source", hint(source_hint))
            .with("parent", parent.as_str())
            .with("parent_level", *parent_level)
            .with("level", *level),
        StoreError::MissingParent { grid, source_hint } => error
            .code("missing_parent")
            .with("grid", grid.as_str())
            .with("source", hint(source_hint)),
        StoreError::UnexpectedParent { grid, source_hint } => error
            .code("unexpected_parent")
            .with("grid", grid.as_str())
            .with("source", hint(source_hint)),
        StoreError::CellTypeRequired { grid, source_hint } => error
            .code("cell_type_required")
            .with("grid", grid.as_str())
            .with("source", hint(source_hint)),
        StoreError::CellTypeNotAllowed { grid, source_hint } => error
            .code("cell_type_not_allowed")
            .with("grid", grid.as_str())
            .with("source", hint(source_hint)),
        StoreError::UnknownCellType {
            grid,
            source_hint,
            cell_type,
        } => error
            .code("unknown_cell_type")
            .with("grid", grid.as_str())
            .with("source", hint(source_hint))
            .with("cell_type", cell_type.as_str()),
        _ => error,
    }
}

impl ApiError {
    /// The JSON body as the client gets it (in English).
    pub fn body(&self) -> Value {
        let mut body = json!({
            "error": self.error,
            "code": if self.code.is_empty() { self.error } else { self.code },
            "message": self.message,
        });
        if !self.params.is_empty() {
            body["params"] = Value::Object(self.params.clone());
        }
        if let Some(seconds) = self.retry_after_s {
            body["retry_after_s"] = json!(seconds);
        }
        body
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = localizable(self.status, self.body());
        let headers = response.headers_mut();
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        // Every 503 is "try again soon", whatever made it.
        let retry = match (self.status, self.retry_after_s) {
            (_, Some(seconds)) => Some(seconds),
            (StatusCode::SERVICE_UNAVAILABLE, None) => Some(i64::from(RETRY_AFTER_S)),
            _ => None,
        };
        if let Some(value) = retry.and_then(|s| HeaderValue::from_str(&s.to_string()).ok()) {
            headers.insert(header::RETRY_AFTER, value);
        }
        response
    }
}

/// The body an error answer was built from, kept for [`localize`].
#[derive(Debug, Clone)]
struct LocalizableBody(Value);

/// A JSON error answer whose `message` (and its `refusals`' messages)
/// [`localize`] may put into the client's language: the one way an error
/// leaves the server, [`ApiError`]'s and the claim refusals' alike.
pub fn localizable(status: StatusCode, body: Value) -> Response {
    let mut response = (status, Json(body.clone())).into_response();
    response.extensions_mut().insert(LocalizableBody(body));
    response
}

/// The language of the answer: English when the client prefers it, else
/// Chinese (the users' language, and the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// From `Accept-Language`: the first language by preference (`q`) that
    /// is Chinese or English; Chinese without one.
    pub fn of(headers: &HeaderMap) -> Lang {
        let Some(text) = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
        else {
            return Lang::Zh;
        };
        let mut ranges: Vec<(f32, &str)> = text
            .split(',')
            .filter_map(|part| {
                let mut pieces = part.trim().split(';');
                let tag = pieces.next()?.trim();
                let q = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                Some((q, tag))
            })
            .collect();
        // Stable: equal weights keep the client's order.
        ranges.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (_, tag) in ranges {
            let tag = tag.to_ascii_lowercase();
            if tag.starts_with("zh") {
                return Lang::Zh;
            }
            if tag.starts_with("en") {
                return Lang::En;
            }
        }
        Lang::Zh
    }
}

/// Middleware around every route: error answers in the client's language.
pub async fn localize(request: Request, next: Next) -> Response {
    let lang = Lang::of(request.headers());
    let mut response = next.run(request).await;
    let Some(LocalizableBody(mut body)) = response.extensions_mut().remove::<LocalizableBody>()
    else {
        return response;
    };
    if lang == Lang::En {
        return response;
    }
    crate::messages::to_chinese(&mut body);
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lang(value: &str) -> Lang {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_str(value).unwrap(),
        );
        Lang::of(&headers)
    }

    #[test]
    fn the_language_follows_the_clients_preference_chinese_by_default() {
        assert_eq!(Lang::of(&HeaderMap::new()), Lang::Zh);
        assert_eq!(lang("en-US,en;q=0.9"), Lang::En);
        assert_eq!(lang("zh-CN,zh;q=0.9,en;q=0.8"), Lang::Zh);
        assert_eq!(lang("fr, en;q=0.5, zh;q=0.7"), Lang::Zh);
        assert_eq!(lang("de"), Lang::Zh);
        assert_eq!(lang("en;q=0.9, zh-TW;q=0.1"), Lang::En);
    }

    #[test]
    fn a_500_and_a_503_carry_no_internals() {
        let secret = "placements_cell_id_fkey at /var/lib/db";
        for e in [
            ApiError::internal(&secret),
            ApiError::unavailable("tiles", &secret),
            ApiError::busy(&secret),
        ] {
            let body = e.body().to_string();
            assert!(!body.contains("placements"), "{body}");
            assert!(!body.contains("/var/lib"), "{body}");
        }
    }
}
