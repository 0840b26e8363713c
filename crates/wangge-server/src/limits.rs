//! Body limits of the routes that read a whole body (the grid import):
//! a body over the limit is a 413 whose JSON message names the limit,
//! like the streamed geocoding uploads' (axum's own refusal is plain text
//! without the figure).

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;

use crate::{ApiError, AppState};

/// `route` reading at most `max_bytes` of body.
pub fn limited(route: MethodRouter<AppState>, max_bytes: usize) -> MethodRouter<AppState> {
    route
        .layer::<_, std::convert::Infallible>(axum::middleware::from_fn(
            move |request: Request, next: Next| refuse_over(request, next, max_bytes),
        ))
        .layer(DefaultBodyLimit::max(max_bytes))
}

async fn refuse_over(request: Request, next: Next, max_bytes: usize) -> Response {
    let too_large = || {
        ApiError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            error: "payload_too_large",
            message: format!(
                "the body is larger than the limit of {} for this route: split the file",
                wangge_io::csv_stream::byte_size(max_bytes)
            ),
            ..Default::default()
        }
        .into_response()
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max_bytes as u64) {
        return too_large();
    }
    let response = next.run(request).await;
    // A body without a length that ran over: axum's plain-text refusal.
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE && !is_json {
        return too_large();
    }
    response
}
