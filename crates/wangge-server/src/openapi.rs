//! The route table: every route of the router with its access rule and its
//! documentation. [`crate::auth::authorize`] reads the access rule of each
//! request here (a route missing from the table is refused), and
//! `GET /api/openapi.json` is generated from it, so the spec and the
//! enforced rules cannot drift apart. A test checks that every route of
//! `router()` is in the table.

use axum::http::Method;
use axum::Json;
use serde_json::{json, Map, Value};

use crate::auth::Action;

/// Who may call a route (see [`crate::auth::policy`] for the roles).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, always (login, health, this spec).
    Open,
    /// The map's reads: anyone unless the server is private.
    Map,
    /// Any logged-in user.
    Signed,
    /// A logged-in user the policy allows this action. Actions on one cell
    /// are decided by the handler with the cell's chain of grids.
    Act(Action),
}

/// One route.
#[derive(Debug, Clone, Copy)]
pub struct RouteDoc {
    /// Lowercase HTTP method.
    pub method: &'static str,
    /// Full path with `{param}`s, as the router registers it.
    pub path: &'static str,
    pub access: Access,
    pub tag: &'static str,
    pub summary: &'static str,
    /// Query parameters: name and description.
    pub query: &'static [(&'static str, &'static str)],
    /// Schema name of the JSON body, if any.
    pub body: Option<&'static str>,
    /// Schema name of the 200 answer (`GeoJSON`: a FeatureCollection).
    pub response: &'static str,
}

const fn route(
    method: &'static str,
    path: &'static str,
    access: Access,
    tag: &'static str,
    summary: &'static str,
) -> RouteDoc {
    RouteDoc {
        method,
        path,
        access,
        tag,
        summary,
        query: &[],
        body: None,
        response: "Object",
    }
}

const fn with_query(mut r: RouteDoc, query: &'static [(&'static str, &'static str)]) -> RouteDoc {
    r.query = query;
    r
}

const fn with_body(mut r: RouteDoc, body: &'static str) -> RouteDoc {
    r.body = Some(body);
    r
}

const fn answers(mut r: RouteDoc, response: &'static str) -> RouteDoc {
    r.response = response;
    r
}

const GRID_FILTERS: &[(&str, &str)] = &[
    ("level", "grid level 1-4"),
    ("parent", "code of the parent grid"),
    ("bbox", "minLon,minLat,maxLon,maxLat (WGS-84 degrees)"),
    ("type", "cell type code 01-20"),
    ("category", "cell category (industry, cluster, ...)"),
    ("limit", "at most this many features"),
];
const PAGE: &[(&str, &str)] = &[("offset", "rows to skip"), ("limit", "rows, at most 1000")];

const STEP: &str = "Claim step: body {\"reason\"?}. 200 with the cell's claim state; a refusal is 403/404/409/422 with {error, message, reason, cell, ...}.";

