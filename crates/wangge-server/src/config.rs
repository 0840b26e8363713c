//! What the map page learns of the server's settings: `GET /api/v1/config`
//! (open, like the page itself): the optional raster base map (`wangge serve
//! --basemap-url`; without one the grid itself is the base), and the header
//! names an address column goes by, so that the page proposes the column
//! the server would take, and asks when there is none.

use axum::extract::State;
use axum::Json;
use serde::Serialize;

use crate::AppState;

/// The settings the page reads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ClientConfig {
    /// A raster base map drawn under the grid, if configured.
    pub basemap: Option<Basemap>,
}

/// A raster tile service: `url` is a template with `{z}`, `{x}` and `{y}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Basemap {
    pub url: String,
    /// Shown in the map's attribution (plain text).
    pub attribution: Option<String>,
}

impl Basemap {
    /// A base map from a checked URL template (see [`check_tile_url`]); a
    /// blank attribution counts as none.
    pub fn new(url: &str, attribution: Option<&str>) -> Result<Basemap, String> {
        Ok(Basemap {
            url: check_tile_url(url)?,
            attribution: attribution
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_owned),
        })
    }
}

/// Checks a raster tile URL template: `http://` or `https://`, a host, and
/// the placeholders `{z}`, `{x}` and `{y}`. Returns it trimmed.
///
/// ```
/// use wangge_server::config::check_tile_url;
/// assert!(check_tile_url("http://tiles.intranet/{z}/{x}/{y}.png").is_ok());
/// assert!(check_tile_url("http://tiles.intranet/{z}/{x}.png").unwrap_err().contains("{y}"));
/// ```
pub fn check_tile_url(url: &str) -> Result<String, String> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    let Some(rest) = lower
        .strip_prefix("http://")
        .or_else(|| lower.strip_prefix("https://"))
    else {
        return Err(format!(
            "{url:?} is no http:// or https:// URL (expected e.g. http://tiles.intranet/{{z}}/{{x}}/{{y}}.png)"
        ));
    };
    if rest.is_empty() || rest.starts_with('/') {
        return Err(format!("{url:?} names no host"));
    }
    if url.chars().any(char::is_whitespace) {
        return Err(format!("{url:?} holds white space"));
    }
    let missing: Vec<&str> = ["{z}", "{x}", "{y}"]
        .into_iter()
        .filter(|p| !url.contains(p))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "{url:?} lacks {}: a tile URL template has {{z}}, {{x}} and {{y}} (e.g. http://tiles.intranet/{{z}}/{{x}}/{{y}}.png)",
            missing.join(", ")
        ));
    }
    Ok(url.to_owned())
}

/// `GET /api/v1/config`: `{"basemap": {"url", "attribution"} | null}`.
pub async fn config(State(state): State<AppState>) -> Json<serde_json::Value> {
    let mut body = serde_json::to_value(state.client_config()).unwrap_or_default();
    body["address_columns"] = serde_json::json!(wangge_assign::ADDRESS_COLUMN_NAMES);
    body["address_column_words"] = serde_json::json!(wangge_assign::ADDRESS_COLUMN_WORDS);
    Json(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_urls_are_checked() {
        for good in [
            "http://tiles.intranet/{z}/{x}/{y}.png",
            "  https://a.example:8443/t?x={x}&y={y}&z={z}  ",
            "HTTP://Tiles/{z}/{x}/{y}",
        ] {
            assert!(check_tile_url(good).is_ok(), "{good}");
        }
        assert_eq!(
            check_tile_url(" http://t/{z}/{x}/{y} ").unwrap(),
            "http://t/{z}/{x}/{y}"
        );
        for (bad, says) in [
            ("ftp://t/{z}/{x}/{y}", "http://"),
            ("tiles.intranet/{z}/{x}/{y}.png", "http://"),
            ("http:///{z}/{x}/{y}", "no host"),
            ("http://", "no host"),
            ("http://t/{z}/{x}.png", "lacks {y}"),
            ("http://t/tiles.png", "lacks {z}, {x}, {y}"),
            ("http://t/{z}/{x}/{y} .png", "white space"),
        ] {
            let e = check_tile_url(bad).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn a_blank_attribution_is_none() {
        let b = Basemap::new("http://t/{z}/{x}/{y}", Some("  ")).unwrap();
        assert_eq!(b.attribution, None);
        let b = Basemap::new("http://t/{z}/{x}/{y}", Some(" © 测绘院 ")).unwrap();
        assert_eq!(b.attribution.as_deref(), Some("© 测绘院"));
    }
}
