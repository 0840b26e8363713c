//! OGC API – Features under `/ogc`, for QGIS ("Add WFS / OGC API Features
//! layer") and GDAL's `OAPIF:` driver: Part 1 Core with GeoJSON and
//! OpenAPI 3.0, Part 2 CRS for CGCS2000 (geographic and Gauss–Krüger) and
//! Web Mercator.
//!
//! The collections are the grid's four levels, the outlets and the coverage
//! findings (map reads: public unless the server is private), and the
//! customers and resources, which carry customer data and follow the REST
//! API's rule for lists that are not one cell's: company-wide roles only
//! (`Action::ReadUnplaced` in [`crate::auth::policy`]).
//!
//! The resource documents (landing page, conformance, collections) are
//! `ogcapi-types`' types; the items are written from the stored GeoJSON
//! text, as the REST API's lists are, with OGC's paging members.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use ogcapi_types::common::{
    Collection, Collections, Conformance, Crs as OgcCrs, Extent, LandingPage, Link,
};
use serde_json::{json, Value};
use wangge_geocode::crs::Crs;
use wangge_model::{CellTypeCode, GridCode, LevelNo};
use wangge_store::{EntityKind, GridFilter, GridRecord};

use crate::auth::{Action, CurrentUser, Decision};
use crate::params::{self, Params};
use crate::{ApiError, AppState};

const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
const EPSG_PREFIX: &str = "http://www.opengis.net/def/crs/EPSG/0/";
const GEOJSON: &str = "application/geo+json";
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 10_000;

/// The conformance classes implemented.
const CONFORMS_TO: [&str; 5] = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
];

/// A collection of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CollectionId {
    Departments,
    Branches,
    OutletAreas,
    Cells,
    Outlets,
    CoverageFindings,
    Customers,
    Resources,
}

impl CollectionId {
    pub const ALL: [CollectionId; 8] = [
        CollectionId::Departments,
        CollectionId::Branches,
        CollectionId::OutletAreas,
        CollectionId::Cells,
        CollectionId::Outlets,
        CollectionId::CoverageFindings,
        CollectionId::Customers,
        CollectionId::Resources,
    ];

    pub fn id(self) -> &'static str {
        match self {
            CollectionId::Departments => "departments",
            CollectionId::Branches => "branches",
            CollectionId::OutletAreas => "outlet_areas",
            CollectionId::Cells => "cells",
            CollectionId::Outlets => "outlets",
            CollectionId::CoverageFindings => "coverage_findings",
            CollectionId::Customers => "customers",
            CollectionId::Resources => "resources",
        }
    }

    fn title(self) -> &'static str {
        match self {
            CollectionId::Departments => "经营部 Business departments (level 1)",
            CollectionId::Branches => "分局 Branches (level 2)",
            CollectionId::OutletAreas => "网点区域 Outlet areas (level 3)",
            CollectionId::Cells => "网格单元 Network cells (level 4)",
            CollectionId::Outlets => "营业厅 Outlets",
            CollectionId::CoverageFindings => "覆盖问题 Coverage findings: gaps, overlaps, parts outside the parent, invalid grids",
            CollectionId::Customers => "客户 Customers (company-wide roles, logged in)",
            CollectionId::Resources => "资源 Network resources (company-wide roles, logged in)",
        }
    }

    fn level(self) -> Option<LevelNo> {
        match self {
            CollectionId::Departments => Some(LevelNo::DEPARTMENT),
            CollectionId::Branches => Some(LevelNo::BRANCH),
            CollectionId::OutletAreas => Some(LevelNo::OUTLET_AREA),
            CollectionId::Cells => Some(LevelNo::CELL),
            _ => None,
        }
    }

    fn entity_kind(self) -> Option<EntityKind> {
        match self {
            CollectionId::Customers => Some(EntityKind::Customer),
            CollectionId::Resources => Some(EntityKind::Resource),
            _ => None,
        }
    }

    fn parse(id: &str) -> Result<CollectionId, ApiError> {
        CollectionId::ALL
            .into_iter()
            .find(|c| c.id() == id)
            .ok_or_else(|| {
                let ids: Vec<&str> = CollectionId::ALL.iter().map(|c| c.id()).collect();
                ApiError::not_found(format!(
                    "no collection {id:?}; the collections: {}",
                    ids.join(", ")
                ))
            })
    }

    /// The properties one can filter the items by (besides `bbox`).
    fn queryables(self) -> &'static [(&'static str, &'static str, &'static str)] {
        match self {
            CollectionId::Departments => &[("code", "string", "grid code")],
            CollectionId::Branches | CollectionId::OutletAreas => &[
                ("code", "string", "grid code"),
                ("parent", "string", "code of the parent grid"),
            ],
            CollectionId::Cells => &[
                ("code", "string", "cell code"),
                ("parent", "string", "code of the outlet area"),
                ("cell_type", "string", "cell type code 01-20"),
            ],
            CollectionId::Outlets => &[("code", "string", "outlet code")],
            CollectionId::CoverageFindings => &[
                ("kind", "string", "gap, overlap, outside_parent or invalid"),
                ("level", "integer", "grid level 1-4 of the finding"),
            ],
            CollectionId::Customers | CollectionId::Resources => &[],
        }
    }
}