/// Every route of `router()`.
pub const ROUTES: &[RouteDoc] = &[
    // OGC API – Features (`crate::ogc`): map reads; the customers' and
    // resources' collections check the user in the handler (company-wide
    // roles, as for the REST API's lists that are not one cell's).
    answers(
        route("get", "/ogc", Access::Map, "ogc", "OGC API – Features landing page (for QGIS and GDAL's OAPIF driver)."),
        "Object",
    ),
    answers(
        route("get", "/ogc/api", Access::Map, "ogc", "The OpenAPI 3.0 definition of /ogc."),
        "Object",
    ),
    answers(
        route("get", "/ogc/conformance", Access::Map, "ogc", "Conformance classes: Part 1 core, GeoJSON, OpenAPI 3.0; Part 2 CRS."),
        "Object",
    ),
    answers(
        route("get", "/ogc/collections", Access::Map, "ogc", "The collections: departments, branches, outlet_areas, cells, outlets, coverage_findings, customers, resources."),
        "Object",
    ),
    answers(
        route("get", "/ogc/collections/{collection_id}", Access::Map, "ogc", "One collection with its extent and systems."),
        "Object",
    ),
    answers(
        route("get", "/ogc/collections/{collection_id}/queryables", Access::Map, "ogc", "What the collection's items can be filtered by (JSON Schema)."),
        "Object",
    ),
    answers(
        with_query(
            route("get", "/ogc/collections/{collection_id}/items", Access::Map, "ogc", "A page of features with numberMatched and next/prev links; customers and resources need a company-wide role."),
            &[
                ("limit", "features per page (default 100, at most 10000)"),
                ("offset", "features skipped"),
                ("bbox", "minx,miny,maxx,maxy in bbox-crs"),
                ("bbox-crs", "system of bbox (default CRS84)"),
                ("crs", "system of the answer: CRS84, EPSG 4326, 4490, 3857, 4491-4554"),
                ("parent", "code of the parent grid"),
                ("cell_type", "cell type code"),
                ("code", "one feature"),
                ("kind", "coverage finding kind"),
                ("level", "coverage finding level"),
            ],
        ),
        "GeoJSON",
    ),
    answers(
        with_query(
            route("get", "/ogc/collections/{collection_id}/items/{feature_id}", Access::Map, "ogc", "One feature."),
            &[("crs", "system of the answer")],
        ),
        "GeoJSON",
    ),
    answers(
        route("get", "/", Access::Open, "map", "The web map (HTML)."),
        "Html",
    ),
    answers(
        route(
            "get",
            "/healthz",
            Access::Open,
            "service",
            "Health: the database answers.",
        ),
        "Health",
    ),
    answers(
        route(
            "get",
            "/api/openapi.json",
            Access::Open,
            "service",
            "This OpenAPI document.",
        ),
        "Object",
    ),
    answers(
        route(
            "get",
            "/tiles/customers/{z}/{x}/{y}",
            Access::Signed,
            "tiles",
            "Customer points as a vector tile ({y} ends in .mvt): clusters with `count` below zoom 14, points with `id` from 14.",
        ),
        "Mvt",
    ),
    answers(
        route(
            "get",
            "/tiles/coverage/{z}/{x}/{y}",
            // The same rule as GET /api/v1/coverage (a test keeps them equal).
            Access::Map,
            "tiles",
            "Coverage findings as a vector tile ({y} ends in .mvt), layer `coverage`: gaps, overlaps, outside_parent (polygons; blind spots and overlaps under 3 px as points, smaller slivers and parts outside parents left out) and invalid grids (points), with kind, level, item (position in its list of the whole report of GET /api/v1/coverage), parent, area_m2, width_m, sliver, neighbours / grids (codes, ';'-separated). Cut from the analysis cached per grid revision; ETag.",
        ),
        "Mvt",
    ),
    answers(
        route(
            "get",
            "/tiles/{layer}/{z}/{x}/{y}",
            Access::Map,
            "tiles",
            "A vector tile ({y} ends in .mvt) of layer `grids` (levels 1-3, property `level`) or `cells` (with `type`, `category`); cached per grid snapshot, with an ETag.",
        ),
        "Mvt",
    ),
    answers(
        with_query(
            route(
                "get",
                "/api/v1/grids",
                Access::Map,
                "grids",
                "Grids as GeoJSON (levels 1-4).",
            ),
            GRID_FILTERS,
        ),
        "GeoJSON",
    ),
    answers(
        route(
            "get",
            "/api/v1/grids/{code}",
            Access::Map,
            "grids",
            "One grid: properties, geometry, parent chain, descendant counts.",
        ),
        "GridDetail",
    ),
    answers(
        with_query(
            route(
                "get",
                "/api/v1/cells",
                Access::Map,
                "grids",
                "Network cells (level 4) as GeoJSON.",
            ),
            GRID_FILTERS,
        ),
        "GeoJSON",
    ),
    answers(
        route(
            "get",
            "/api/v1/cells/{code}",
            Access::Map,
            "grids",
            "One cell: properties, geometry, parent chain.",
        ),
        "GridDetail",
    ),
    answers(
        with_body(
            route(
                "patch",
                "/api/v1/grids/{code}",
                Access::Act(Action::EditGrid),
                "grid editing",
                "Rename a grid or set a cell's type (a code, a Chinese or an English name); tiles and the coverage report follow at once.",
            ),
            "GridEdit",
        ),
        "Object",
    ),
    answers(
        with_query(
            with_body(
                route(
                    "post",
                    "/api/v1/grids/import",
                    Access::Act(Action::EditGrid),
                    "grid editing",
                    "Import a GeoJSON FeatureCollection of grids of one level: all features or none; invalid geometry stored flagged and listed; every entity is placed again.",
                ),
                "FeatureCollection",
            ),
            &[
                ("level", "level of the features (1-4), required"),
                ("code_field", "property with the code (default code; else the feature id)"),
                ("name_field", "property with the name (default name)"),
                ("type_field", "property with the cell type (default type)"),
                ("parent_field", "property with the parent code (default parent)"),
                ("dry_run", "true: the same transaction, rolled back"),
                ("revision", "the grid revision of the preview; refused (409) if the grid changed since"),
                ("territory", "territory code, when the database has none yet"),
                ("territory_name", "territory name, when the database has none yet"),
            ],
        ),
        "Object",
    ),
    answers(
        with_body(
            route(
                "post",
                "/api/v1/cells/{code}/split",
                Access::Act(Action::EditGrid),
                "grid editing",
                "Cut a cell in two along a line drawn right across it: the larger side keeps the code, claims and history; the other becomes a new unclaimed cell of the same grid and type.",
            ),
            "SplitRequest",
        ),
        "Object",
    ),
    answers(
        with_body(
            route(
                "post",
                "/api/v1/cells/merge",
                Access::Act(Action::EditGrid),
                "grid editing",
                "Merge neighbouring cells of one grid into one (the first, or `into`, keeps its code); refused when different managers hold them.",
            ),
            "MergeRequest",
        ),
        "Object",
    ),
    answers(
        with_body(
            route(
                "post",
                "/api/v1/coverage/fixes",
                Access::Act(Action::FixCoverage),
                "coverage",
                "Apply the coverage report's fix proposals (gaps to a neighbour, overlaps split) of a level and optionally one parent grid; dry_run previews each changed grid before and after and the report's difference.",
            ),
            "FixRequest",
        ),
        "Object",
    ),
    route(
        "get",
        "/api/v1/cell-types",
        Access::Map,
        "grids",
        "The cell type table in force.",
    ),
    route(
        "get",
        "/api/v1/stats",
        Access::Map,
        "grids",
        "Counts by level, type and category.",
    ),
    answers(
        route(
            "get",
            "/api/v1/outlets",
            Access::Map,
            "grids",
            "Outlets as GeoJSON points.",
        ),
        "GeoJSON",
    ),
    with_query(
        route(
            "get",
            "/api/v1/locate",
            Access::Map,
            "placement",
            "The cell (and level-3/2/1 grids) of a point.",
        ),
        &[
            ("lon", "longitude"),
            ("lat", "latitude"),
            ("crs", "wgs84 (default), gcj02 or bd09"),
            (
                "snap_distance_m",
                "suggest a cell this close when the point is in none",
            ),
        ],
    ),
    with_body(
        route(
            "post",
            "/api/v1/geocode",
            Access::Signed,
            "geocode",
            "One Chinese address: body {address, city?, crs?}; lon/lat, precision, confidence, status (matched, partial, ambiguous, failed), reason, the five division codes, candidates, outside_territory (the divisions lie where the standard address base has none: not placed, confidence at most 0.3), cell_code (only for a building or road: a town's or county's centre names no cell) and the parsed parts.",
        ),
        "Object",
    ),
    with_query(
        route(
            "get",
            "/api/v1/reverse",
            Access::Signed,
            "geocode",
            "The nearest standard address to a point, with its division chain and distance_m, and the point's cell.",
        ),
        &[
            ("lon", "longitude"),
            ("lat", "latitude"),
            ("crs", "wgs84 (default), gcj02 or bd09"),
        ],
    ),
    with_query(
        route(
            "post",
            "/api/v1/geocode/jobs",
            Access::Act(Action::BulkGeocode),
            "geocode",
            "Bulk geocoding (clerk, ops, admin): the body is a CSV (UTF-8, BOM or GBK) with an address column; 202 with the job id. The job is stored and run by any instance; its creator, operations and admins follow it. Bad uploads (empty, binary, no address column) are 400 naming the columns found.",
        ),
        &[
            ("column", "the address column (default address, 地址, 装机地址, 安装地址, 详细地址)"),
            ("city", "4-digit city code that breaks ties (4203 for 十堰)"),
        ],
    ),
    route(
        "get",
        "/api/v1/geocode/jobs/{id}",
        Access::Act(Action::BulkGeocode),
        "geocode",
        "A job (its creator, ops, admin; 404 for anyone else's): state (queued, running, done, failed, cancelled, interrupted), percent_done, rows, counts per status, failure_rows, error (why it failed or was interrupted), created_at_ms, finished_at_ms, expires_at_ms (deleted then); result_url and failures_url when done.",
    ),
    route(
        "post",
        "/api/v1/geocode/jobs/{id}/cancel",
        Access::Act(Action::BulkGeocode),
        "geocode",
        "Cancel a queued or running job through any instance (409 otherwise); a cancelled job leaves no result.",
    ),
    answers(
        route(
            "get",
            "/api/v1/geocode/jobs/{id}/result",
            Access::Act(Action::BulkGeocode),
            "geocode",
            "The result CSV of a done job: the input columns plus lon,lat,precision,confidence, the five codes, status, reason (409 before).",
        ),
        "Csv",
    ),
    route(
        "get",
        "/api/v1/config",
        Access::Open,
        "map",
        "What the map page needs of the server's settings: {\"basemap\": {\"url\", \"attribution\"} | null, \"address_columns\": [...], \"address_column_words\": [...]}: the raster base map of `wangge serve --basemap-url` (a tile URL template with {z}, {x}, {y}), and how the bulk geocoding finds the address column: the header names it goes by, in the order they are looked for, else the one column whose name holds one of the words.",
    ),
    answers(
        route(
            "get",
            "/api/v1/geocode/jobs/{id}/failures",
            Access::Act(Action::BulkGeocode),
            "geocode",
            "The failures CSV of a done job, to fix and submit again: the rows to fix (failed, ambiguous, or resolved without coordinates), as read plus status, reason (as `wangge geocode` writes it; 409 before).",
        ),
        "Csv",
    ),
    with_query(
        route(
            "get",
            "/api/v1/assignment",
            Access::Map,
            "placement",
            "Placement rates per grid of a level; the territory row (code null) also counts what is stored but not placed yet (not_placed_yet).",
        ),
        &[("level", "1, 2 or 3")],
    ),
    with_query(
        route(
            "get",
            "/api/v1/cells/{code}/customers",
            Access::Act(Action::ReadCellData),
            "placement",
            "Customers placed in a cell.",
        ),
        PAGE,
    ),
    with_query(
        route(
            "get",
            "/api/v1/cells/{code}/resources",
            Access::Act(Action::ReadCellData),
            "placement",
            "Network resources placed in a cell.",
        ),
        PAGE,
    ),
    with_query(
        route(
            "get",
            "/api/v1/unplaced",
            Access::Act(Action::ReadUnplaced),
            "placement",
            "Entities not placed in a cell, by status.",
        ),
        &[
            ("kind", "customer, resource, building or opportunity"),
            (
                "status",
                "in_gap, outside, no_location, invalid_coordinates, not_placed_yet (stored, no placement yet)",
            ),
            ("offset", "rows to skip"),
            ("limit", "rows, at most 1000"),
        ],
    ),
    with_query(
        route(
            "get",
            "/api/v1/h3",
            Access::Act(Action::ReadUnplaced),
            "placement",
            "H3 hexagon heat map (h3o): customers counted per hexagon as a GeoJSON FeatureCollection (properties h3, count; top level points, skipped, max_count). kind=unplaced counts the customers with a location in no cell (in_gap, outside). Company-wide readers only.",
        ),
        &[
            ("res", "H3 resolution 4-9 (default 7)"),
            ("kind", "customers (default) or unplaced"),
        ],
    ),
    with_query(
        route(
            "get",
            "/api/v1/search",
            Access::Map,
            "geocode",
            "The map's search box: grids and cells whose name the text holds (润景家园 in 十堰市茅箭区润景家园) or that hold the text, longest name first, each with its precision (cell or grid) and bbox, namesakes ordered by distance to the address; grids_tied when the first has a namesake the text does not tell apart; and, signed in, the address (lon, lat, precision, confidence, status, reason, outside_territory, cell_code: set only for a building or road, never for a town's or county's centre).",
        ),
        &[("q", "a grid or cell name, or an address")],
    ),
    with_query(
        route(
            "get",
            "/api/v1/customers/search",
            Access::Act(Action::ReadUnplaced),
            "placement",
            "Customers whose code is q or whose name contains q, exact code first, with their coordinates and cell. Company-wide readers only.",
        ),
        &[("q", "a customer code or part of a name"), ("limit", "rows, at most 100 (default 20)")],
    ),
    with_query(
        route(
            "get",
            "/api/v1/coverage",
            Access::Map,
            "coverage",
            "Coverage report: summary (counts, areas, health per parent), gaps, overlaps, outside_parent, edge_mismatches, invalid, fixes, ownership and data gaps; geometry as GeoJSON. The analysis is cached per grid revision.",
        ),
        &[
            ("level", "only this level of children (1-4)"),
            ("parent", "only items inside this grid (code)"),
            ("kind", "comma-separated: gaps, overlaps, outside_parent, edge_mismatches, invalid, fixes, ownership, data"),
            ("gap_width_m", "gaps narrower than this are slivers (default 5)"),
            ("slivers", "false: leave the slivers (gaps narrower than gap_width_m) out of the gaps list (default true)"),
            ("offset", "skip this many items of every list (default 0; the summary counts all)"),
            ("limit", "at most this many items per list, 1-10000 (default: all)"),
            ("format", "json (default) or geojson: one FeatureCollection with a kind property"),
        ],
    ),
    answers(
        with_body(
            route(
                "post",
                "/api/v1/auth/login",
                Access::Open,
                "auth",
                "Log in: a bearer token (expires; 429 after repeated failures).",
            ),
            "LoginRequest",
        ),
        "LoginResponse",
    ),
    answers(
        route(
            "post",
            "/api/v1/auth/logout",
            Access::Signed,
            "auth",
            "Revoke the token of this request (204).",
        ),
        "NoContent",
    ),
    answers(
        route(
            "get",
            "/api/v1/me",
            Access::Signed,
            "auth",
            "The logged-in user, scopes and what they may do.",
        ),
        "Me",
    ),
    answers(
        route(
            "get",
            "/api/v1/cells/{code}/claimable",
            Access::Signed,
            "claims",
            "Whether the signed-in user may claim the cell now, and why not (the claim's dry run; always 200).",
        ),
        "Claimable",
    ),
    answers(
        with_body(
            route(
                "post",
                "/api/v1/cells/{code}/claim",
                Access::Act(Action::Claim),
                "claims",
                STEP,
            ),
            "StepRequest",
        ),
        "CellClaimState",
    ),
    answers(
        with_body(
            route(
                "post",
                "/api/v1/cells/{code}/release",
                Access::Act(Action::Release),
                "claims",
                STEP,
            ),
            "StepRequest",
        ),
        "CellClaimState",
    ),
    answers(
        with_body(
            route(
                "post",
                "/api/v1/cells/{code}/transfer",
                Access::Act(Action::Transfer),
                "claims",
                "Give the cell to another manager: body {\"to\": name or id, \"reason\"?}.",
            ),
            "StepRequest",
        ),
        "CellClaimState",
    ),
    answers(
        with_body(
            route(
                "post",
                "/api/v1/cells/{code}/approve",
                Access::Act(Action::Approve),
                "claims",
                STEP,
            ),
            "StepRequest",
        ),
        "CellClaimState",
    ),
    answers(
        with_body(
            route(
                "post",
                "/api/v1/cells/{code}/reject",
                Access::Act(Action::Reject),
                "claims",
                STEP,
            ),
            "StepRequest",
        ),
        "CellClaimState",
    ),
    answers(
        with_body(
            route(
                "post",
                "/api/v1/cells/{code}/lock",
                Access::Act(Action::Lock),
                "claims",
                STEP,
            ),
            "StepRequest",
        ),
        "CellClaimState",
    ),
    answers(
        with_body(
            route(
                "post",
                "/api/v1/cells/{code}/unlock",
                Access::Act(Action::Unlock),
                "claims",
                STEP,
            ),
            "StepRequest",
        ),
        "CellClaimState",
    ),
    answers(
        with_body(
            route(
                "post",
                "/api/v1/claims/batch",
                Access::Signed,
                "claims",
                "Many cells, one transaction, all or nothing; every refusal with its reason.",
            ),
            "BatchRequest",
        ),
        "BatchResult",
    ),
    answers(
        with_query(
            route(
                "get",
                "/api/v1/claims",
                Access::Act(Action::ReadData),
                "claims",
                "Claims, newest first.",
            ),
            &[
                (
                    "status",
                    "comma list of pending, active, rejected, released, transferred",
                ),
                ("manager", "manager id or name"),
                ("grid", "cells in this grid (any level)"),
                ("offset", "rows to skip"),
                ("limit", "rows, at most 10000"),
            ],
        ),
        "ClaimList",
    ),
    answers(
        route(
            "get",
            "/api/v1/cells/{code}/history",
            Access::Act(Action::ReadData),
            "claims",
            "Every workflow step of a cell: who, when, from, to, why.",
        ),
        "History",
    ),
    answers(
        route(
            "get",
            "/api/v1/claim-rules",
            Access::Act(Action::ReadData),
            "claims",
            "The claim rules in force.",
        ),
        "ClaimRules",
    ),
    answers(
        with_body(
            route(
                "put",
                "/api/v1/claim-rules",
                Access::Act(Action::EditRules),
                "claims",
                "Replace the claim rules (administrators; every cell type listed).",
            ),
            "ClaimRules",
        ),
        "ClaimRules",
    ),
    answers(
        route(
            "get",
            "/api/v1/managers/{id}/portfolio",
            Access::Act(Action::ReadPortfolio),
            "claims",
            "A manager's cells, customers by value tier, workload against the norms (`me`: the signed-in user's own).",
        ),
        "Portfolio",
    ),
    answers(
        route(
            "get",
            "/api/v1/users",
            Access::Act(Action::ManageUsers),
            "users",
            "Users with roles and scopes (administrators; never a password or hash).",
        ),
        "UserList",
    ),
    answers(
        with_body(
            route(
                "post",
                "/api/v1/users",
                Access::Act(Action::ManageUsers),
                "users",
                "Add a user (201). A grid manager has a kind and level-3 scopes, a supervisor level-1/2 scopes.",
            ),
            "NewUser",
        ),
        "UserAnswer",
    ),
    answers(
        route(
            "post",
            "/api/v1/users/{name}/disable",
            Access::Act(Action::ManageUsers),
            "users",
            "Disable a user: no login, their tokens revoked.",
        ),
        "UserAnswer",
    ),
    answers(
        route(
            "post",
            "/api/v1/users/{name}/enable",
            Access::Act(Action::ManageUsers),
            "users",
            "Enable a disabled user again.",
        ),
        "UserAnswer",
    ),
    answers(
        with_body(
            route(
                "post",
                "/api/v1/users/{name}/password",
                Access::Act(Action::ManageUsers),
                "users",
                "Set a user's password (body {\"password\"}); their tokens are revoked.",
            ),
            "PasswordRequest",
        ),
        "Object",
    ),
];

