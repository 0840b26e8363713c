//! The security headers of every answer: a Content-Security-Policy that
//! lets the map page load what it loads and nothing else, no MIME sniffing,
//! and no framing (click-jacking). Layers of tower-http, set in
//! [`crate::router`]; a handler that sets its own value keeps it.

use axum::http::{header, HeaderValue};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::config::ClientConfig;

/// The page's policy. Scripts, styles and fonts come from the server only
/// (no inline script, no eval); MapLibre runs its workers from `blob:`
/// URLs and draws images from `data:`/`blob:`; the API and the tiles are
/// same-origin; a configured raster base map adds its origin to the
/// images and fetches.
pub fn content_security_policy(client: &ClientConfig) -> String {
    let basemap = client
        .basemap
        .as_ref()
        .and_then(|b| origin(&b.url))
        .map(|o| format!(" {o}"))
        .unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; font-src 'self'; \
         img-src 'self' data: blob:{basemap}; connect-src 'self'{basemap}; \
         worker-src 'self' blob:; child-src 'self' blob:; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// `scheme://host[:port]` of a URL template (`{z}` placeholders are in the
/// path, never in the host: `config::check_tile_url` made sure of a host).
fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    // A placeholder in the host (`{s}.tiles…`) cannot be one origin: allow
    // the scheme's hosts rather than break the base map.
    if host.contains('{') {
        return Some(format!("{scheme}:"));
    }
    Some(format!("{scheme}://{host}"))
}

/// The layers, outermost first.
pub fn layers(client: &ClientConfig) -> [SetResponseHeaderLayer<HeaderValue>; 3] {
    let csp = HeaderValue::from_str(&content_security_policy(client))
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"));
    [
        SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, csp),
        SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Basemap;

    #[test]
    fn the_base_map_origin_is_allowed() {
        let none = content_security_policy(&ClientConfig::default());
        assert!(none.contains("connect-src 'self';"), "{none}");
        let client = ClientConfig {
            basemap: Some(
                Basemap::new("https://tiles.intranet:8443/{z}/{x}/{y}.png", None).unwrap(),
            ),
        };
        let csp = content_security_policy(&client);
        assert!(
            csp.contains("connect-src 'self' https://tiles.intranet:8443;"),
            "{csp}"
        );
        assert!(
            csp.contains("img-src 'self' data: blob: https://tiles.intranet:8443;"),
            "{csp}"
        );
        assert_eq!(
            origin("http://{s}.tile.example/{z}/{x}/{y}.png").as_deref(),
            Some("http:")
        );
    }
}