/// The base URL the client used (`Host` and `X-Forwarded-Proto`), so that
/// links work behind a proxy too.
fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("http");
    format!("{scheme}://{host}/ogc")
}

fn link(href: String, rel: &str, media_type: &str, title: &str) -> Link {
    Link::new(href, rel).mediatype(media_type).title(title)
}

fn json_response(value: &impl serde::Serialize, media_type: &'static str) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => ([(header::CONTENT_TYPE, media_type)], body).into_response(),
        Err(e) => ApiError::bad_request(e.to_string()).into_response(),
    }
}

/// `GET /ogc`
pub async fn landing(headers: HeaderMap) -> Response {
    let base = base_url(&headers);
    let page = LandingPage {
        title: Some("wangge 网格".to_owned()),
        description: Some("The grid of the territory (four levels), its outlets and coverage findings, and for company-wide roles its customers and resources, as OGC API – Features.".to_owned()),
        links: vec![
            link(base.clone(), "self", "application/json", "this document"),
            link(format!("{base}/api"), "service-desc", "application/vnd.oai.openapi+json;version=3.0", "the API definition"),
            link(format!("{base}/conformance"), "conformance", "application/json", "conformance classes"),
            link(format!("{base}/collections"), "data", "application/json", "the collections"),
        ],
        ..LandingPage::default()
    };
    json_response(&page, "application/json")
}

/// `GET /ogc/conformance`
pub async fn conformance() -> Response {
    let conformance = Conformance {
        conforms_to: CONFORMS_TO.iter().map(|c| (*c).to_owned()).collect(),
    };
    json_response(&conformance, "application/json")
}

/// The systems items can be asked in (`crs=`): CRS84 first (the default),
/// then CGCS2000, its Gauss–Krüger zones and Web Mercator.
fn supported_crs() -> Vec<String> {
    let mut list = vec![
        CRS84.to_owned(),
        format!("{EPSG_PREFIX}4326"),
        format!("{EPSG_PREFIX}4490"),
        format!("{EPSG_PREFIX}3857"),
    ];
    list.extend((4491..=4554).map(|code| format!("{EPSG_PREFIX}{code}")));
    list
}

/// The system a `crs` / `bbox-crs` URI names.
fn parse_crs(uri: &str, parameter: &str) -> Result<Crs, ApiError> {
    let uri = uri.trim().trim_start_matches('[').trim_end_matches(']');
    if uri == CRS84 || uri.eq_ignore_ascii_case("CRS84") {
        return Ok(Crs::Wgs84);
    }
    let code = uri
        .strip_prefix(EPSG_PREFIX)
        .or_else(|| uri.strip_prefix("EPSG:"))
        .and_then(|c| c.parse::<u16>().ok())
        .filter(|code| supported_crs().iter().any(|s| s.ends_with(&format!("/{code}"))))
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "parameter {parameter}={uri:?}: not a system this API offers; it offers {CRS84}, {EPSG_PREFIX}4326, 4490, 3857 and 4491-4554"
            ))
        })?;
    if code == 4326 {
        // EPSG:4326 is WGS-84 too, with latitude first.
        return Ok(Crs::Epsg(4326));
    }
    Crs::from_epsg(code).map_err(|e| ApiError::bad_request(format!("parameter {parameter}: {e}")))
}

fn crs_uri(crs: Crs) -> String {
    match crs {
        Crs::Wgs84 => CRS84.to_owned(),
        other => format!("{EPSG_PREFIX}{}", other.epsg().unwrap_or(4326)),
    }
}