/// The access rule of a routed request (`path` as matched, with `{param}`s).
/// A HEAD has the rule of the GET it mirrors (the router answers it so).
pub fn access(method: &Method, path: &str) -> Option<Access> {
    let method = if method == Method::HEAD {
        &Method::GET
    } else {
        method
    };
    ROUTES
        .iter()
        .find(|r| r.path == path && method.as_str().eq_ignore_ascii_case(r.method))
        .map(|r| r.access)
}

/// The methods `path` is routed for, uppercase (`GET`, `POST`), for an
/// `Allow` header; empty for a path that is not in the table.
pub fn methods(path: &str) -> Vec<String> {
    ROUTES
        .iter()
        .filter(|r| r.path == path)
        .map(|r| r.method.to_ascii_uppercase())
        .collect()
}

/// `GET /api/openapi.json`
pub async fn spec() -> Json<Value> {
    Json(document())
}

/// The OpenAPI 3 document of [`ROUTES`].
pub fn document() -> Value {
    let mut paths = Map::new();
    for r in ROUTES {
        let entry = paths
            .entry(r.path.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(ops) = entry.as_object_mut() {
            ops.insert(r.method.to_owned(), operation(r));
        }
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "wangge",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Grid-based territory management (网格化管理): the four-level grid, cells, placement and claiming. Errors are JSON {error, message}. Writes need a bearer token from POST /api/v1/auth/login; the map's reads are public unless the server is private.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas(),
        },
    })
}

