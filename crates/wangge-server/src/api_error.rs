use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use wangge_store::StoreError;

/// Seconds a client is asked to wait before retrying a 503: the database
/// was busy (a CLI import on `SQLite` holds the write lock for one batch at a
/// time) and the server had already waited its busy timeout.
pub const RETRY_AFTER_S: u32 = 2;

/// An error as the client sees it: `{"error": "not_found", "message": "..."}`.
/// 5xx details are logged, never sent.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub error: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            error: "bad_request",
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::NOT_FOUND,
            error: "not_found",
            message: message.into(),
        }
    }

    /// 503: the database is busy with another writer; nothing was written.
    fn busy(detail: &dyn std::fmt::Display) -> Self {
        tracing::warn!(error = %detail, "database busy: answered 503");
        ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            error: "busy",
            message: format!(
                "the database is busy with another writer (e.g. a command-line import); nothing was done: retry in {RETRY_AFTER_S} s"
            ),
        }
    }

    fn internal(detail: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error");
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            error: "internal",
            message: "internal error; the server log has the details".into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { .. } => ApiError::not_found(e.to_string()),
            StoreError::DuplicateCode { .. } | StoreError::Conflict { .. } => ApiError {
                status: StatusCode::CONFLICT,
                error: "conflict",
                message: e.to_string(),
            },
            // A key or foreign key refused by the database (a writer got in
            // first): a 409 in the domain's words; the database's text names
            // its constraints (placements_cell_id_fkey) and goes to the log.
            StoreError::Database(_) if e.is_conflict() => {
                tracing::info!(error = %e, "a write lost a race");
                ApiError {
                    status: StatusCode::CONFLICT,
                    error: "conflict",
                    message: "the data changed while the request ran: read it again and retry"
                        .into(),
                }
            }
            _ if e.is_hierarchy() => ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                error: "unprocessable",
                message: e.to_string(),
            },
            StoreError::Busy(_) => ApiError::busy(&e),
            _ => ApiError::internal(&e),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Json(json!({ "error": self.error, "message": self.message }));
        let mut response = (self.status, body).into_response();
        // Every 503 is "try again soon", whatever made it.
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_S));
        }
        response
    }
}