/// EPSG's axis order is latitude (or northing) first for the geographic
/// systems and for CGCS2000's Gauss–Krüger zones (their axes are X north,
/// Y east); OGC API Part 2 answers in the order the system defines.
fn northing_first(crs: Crs) -> bool {
    matches!(crs, Crs::Epsg(4326 | 4490 | 4491..=4554))
}

/// The converter of WGS-84 `(lon, lat)` into `crs` in its axis order.
fn to_crs(crs: Crs) -> impl Fn(f64, f64) -> (f64, f64) {
    move |lon, lat| {
        let (x, y) = match crs {
            Crs::Wgs84 | Crs::Epsg(4326) => (lon, lat),
            other => wangge_geocode::crs::from_wgs84(other, lon, lat),
        };
        if northing_first(crs) {
            (y, x)
        } else {
            (x, y)
        }
    }
}

/// A GeoJSON geometry's coordinates put through `convert` (a position
/// outside the system's domain stays as it is, as in the exports).
fn convert_geometry(geometry: &mut Value, convert: &impl Fn(f64, f64) -> (f64, f64)) {
    let _ = wangge_io::reproject::convert_geometry(geometry, convert);
}

/// `GET /ogc/collections`: the customers' and resources' collections only
/// for a user who may read them (a client lists no layer it cannot open).
pub async fn collections(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: Option<CurrentUser>,
) -> Result<Response, ApiError> {
    let base = base_url(&headers);
    let extent = territory_extent(&state).await?;
    let policy = state.auth().config.policy;
    let may_read_entities = policy
        .can(
            user.as_ref(),
            Action::ReadUnplaced,
            crate::auth::Target::Global,
        )
        .is_allowed();
    let collections = Collections {
        links: vec![link(
            format!("{base}/collections"),
            "self",
            "application/json",
            "the collections",
        )],
        collections: CollectionId::ALL
            .iter()
            .filter(|c| c.entity_kind().is_none() || may_read_entities)
            .map(|c| collection_doc(*c, &base, extent.clone()))
            .collect(),
        crs: supported_crs()
            .iter()
            .filter_map(|uri| uri.parse::<OgcCrs>().ok())
            .collect(),
        time_stamp: Some(now_rfc3339()),
        number_matched: None,
        number_returned: None,
    };
    Ok(json_response(&collections, "application/json"))
}

/// `GET /ogc/collections/{collectionId}`
pub async fn collection(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = CollectionId::parse(&id)?;
    let extent = territory_extent(&state).await?;
    Ok(json_response(
        &collection_doc(id, &base_url(&headers), extent),
        "application/json",
    ))
}

fn collection_doc(id: CollectionId, base: &str, extent: Option<Extent>) -> Collection {
    let href = format!("{base}/collections/{}", id.id());
    Collection {
        id: id.id().to_owned(),
        title: Some(id.title().to_owned()),
        extent,
        item_type: Some("feature".to_owned()),
        crs: supported_crs()
            .iter()
            .filter_map(|uri| uri.parse::<OgcCrs>().ok())
            .collect(),
        storage_crs: Some(OgcCrs::default()),
        links: vec![
            link(href.clone(), "self", "application/json", "this collection"),
            link(format!("{href}/items"), "items", GEOJSON, "its features"),
            link(
                format!("{href}/queryables"),
                "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                "application/schema+json",
                "what the items can be filtered by",
            ),
        ],
        ..Collection::default()
    }
}

/// The territory's box, from its level-1 grids.
async fn territory_extent(state: &AppState) -> Result<Option<Extent>, ApiError> {
    let grids = state
        .store()
        .grids(&GridFilter {
            level: Some(LevelNo::DEPARTMENT),
            ..GridFilter::default()
        })
        .await?;
    let bbox = wangge_edit::union_bbox(grids.iter().map(|g| g.bbox));
    Ok(bbox.map(|bbox| Extent {
        spatial: Some(ogcapi_types::common::SpatialExtent {
            bbox: vec![bbox.into()],
            crs: OgcCrs::default(),
        }),
        temporal: None,
    }))
}