fn operation(r: &RouteDoc) -> Value {
    let mut parameters: Vec<Value> = path_params(r.path)
        .map(|name| {
            json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}})
        })
        .collect();
    parameters.extend(r.query.iter().map(|(name, description)| {
        json!({"name": name, "in": "query", "required": false, "description": description, "schema": {"type": "string"}})
    }));
    let security = match r.access {
        Access::Open => json!([]),
        // Optional: anonymous, or a token.
        Access::Map => json!([{}, {"bearer": []}]),
        Access::Signed | Access::Act(_) => json!([{"bearer": []}]),
    };
    let who = match r.access {
        Access::Open => "anyone".to_owned(),
        Access::Map => "anyone (unless the server is private)".to_owned(),
        Access::Signed => "any logged-in user".to_owned(),
        Access::Act(action) => {
            format!(
                "logged-in users the policy allows `{}`",
                crate::auth::action_name(action)
            )
        }
    };
    let ok = match r.response {
        "NoContent" => json!({"description": "done"}),
        "Html" => json!({"description": "the page", "content": {"text/html": {}}}),
        "Csv" => json!({"description": "a CSV file", "content": {"text/csv": {}}}),
        "Mvt" => {
            json!({"description": "a Mapbox Vector Tile (empty when nothing is in it); 304 when If-None-Match has its ETag",
            "content": {"application/vnd.mapbox-vector-tile": {}}})
        }
        "GeoJSON" => json!({"description": "a GeoJSON FeatureCollection",
            "content": {"application/geo+json": {"schema": {"$ref": "#/components/schemas/FeatureCollection"}}}}),
        name => json!({"description": "OK",
            "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{name}")}}}}),
    };
    let error = json!({"description": "error",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let mut responses = Map::new();
    let ok_code = if r.response == "NoContent" {
        "204"
    } else {
        "200"
    };
    responses.insert(ok_code.into(), ok);
    responses.insert("default".into(), error);
    let mut op = json!({
        "operationId": operation_id(r),
        "tags": [r.tag],
        "summary": r.summary,
        "description": format!("Access: {who}."),
        "parameters": parameters,
        "responses": responses,
        "security": security,
        "x-wangge-access": format!("{:?}", r.access),
    });
    if let (Some(body), Some(object)) = (r.body, op.as_object_mut()) {
        object.insert(
            "requestBody".into(),
            json!({"required": r.method != "post" || body != "StepRequest",
                "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{body}")}}}}),
        );
    }
    op
}