/// `GET /ogc/collections/{collectionId}/queryables`
pub async fn queryables(headers: HeaderMap, Path(id): Path<String>) -> Result<Response, ApiError> {
    let id = CollectionId::parse(&id)?;
    let properties: serde_json::Map<String, Value> = id
        .queryables()
        .iter()
        .map(|(name, kind, description)| {
            (
                (*name).to_owned(),
                json!({"type": kind, "title": name, "description": description}),
            )
        })
        .collect();
    let body = json!({
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": format!("{}/collections/{}/queryables", base_url(&headers), id.id()),
        "type": "object",
        "title": id.title(),
        "properties": properties,
        "additionalProperties": false,
    });
    Ok(json_response(&body, "application/schema+json"))
}

/// What an items request asks for.
struct ItemsQuery {
    bbox: Option<[f64; 4]>,
    limit: usize,
    offset: usize,
    crs: Crs,
}

fn items_query(q: &Params) -> Result<ItemsQuery, ApiError> {
    let crs = match q.get("crs").filter(|v| !v.trim().is_empty()) {
        Some(uri) => parse_crs(uri, "crs")?,
        None => Crs::Wgs84,
    };
    let bbox_crs = match q.get("bbox-crs").filter(|v| !v.trim().is_empty()) {
        Some(uri) => parse_crs(uri, "bbox-crs")?,
        None => Crs::Wgs84,
    };
    let bbox = match q.get("bbox").map(|b| b.trim()).filter(|b| !b.is_empty()) {
        None => None,
        Some(text) => {
            let numbers: Vec<f64> = text
                .split(',')
                .map(|n| n.trim().parse::<f64>())
                .collect::<Result<_, _>>()
                .map_err(|_| {
                    ApiError::bad_request(format!("parameter bbox={text:?}: expected four numbers"))
                })?;
            let corners: [f64; 4] = numbers[..].try_into().map_err(|_| {
                ApiError::bad_request(format!(
                    "parameter bbox={text:?}: expected four numbers (a box in two dimensions)"
                ))
            })?;
            Some(bbox_in_wgs84(corners, bbox_crs))
        }
    };
    let limit = match params::optional::<i64>(q, "limit")? {
        None => DEFAULT_LIMIT,
        Some(n) if n < 1 => {
            return Err(ApiError::bad_request(format!(
                "parameter limit={n}: must be at least 1"
            )))
        }
        // Part 1: a limit over the maximum is served as the maximum.
        Some(n) => usize::try_from(n).unwrap_or(MAX_LIMIT).min(MAX_LIMIT),
    };
    let offset = match params::optional::<i64>(q, "offset")? {
        None => 0,
        Some(n) if n < 0 => {
            return Err(ApiError::bad_request(format!(
                "parameter offset={n}: must not be negative"
            )))
        }
        Some(n) => usize::try_from(n).unwrap_or(usize::MAX),
    };
    Ok(ItemsQuery {
        bbox,
        limit,
        offset,
        crs,
    })
}

/// A box given in `crs` (in its axis order) as WGS-84 degrees: its four
/// corners converted, and the box around them.
fn bbox_in_wgs84([a, b, c, d]: [f64; 4], crs: Crs) -> [f64; 4] {
    let (a, b, c, d) = if northing_first(crs) {
        (b, a, d, c)
    } else {
        (a, b, c, d)
    };
    if matches!(crs, Crs::Wgs84 | Crs::Epsg(4326)) {
        return [a, b, c, d];
    }
    let corners =
        [(a, b), (c, b), (a, d), (c, d)].map(|(x, y)| wangge_geocode::crs::to_wgs84(crs, x, y));
    let lons = corners.map(|p| p.0);
    let lats = corners.map(|p| p.1);
    [
        lons.iter().copied().fold(f64::INFINITY, f64::min),
        lats.iter().copied().fold(f64::INFINITY, f64::min),
        lons.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        lats.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    ]
}

/// `GET /ogc/collections/{collectionId}/items`
pub async fn items(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    Query(q): Query<Params>,
) -> Result<Response, ApiError> {
    let id = CollectionId::parse(&id)?;
    let query = items_query(&q)?;
    let (features, matched) = page_of(&state, user.as_ref(), id, &q, &query).await?;
    let base = base_url(&headers);
    let href = |offset: usize| {
        let mut pairs: Vec<(String, String)> = q
            .iter()
            .filter(|(k, _)| k.as_str() != "offset")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        pairs.sort();
        pairs.push(("offset".into(), offset.to_string()));
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&pairs)
            .finish();
        format!("{base}/collections/{}/items?{query}", id.id())
    };
    let mut links = vec![
        json!({"href": href(query.offset), "rel": "self", "type": GEOJSON, "title": "this page"}),
    ];
    if query.offset + features.len() < matched {
        links.push(json!({"href": href(query.offset + query.limit), "rel": "next", "type": GEOJSON, "title": "the next page"}));
    }
    if query.offset > 0 {
        links.push(json!({"href": href(query.offset.saturating_sub(query.limit)), "rel": "prev", "type": GEOJSON, "title": "the page before"}));
    }
    let body = json!({
        "type": "FeatureCollection",
        "features": features,
        "numberMatched": matched,
        "numberReturned": features.len(),
        "timeStamp": now_rfc3339(),
        "links": links,
    });
    let mut response = json_response(&body, GEOJSON);
    if let Ok(value) = HeaderValue::from_str(&format!("<{}>", crs_uri(query.crs))) {
        response.headers_mut().insert("content-crs", value);
    }
    Ok(response)
}

/// `GET /ogc/collections/{collectionId}/items/{featureId}`
pub async fn item(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: Option<CurrentUser>,
    Path((id, feature_id)): Path<(String, String)>,
    Query(q): Query<Params>,
) -> Result<Response, ApiError> {
    let collection = CollectionId::parse(&id)?;
    let query = items_query(&q)?;
    let feature = if let Some(level) = collection.level() {
        {
            let code: GridCode = feature_id
                .parse()
                .map_err(|e| ApiError::not_found(format!("no feature {feature_id:?}: {e}")))?;
            let grid = state
                .store()
                .grid(&code)
                .await?
                .filter(|g| g.level == level);
            let catalog = state.store().cell_types().await?;
            grid.map(|g| grid_feature(&g, &catalog, query.crs))
        }
    } else {
        {
            // Customers, resources and outlets are asked for by their code;
            // the findings (ids `gap-3`) are found in their list.
            let mut by_code = Params::new();
            by_code.insert("code".into(), feature_id.clone());
            let everything = ItemsQuery {
                bbox: None,
                limit: usize::MAX,
                offset: 0,
                crs: query.crs,
            };
            let (features, _) =
                page_of(&state, user.as_ref(), collection, &by_code, &everything).await?;
            features
                .into_iter()
                .find(|f| f["id"].as_str() == Some(feature_id.as_str()))
        }
    };
    let mut feature = feature.ok_or_else(|| {
        ApiError::not_found(format!(
            "collection {} has no feature {feature_id:?}",
            collection.id()
        ))
    })?;
    let href = format!(
        "{}/collections/{}/items/{}",
        base_url(&headers),
        collection.id(),
        form_urlencoded::byte_serialize(feature_id.as_bytes()).collect::<String>()
    );
    feature["links"] = json!([
        {"href": href, "rel": "self", "type": GEOJSON},
        {"href": format!("{}/collections/{}", base_url(&headers), collection.id()), "rel": "collection", "type": "application/json"},
    ]);
    let mut response = json_response(&feature, GEOJSON);
    if let Ok(value) = HeaderValue::from_str(&format!("<{}>", crs_uri(query.crs))) {
        response.headers_mut().insert("content-crs", value);
    }
    Ok(response)
}