fn path_params(path: &str) -> impl Iterator<Item = &str> {
    path.split('/')
        .filter_map(|part| part.strip_prefix('{').and_then(|p| p.strip_suffix('}')))
}

fn operation_id(r: &RouteDoc) -> String {
    let words: Vec<String> = r
        .path
        .split(['/', '-', '.'])
        .filter(|p| !p.is_empty() && *p != "api" && *p != "v1")
        .map(|p| p.trim_matches(['{', '}']).to_owned())
        .collect();
    format!("{}_{}", r.method, words.join("_"))
}

fn schemas() -> Value {
    let string = json!({"type": "string"});
    let int = json!({"type": "integer", "format": "int64"});
    let opt_int = json!({"type": "integer", "format": "int64", "nullable": true});
    let opt_string = json!({"type": "string", "nullable": true});
    let status = json!({"type": "string", "enum": ["pending", "active", "rejected", "released", "transferred"]});
    let tier_counts = json!({"type": "object", "properties": {
        "high": int, "potential": int, "medium": int, "low": int, "other_operator": int}});
    let mut all = json!({
        "Object": {"type": "object"},
        "Error": {"type": "object", "required": ["error", "message"], "properties": {
            "error": {"type": "string", "example": "conflict"}, "message": string,
            "reason": {"type": "string", "description": "refusals: claimed_by, locked, outside_scope, ..."},
            "cell": string}},
        "Health": {"type": "object", "properties": {"status": string, "database": string, "grids": {"type": "boolean"}}},
        "FeatureCollection": {"type": "object", "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": {"type": "array", "items": {"type": "object"}}}},
        "GridDetail": {"type": "object", "properties": {
            "grid": {"type": "object"}, "geometry": {"type": "object"},
            "bbox": {"type": "array", "items": {"type": "number"}},
            "chain": {"type": "array", "items": {"type": "object"}}, "child_counts": {"type": "object"}}},
        "LoginRequest": {"type": "object", "required": ["name", "password"], "properties": {
            "name": string, "password": {"type": "string", "format": "password"}}},
        "LoginResponse": {"type": "object", "properties": {
            "token": {"type": "string", "description": "64 hex digits; send as Authorization: Bearer TOKEN"},
            "token_type": {"type": "string", "enum": ["Bearer"]}, "expires_at_ms": int, "expires_in_s": int,
            "user": {"$ref": "#/components/schemas/User"}}},
        "User": {"type": "object", "properties": {
            "id": int, "name": string,
            "role": {"type": "string", "enum": ["admin", "supervisor", "grid_manager", "ops", "clerk", "viewer"]},
            "kind": {"type": "string", "enum": ["zhengqi", "community"], "nullable": true},
            "scopes": {"type": "array", "items": string}, "disabled": {"type": "boolean"}}},
        "Me": {"type": "object", "properties": {
            "id": int, "name": string, "role": string, "kind": opt_string,
            "scopes": {"type": "array", "items": string}, "expires_at_ms": int,
            "may": {"type": "object", "additionalProperties": {"type": "string", "enum": ["yes", "own", "in_scope", "no"]}}}},
        "StepRequest": {"type": "object", "properties": {
            "reason": {"type": "string", "description": "why; recorded in the history"},
            "to": {"description": "transfer only: the manager's name or id", "oneOf": [{"type": "string"}, {"type": "integer"}]}}},
        "Claim": {"type": "object", "properties": {
            "id": int, "cell": string, "cell_name": string, "cell_type": string, "l3": string,
            "manager": {"type": "object", "properties": {"id": int, "name": string, "kind": opt_string}},
            "status": status, "requested_by": string, "requested_at_ms": int,
            "decided_by": opt_string, "decided_at_ms": opt_int, "ended_by": opt_string, "ended_at_ms": opt_int,
            "reason": opt_string, "locked": {"type": "boolean"}}},
        "CellClaimState": {"type": "object", "properties": {
            "cell": string, "action": string,
            "claim": {"allOf": [{"$ref": "#/components/schemas/Claim"}], "nullable": true},
            "lock": {"type": "object", "nullable": true, "properties": {"locked_by": string, "locked_at_ms": int, "reason": opt_string}},
            "history_id": int}},
        "BatchRequest": {"type": "object", "required": ["cells", "action"], "properties": {
            "cells": {"type": "array", "items": string, "maxItems": crate::claims::MAX_BATCH_CELLS},
            "action": {"type": "string", "enum": ["claim", "approve", "reject", "release", "transfer", "lock", "unlock"]},
            "reason": string, "to": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
            "dry_run": {"type": "boolean", "description": "check only, change nothing"}}},
        "BatchResult": {"type": "object", "description": "200; a refused batch answers 403/404/409/422 with {error, message, refusals: [{cell, reason, message, ...}]}",
            "properties": {"action": string, "dry_run": {"type": "boolean"}, "applied": int,
            "cells": {"type": "array", "items": {"$ref": "#/components/schemas/CellClaimState"}}}},
        "ClaimList": {"type": "object", "properties": {"offset": int, "limit": int, "count": int,
            "claims": {"type": "array", "items": {"$ref": "#/components/schemas/Claim"}}}},
        "History": {"type": "object", "properties": {"cell": string, "history": {"type": "array", "items": {
            "type": "object", "properties": {"id": int, "cell": string, "claim_id": opt_int,
            "action": string, "actor": string, "from": opt_string, "to": opt_string,
            "status": {"type": "string", "nullable": true}, "reason": opt_string, "at_ms": int}}}}},
        "ClaimRules": {"type": "object", "properties": {
            "types": {"type": "array", "items": {"type": "object", "properties": {
                "cell_type": string, "kinds": {"type": "array", "items": {"type": "string", "enum": ["zhengqi", "community"]}},
                "needs_approval": {"type": "boolean"}}}},
            "max_cells_per_manager": opt_int, "max_customers_per_manager": opt_int,
            "enforce_customer_norms": {"type": "boolean"}, "claim_outside_scope": {"type": "boolean"},
            "value_tiers": {"type": "object", "properties": {
                "high_spend_top_pct": {"type": "number"}, "medium_spend_top_pct": {"type": "number"},
                "medium_size_min_staff": int}},
            "workload_norms": {"type": "array", "items": {"type": "object", "properties": {
                "tier": {"type": "string", "enum": ["high", "potential", "medium", "low"]},
                "min_customers": opt_int, "max_customers": opt_int}}}}},
        "Claimable": {"type": "object", "required": ["cell", "claimable"], "properties": {
            "cell": {"type": "string"}, "claimable": {"type": "boolean"},
            "code": {"type": "string", "description": "why not: the refusal's stable code"},
            "message": {"type": "string", "description": "why not, in the client's language"},
            "refusal": {"type": "object"}}},
        "Portfolio": {"type": "object", "properties": {
            "manager": {"$ref": "#/components/schemas/User"},
            "cells": {"type": "array", "items": {"type": "object", "properties": {
                "code": string, "name": string, "cell_type": string, "l3": string, "status": status,
                "locked": {"type": "boolean"}, "customers": tier_counts}}},
            "customers": tier_counts,
            "workload": {"type": "array", "items": {"type": "object", "properties": {
                "tier": string, "customers": int, "min_customers": opt_int, "max_customers": opt_int,
                "status": {"type": "string", "enum": ["below", "within", "above", "no_norm"]}}}},
            "max_cells": opt_int, "max_customers": opt_int, "overloaded": {"type": "boolean"},
            "thresholds": {"type": "object"}}},
    });
    // Users: a second macro call (one is near the macro recursion limit).
    let users = json!({
        "UserList": {"type": "object", "properties": {"users": {"type": "array", "items": {"$ref": "#/components/schemas/User"}}}},
        "UserAnswer": {"type": "object", "properties": {"user": {"$ref": "#/components/schemas/User"}, "revoked_tokens": int}},
        "NewUser": {"type": "object", "required": ["name", "role", "password"], "properties": {
            "name": string, "role": {"type": "string", "enum": ["admin", "supervisor", "grid_manager", "ops", "clerk", "viewer"]},
            "kind": {"type": "string", "enum": ["zhengqi", "community"], "nullable": true},
            "scopes": {"type": "array", "items": string}, "password": {"type": "string", "format": "password", "minLength": 8}}},
        "PasswordRequest": {"type": "object", "required": ["password"], "properties": {"password": {"type": "string", "format": "password", "minLength": 8}}},
    });
    // Grid editing: a third.
    let editing = json!({
        "GridEdit": {"type": "object", "properties": {
            "name": string, "cell_type": {"type": "string", "example": "15"},
            "version": {"type": "integer", "description": "the grid's version as read; refused (409) if it changed since"}}},
        "SplitRequest": {"type": "object", "required": ["line"], "properties": {
            "line": {"type": "array", "items": {"type": "array", "items": {"type": "number"}},
                "description": "[[lon, lat], ...] starting and ending outside the cell, or a GeoJSON LineString"},
            "new_code": string, "new_name": string,
            "version": {"type": "integer", "description": "the cell's version as read or previewed; refused (409) if it changed since"},
            "dry_run": {"type": "boolean"}}},
        "MergeRequest": {"type": "object", "required": ["codes"], "properties": {
            "codes": {"type": "array", "items": {"type": "string"}}, "into": string, "name": string,
            "versions": {"type": "object", "additionalProperties": {"type": "integer"},
                "description": "the cells' versions as read, by code; refused (409) if one changed since"},
            "dry_run": {"type": "boolean"}}},
        "FixRequest": {"type": "object", "properties": {
            "level": int, "parent": string, "gap_width_m": {"type": "number"},
            "revision": {"type": "integer", "description": "the revision of the preview; refused if the grid changed since"},
            "dry_run": {"type": "boolean"}}},
    });
    if let (Some(all), Value::Object(editing)) = (all.as_object_mut(), editing) {
        all.extend(editing);
    }
    if let (Some(all), Value::Object(users)) = (all.as_object_mut(), users) {
        all.extend(users);
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_once_in_the_table_and_the_spec() {
        let mut seen = std::collections::HashSet::new();
        for r in ROUTES {
            assert!(
                seen.insert((r.method, r.path)),
                "{} {} twice",
                r.method,
                r.path
            );
        }
        let doc = document();
        for r in ROUTES {
            let op = &doc["paths"][r.path][r.method];
            assert!(op.is_object(), "{} {}", r.method, r.path);
            for name in path_params(r.path) {
                assert!(op["parameters"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|p| p["name"] == name));
            }
        }
        // Every referenced schema exists.
        let text = doc.to_string();
        for piece in text.split("#/components/schemas/").skip(1) {
            let name: String = piece.chars().take_while(|c| c.is_alphanumeric()).collect();
            assert!(
                doc["components"]["schemas"][&name].is_object(),
                "schema {name}"
            );
        }
    }

    #[test]
    fn access_is_found_by_method_and_matched_path() {
        assert_eq!(access(&Method::GET, "/api/v1/grids"), Some(Access::Map));
        assert_eq!(
            access(&Method::PUT, "/api/v1/claim-rules"),
            Some(Access::Act(Action::EditRules))
        );
        assert_eq!(access(&Method::DELETE, "/api/v1/grids"), None);
        assert_eq!(access(&Method::GET, "/api/v1/nothing"), None);
    }

    #[test]
    fn coverage_tiles_have_the_access_rule_of_the_coverage_report() {
        let report = access(&Method::GET, "/api/v1/coverage");
        assert!(report.is_some());
        assert_eq!(access(&Method::GET, "/tiles/coverage/{z}/{x}/{y}"), report);
    }
}