/// The features of one page and how many match in all.
async fn page_of(
    state: &AppState,
    user: Option<&CurrentUser>,
    id: CollectionId,
    q: &Params,
    query: &ItemsQuery,
) -> Result<(Vec<Value>, usize), ApiError> {
    if let Some(level) = id.level() {
        let filter = GridFilter {
            level: Some(level),
            parent: params::optional::<GridCode>(q, "parent")?,
            bbox: query.bbox,
            cell_type: params::optional::<CellTypeCode>(q, "cell_type")?,
            ..GridFilter::default()
        };
        if let Some(code) = params::optional::<GridCode>(q, "code")? {
            let grid = state.store().grid(&code).await?.filter(|g| {
                g.level == level
                    && filter
                        .parent
                        .as_ref()
                        .is_none_or(|p| g.parent.as_ref() == Some(p))
            });
            let catalog = state.store().cell_types().await?;
            let features: Vec<Value> = grid
                .iter()
                .map(|g| grid_feature(g, &catalog, query.crs))
                .collect();
            let matched = features.len();
            return Ok((
                features
                    .into_iter()
                    .skip(query.offset)
                    .take(query.limit)
                    .collect(),
                matched,
            ));
        }
        let matched = usize::try_from(state.store().count_grids(&filter).await?).unwrap_or(0);
        let page = GridFilter {
            limit: Some(i64::try_from(query.limit).unwrap_or(i64::MAX)),
            offset: Some(i64::try_from(query.offset).unwrap_or(i64::MAX)),
            ..filter
        };
        let (grids, catalog) =
            tokio::try_join!(state.store().grids(&page), state.store().cell_types())?;
        let features = grids
            .iter()
            .map(|g| grid_feature(g, &catalog, query.crs))
            .collect();
        return Ok((features, matched));
    }
    if let Some(kind) = id.entity_kind() {
        let policy = state.auth().config.policy;
        match policy.can(user, Action::ReadUnplaced, crate::auth::Target::Global) {
            Decision::Allow => {}
            _ if user.is_none() => {
                return Err(ApiError {
                    status: StatusCode::UNAUTHORIZED,
                    error: "unauthorized",
                    message: format!("{} carry customer data: log in first (Authorization: Bearer)", id.id()),
                    ..Default::default()
                })
            }
            _ => {
                return Err(ApiError {
                    status: StatusCode::FORBIDDEN,
                    error: "forbidden",
                    message: format!(
                        "the whole list of {} is for company-wide roles (operations, clerks, viewers, administrators); a grid manager or supervisor reads a cell's through /api/v1/cells/{{code}}/{}",
                        id.id(),
                        id.id()
                    ),
                    ..Default::default()
                })
            }
        }
        let page = state
            .store()
            .entities_page(
                kind,
                query.bbox,
                q.get("code").map(|c| c.trim()).filter(|c| !c.is_empty()),
                i64::try_from(query.offset).unwrap_or(i64::MAX),
                i64::try_from(query.limit).unwrap_or(i64::MAX),
            )
            .await?;
        let convert = to_crs(query.crs);
        let features = page
            .items
            .iter()
            .map(|e| {
                let mut properties = serde_json::from_str::<serde_json::Map<String, Value>>(&e.extra_json).unwrap_or_default();
                properties.insert("code".into(), json!(e.code));
                properties.insert("name".into(), json!(e.name));
                properties.insert("kind".into(), json!(e.kind));
                properties.insert("address".into(), json!(e.address));
                properties.insert("status".into(), json!(e.status));
                let mut geometry = match (e.lon, e.lat) {
                    (Some(lon), Some(lat)) if lon.is_finite() && lat.is_finite() => {
                        json!({"type": "Point", "coordinates": [lon, lat]})
                    }
                    _ => Value::Null,
                };
                convert_geometry(&mut geometry, &convert);
                json!({"type": "Feature", "id": e.code, "properties": properties, "geometry": geometry})
            })
            .collect();
        return Ok((features, usize::try_from(page.total).unwrap_or(0)));
    }
    // Outlets and findings: small lists, filtered and cut here.
    // Outlets are built here; findings are shared (kept between pages):
    // filtered by reference, and only the page is copied.
    let findings;
    let outlets: Vec<Value>;
    let mut features: Vec<&Value> = if id == CollectionId::Outlets {
        outlets = state
            .store()
            .outlets()
            .await?
            .iter()
            .map(|o| {
                json!({
                    "type": "Feature",
                    "id": o.code,
                    "properties": {"code": o.code, "name": o.name, "address": o.address, "supports": o.supports.iter().map(GridCode::as_str).collect::<Vec<_>>().join(";")},
                    "geometry": {"type": "Point", "coordinates": [o.lon, o.lat]},
                })
            })
            .filter(|f| q.get("code").is_none_or(|c| f["id"].as_str() == Some(c.as_str())))
            .collect();
        outlets.iter().collect()
    } else {
        findings = crate::coverage::findings_features(state).await?;
        let kind = q
            .get("kind")
            .map(|k| k.trim().to_owned())
            .filter(|k| !k.is_empty());
        let level = params::optional::<u8>(q, "level")?;
        findings
            .iter()
            .filter(|f| {
                kind.as_deref()
                    .is_none_or(|k| f["properties"]["kind"].as_str() == Some(k))
            })
            .filter(|f| {
                level.is_none_or(|l| f["properties"]["level"].as_u64() == Some(u64::from(l)))
            })
            .collect()
    };
    if let Some(bbox) = query.bbox {
        features.retain(|f| geometry_meets(&f["geometry"], bbox));
    }
    let matched = features.len();
    let convert = to_crs(query.crs);
    let page = features
        .into_iter()
        .skip(query.offset)
        .take(query.limit)
        .cloned()
        .map(|mut f| {
            convert_geometry(&mut f["geometry"], &convert);
            f
        })
        .collect();
    Ok((page, matched))
}

/// Whether a geometry's box meets `bbox` (WGS-84).
fn geometry_meets(geometry: &Value, bbox: [f64; 4]) -> bool {
    wangge_io::layer::geometry_bbox(geometry)
        .is_some_and(|found| wangge_model::bbox::intersects(found, bbox))
}

fn grid_feature(grid: &GridRecord, catalog: &wangge_model::CellTypeCatalog, crs: Crs) -> Value {
    let mut geometry: Value =
        serde_json::from_str(wangge_io::grid_export::geometry_text(grid)).unwrap_or(Value::Null);
    if crs != Crs::Wgs84 {
        convert_geometry(&mut geometry, &to_crs(crs));
    }
    json!({
        "type": "Feature",
        "id": grid.code,
        "properties": Value::Object(wangge_io::grid_properties(grid, catalog)),
        "geometry": geometry,
    })
}

fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// `GET /ogc/api`: the OpenAPI 3.0 definition of this API.
pub async fn api(headers: HeaderMap) -> Response {
    let doc = openapi_document(&base_url(&headers));
    json_response(&doc, "application/vnd.oai.openapi+json;version=3.0")
}

/// The OpenAPI 3.0 document of `/ogc`: the paths of Part 1 and the
/// schemas of its answers (`required` as the standard's schemas have them).
pub fn openapi_document(base: &str) -> Value {
    let collection_id = json!({"name": "collectionId", "in": "path", "required": true, "schema": {"type": "string", "enum": CollectionId::ALL.iter().map(|c| c.id()).collect::<Vec<_>>()}});
    let feature_id =
        json!({"name": "featureId", "in": "path", "required": true, "schema": {"type": "string"}});
    let query = |name: &str, description: &str, schema: Value| json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema});
    let answer = |schema: &str, media: &str| json!({"200": {"description": "OK", "content": {media: {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}}, "400": {"description": "a parameter is wrong"}, "404": {"description": "no such collection or feature"}});
    json!({
        "openapi": "3.0.3",
        "info": {"title": "wangge OGC API – Features", "version": env!("CARGO_PKG_VERSION"), "description": "The grid, its outlets and coverage findings (and for company-wide roles its customers and resources) as OGC API – Features Part 1 and Part 2 (CRS)."},
        "servers": [{"url": base}],
        "paths": {
            "/": {"get": {"summary": "Landing page", "operationId": "getLandingPage", "responses": answer("LandingPage", "application/json")}},
            "/conformance": {"get": {"summary": "Conformance classes", "operationId": "getConformance", "responses": answer("Conformance", "application/json")}},
            "/collections": {"get": {"summary": "The collections", "operationId": "getCollections", "responses": answer("Collections", "application/json")}},
            "/collections/{collectionId}": {"get": {"summary": "One collection", "operationId": "describeCollection", "parameters": [collection_id], "responses": answer("Collection", "application/json")}},
            "/collections/{collectionId}/queryables": {"get": {"summary": "What the items can be filtered by (JSON Schema)", "operationId": "getQueryables", "parameters": [collection_id], "responses": {"200": {"description": "OK", "content": {"application/schema+json": {"schema": {"type": "object"}}}}}}},
            "/collections/{collectionId}/items": {"get": {
                "summary": "Features of a collection, a page at a time",
                "operationId": "getFeatures",
                "parameters": [
                    collection_id,
                    query("limit", "features per page (default 100, at most 10000)", json!({"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT})),
                    query("offset", "features of the order skipped", json!({"type": "integer", "minimum": 0, "default": 0})),
                    query("bbox", "minx,miny,maxx,maxy in bbox-crs (default CRS84)", json!({"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4})),
                    query("bbox-crs", "the system of bbox", json!({"type": "string", "format": "uri"})),
                    query("crs", "the system of the answer", json!({"type": "string", "format": "uri"})),
                    query("parent", "grids and cells: the parent's code", json!({"type": "string"})),
                    query("cell_type", "cells: the type code 01-20", json!({"type": "string"})),
                    query("code", "one feature by its code", json!({"type": "string"})),
                    query("kind", "coverage findings: gap, overlap, outside_parent, invalid", json!({"type": "string"})),
                    query("level", "coverage findings: the level", json!({"type": "integer"})),
                ],
                "responses": answer("FeatureCollection", GEOJSON),
            }},
            "/collections/{collectionId}/items/{featureId}": {"get": {"summary": "One feature", "operationId": "getFeature", "parameters": [collection_id, feature_id, query("crs", "the system of the answer", json!({"type": "string", "format": "uri"}))], "responses": answer("Feature", GEOJSON)}},
        },
        "components": {"schemas": {
            "Link": {"type": "object", "required": ["href"], "properties": {"href": {"type": "string"}, "rel": {"type": "string"}, "type": {"type": "string"}, "title": {"type": "string"}}},
            "LandingPage": {"type": "object", "required": ["links"], "properties": {"title": {"type": "string"}, "description": {"type": "string"}, "links": {"type": "array", "items": {"$ref": "#/components/schemas/Link"}}}},
            "Conformance": {"type": "object", "required": ["conformsTo"], "properties": {"conformsTo": {"type": "array", "items": {"type": "string"}}}},
            "Collection": {"type": "object", "required": ["id", "links"], "properties": {"id": {"type": "string"}, "title": {"type": "string"}, "links": {"type": "array", "items": {"$ref": "#/components/schemas/Link"}}, "extent": {"type": "object"}, "itemType": {"type": "string"}, "crs": {"type": "array", "items": {"type": "string"}}, "storageCrs": {"type": "string"}}},
            "Collections": {"type": "object", "required": ["links", "collections"], "properties": {"links": {"type": "array", "items": {"$ref": "#/components/schemas/Link"}}, "collections": {"type": "array", "items": {"$ref": "#/components/schemas/Collection"}}, "crs": {"type": "array", "items": {"type": "string"}}}},
            "Feature": {"type": "object", "required": ["type", "geometry", "properties"], "properties": {"type": {"type": "string", "enum": ["Feature"]}, "id": {"type": "string"}, "geometry": {"type": "object", "nullable": true}, "properties": {"type": "object", "nullable": true}, "links": {"type": "array", "items": {"$ref": "#/components/schemas/Link"}}}},
            "FeatureCollection": {"type": "object", "required": ["type", "features"], "properties": {"type": {"type": "string", "enum": ["FeatureCollection"]}, "features": {"type": "array", "items": {"$ref": "#/components/schemas/Feature"}}, "links": {"type": "array", "items": {"$ref": "#/components/schemas/Link"}}, "timeStamp": {"type": "string", "format": "date-time"}, "numberMatched": {"type": "integer", "minimum": 0}, "numberReturned": {"type": "integer", "minimum": 0}}},
        }},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gauss_kruger_zones_answer_northing_first() {
        let to = to_crs(Crs::Epsg(4546));
        let (north, east) = to(110.8, 32.6);
        assert!(
            north > 3_000_000.0 && (300_000.0..700_000.0).contains(&east),
            "{north} {east}"
        );
        let (lat, lon) = to_crs(Crs::Epsg(4326))(110.8, 32.6);
        assert_eq!((lat, lon), (32.6, 110.8));
        assert_eq!(to_crs(Crs::Wgs84)(110.8, 32.6), (110.8, 32.6));
        let back = bbox_in_wgs84(
            [north - 1.0, east - 1.0, north + 1.0, east + 1.0],
            Crs::Epsg(4546),
        );
        assert!(
            (back[0] - 110.8).abs() < 1e-4 && (back[1] - 32.6).abs() < 1e-4,
            "{back:?}"
        );
    }

    #[test]
    fn a_system_not_offered_is_refused_by_name() {
        assert_eq!(parse_crs(CRS84, "crs").unwrap(), Crs::Wgs84);
        assert_eq!(
            parse_crs("http://www.opengis.net/def/crs/EPSG/0/4490", "crs").unwrap(),
            Crs::Epsg(4490)
        );
        let error =
            parse_crs("http://www.opengis.net/def/crs/EPSG/0/2000", "bbox-crs").unwrap_err();
        assert!(
            error.message.contains("bbox-crs") && error.message.contains("4491-4554"),
            "{}",
            error.message
        );
    }
}
