use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use wangge_model::{GridCode, LevelNo, ManagerKind, Role};

/// wangge (网格): grid-based territory management with GIS.
#[derive(Debug, Parser)]
#[command(name = "wangge", version, about, long_about = None)]
pub struct Cli {
    /// Database URL: sqlite://FILE (created if missing), sqlite::memory:, or postgres://...
    #[arg(
        long,
        global = true,
        env = "WANGGE_DB",
        default_value = "sqlite://wangge.db"
    )]
    pub db: String,

    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// More logging (RUST_LOG overrides).
    #[arg(long, short, global = true)]
    pub verbose: bool,

    /// Encoding of every CSV written: utf-8-bom (alias excel: what Excel
    /// reads right; the default for files), utf-8 (the default on stdout),
    /// gbk.
    #[arg(long, global = true)]
    pub csv_encoding: Option<wangge_io::csv_out::CsvEncoding>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

impl Command {
    /// Whether the command only reads the territory: run on a database
    /// file that does not exist, it says so rather than create it empty.
    pub fn only_reads(&self) -> bool {
        match self {
            Command::Export(_)
            | Command::Stats(_)
            | Command::AssignPoints(_)
            | Command::User(UserCommand::List) => true,
            Command::Coverage(args) => !args.fix,
            _ => false,
        }
    }

    /// The file `-o` names, checked before any work is done.
    pub fn output_file(&self) -> Option<&std::path::Path> {
        match self {
            Command::Export(args) => args.output.as_deref(),
            Command::Coverage(args) => args.output.as_deref(),
            _ => None,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API and the map.
    Serve(ServeArgs),
    /// Seed the demo territory (Shiyan, from real boundaries and names) into an empty database.
    Demo(DemoArgs),
    /// Import grids from GeoJSON.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Export grids or cells as GeoJSON or CSV with WKT.
    Export(ExportArgs),
    /// Place every customer, resource, building and opportunity in its cell; print the rates.
    Assign(AssignArgs),
    /// Stateless: add cell_code,l3_code,l2_code,l1_code,status to a CSV of lon,lat.
    AssignPoints(AssignPointsArgs),
    /// Geocode a CSV of Chinese addresses: adds lon,lat,precision,confidence, the division codes, cell_code,status,reason.
    Geocode(GeocodeArgs),
    /// The division gazetteer (village level).
    #[command(subcommand)]
    Gazetteer(GazetteerCommand),
    /// Coverage report: gaps, overlaps, bad geometry, ownership and data gaps; --fix applies the proposals.
    Coverage(CoverageArgs),
    /// Counts by level, type and category.
    Stats(StatsArgs),
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "WANGGE_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Seed the demo territory first when the database is empty, or finish
    /// seeding one that was interrupted.
    #[arg(long)]
    pub demo: bool,
    /// A raster base map under the grid: a tile URL template with {z}, {x} and {y},
    /// e.g. http://tiles.intranet/{z}/{x}/{y}.png (without it the grid itself is the base).
    #[arg(long, env = "WANGGE_BASEMAP_URL", value_name = "URL", value_parser = basemap_url)]
    pub basemap_url: Option<String>,
    /// The base map's attribution, shown on the map (with --basemap-url).
    #[arg(
        long,
        env = "WANGGE_BASEMAP_ATTRIBUTION",
        value_name = "TEXT",
        requires = "basemap_url"
    )]
    pub basemap_attribution: Option<String>,
    /// A reverse proxy in front of the server (an address or a CIDR network;
    /// repeatable): only from these is X-Forwarded-For believed, its right-most
    /// address that is not a trusted proxy being the client the login
    /// throttle counts. Without it the socket peer is the client.
    #[arg(
        long = "trusted-proxy",
        env = "WANGGE_TRUSTED_PROXIES",
        value_name = "IP_OR_CIDR",
        value_delimiter = ',',
        value_parser = wangge_server::auth::parse_trusted_proxy
    )]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// How long finished geocoding jobs (with their result and failures
    /// files, stored in the database) are kept before they are deleted.
    #[arg(
        long,
        env = "WANGGE_JOB_RETENTION_HOURS",
        value_name = "HOURS",
        default_value_t = 168,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub job_retention_hours: u32,
    /// Grid revisions whose change log is kept (pruned once a minute): an
    /// instance further behind than that rebuilds its grid snapshot in full
    /// instead of re-reading only the changed grids.
    #[arg(
        long,
        env = "WANGGE_GRID_CHANGES_KEPT",
        value_name = "REVISIONS",
        default_value_t = 1000,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub grid_changes_kept: u32,
}

/// `--basemap-url`: checked when the server starts, not when a tile fails.
/// Empty (`WANGGE_BASEMAP_URL=` in a service file) means none.
fn basemap_url(text: &str) -> Result<String, String> {
    if text.trim().is_empty() {
        return Ok(String::new());
    }
    wangge_server::config::check_tile_url(text)
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Random seed: the same seed gives the same territory.
    #[arg(long, default_value_t = 2011)]
    pub seed: u64,
    /// Number of demo customers per copy (1206974 is the full Shiyan scale of 2011).
    #[arg(long, default_value_t = 120_000)]
    pub customers: usize,
    /// Copies of the territory side by side (province scale; codes of copy k ≥ 2 start `Ckk-`).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=99))]
    pub copies: u8,
    /// For tests only: derive the demo users' passwords from this seed
    /// (the same on every install). Without it they are random.
    #[arg(long, value_name = "SEED")]
    pub password_seed: Option<u64>,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Grids or cells of one level from a GeoJSON FeatureCollection of (Multi)Polygons.
    Grids(ImportGridsArgs),
    /// One layer of cells whose attributes name their outlet area, branch
    /// and department: all four levels, levels 1-3 the union of their cells.
    Cells(ImportCellsArgs),
    /// Customers/products from CSV (UTF-8, BOM or GBK) or GeoJSON points; placed in cells at once.
    Customers(ImportTableArgs),
    /// Network resources (交接箱, 分线盒, ...) with their parent resource; placed in cells at once.
    Resources(ImportTableArgs),
    /// Buildings (楼宇) with contacts.
    Buildings(ImportTableArgs),
    /// Business opportunities (商机).
    Opportunities(ImportTableArgs),
    /// Outlets (营业厅) and the level-3 grids each supports; replaces the stored list.
    Outlets(ImportTableArgs),
    /// Standard addresses (标准地址): code, division codes, road, house_number, compound, building, lon, lat.
    Addresses(ImportAddressesArgs),
}

#[derive(Debug, Args)]
pub struct ImportTableArgs {
    /// CSV, or points as GeoJSON (.geojson/.json), Shapefile (.shp),
    /// FlatGeobuf (.fgb), GeoPackage (.gpkg) or KML (.kml).
    pub file: PathBuf,
    /// Text encoding of a CSV file or a Shapefile's table (detected when missing): utf-8, gbk, gb18030.
    #[arg(long)]
    pub encoding: Option<wangge_io::Encoding>,
    /// Coordinate system of lon/lat in the file (default: the file's own, as
    /// a .prj or GeoPackage says, else wgs84): wgs84, gcj02 (高德/腾讯), bd09 (百度),
    /// or an EPSG system (EPSG:4546: lon/lat columns then hold easting/northing).
    #[arg(long)]
    pub crs: Option<wangge_geocode::crs::Crs>,
    /// The layer of a GeoPackage that holds several.
    #[arg(long)]
    pub layer: Option<String>,
    /// Where rejected rows go, with their reason (default: FILE.rejected.csv next to the input).
    #[arg(long)]
    pub rejects: Option<PathBuf>,
    /// Do not place the loaded rows in cells now.
    #[arg(long)]
    pub no_assign: bool,
    /// Customers: commit every ROWS rows, so that a live SQLite server's
    /// writes wait for one chunk, not the whole file (0: one transaction).
    /// The file is checked whole first; a killed import is completed by
    /// running it again. Other kinds are written in one transaction.
    #[arg(long, value_name = "ROWS", default_value_t = 50_000)]
    pub commit_rows: usize,
    /// Territory code, used when the database has no territory yet.
    #[arg(long, default_value = "T1")]
    pub territory: GridCode,
}

#[derive(Debug, Args)]
pub struct ImportCellsArgs {
    /// The cells: GeoJSON, Shapefile, FlatGeobuf, GeoPackage or KML.
    pub file: PathBuf,
    /// Property naming each cell's department (level 1): its code, or its
    /// name (a code is then made up), e.g. 经营部.
    #[arg(long)]
    pub l1_field: String,
    /// Property naming each cell's branch (level 2), e.g. 分局.
    #[arg(long)]
    pub l2_field: String,
    /// Property naming each cell's outlet area (level 3), e.g. 网点.
    #[arg(long)]
    pub l3_field: String,
    /// Properties holding the names of levels 1, 2 and 3, comma-separated,
    /// when the level fields hold codes.
    #[arg(long, value_delimiter = ',')]
    pub name_fields: Option<Vec<String>>,
    /// Property holding the cell's name.
    #[arg(long, default_value = "name")]
    pub name_field: String,
    /// Property holding the cell's code (the feature's id when missing).
    #[arg(long, default_value = "code")]
    pub code_field: String,
    /// Property holding the cell type: a code (15), Chinese (小区) or English name.
    #[arg(long, default_value = "type")]
    pub type_field: String,
    /// The layer of a GeoPackage that holds several.
    #[arg(long)]
    pub layer: Option<String>,
    /// Coordinate system of the file (default: the file's own, else WGS-84).
    #[arg(long)]
    pub crs: Option<wangge_geocode::crs::Crs>,
    /// Text encoding of a Shapefile's attribute table (default: its .cpg, else detected).
    #[arg(long)]
    pub encoding: Option<wangge_io::Encoding>,
    /// Territory code, used when the database has no territory yet.
    #[arg(long, default_value = "T1")]
    pub territory: GridCode,
    /// Territory name, used when the database has no territory yet.
    #[arg(long, default_value = "默认区域")]
    pub territory_name: String,
    /// Print the hierarchy it would create, but write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct ImportGridsArgs {
    /// The GeoJSON file, an Esri Shapefile (.shp, with its .shx, .dbf,
    /// and .prj / .cpg when there are), a FlatGeobuf (.fgb), a GeoPackage
    /// (.gpkg) or a KML file (.kml).
    pub file: PathBuf,
    /// The layer of a GeoPackage that holds several.
    #[arg(long)]
    pub layer: Option<String>,
    /// Level of the features: 1 department, 2 branch, 3 outlet area, 4 network cell.
    #[arg(long)]
    pub level: LevelNo,
    /// Property holding the name.
    #[arg(long, default_value = "name")]
    pub name_field: String,
    /// Property holding the code (the feature's id when missing).
    #[arg(long, default_value = "code")]
    pub code_field: String,
    /// Property holding the cell type (level 4): a code (15), Chinese (小区) or English name.
    #[arg(long, default_value = "type")]
    pub type_field: String,
    /// Property holding the parent's code (levels 2-4).
    #[arg(long, default_value = "parent")]
    pub parent_field: String,
    /// Territory code, used when the database has no territory yet.
    #[arg(long, default_value = "T1")]
    pub territory: GridCode,
    /// Territory name, used when the database has no territory yet.
    #[arg(long, default_value = "默认区域")]
    pub territory_name: String,
    /// Coordinate system of the file (default: its own "crs" member, else WGS-84):
    /// EPSG:4490 (CGCS2000), EPSG:4491-4554 (CGCS2000 Gauss-Krüger), EPSG:3857, gcj02, bd09 ….
    #[arg(long)]
    pub crs: Option<wangge_geocode::crs::Crs>,
    /// Text encoding of a Shapefile's attribute table (default: its .cpg, else
    /// UTF-8 when valid throughout, else GBK): utf-8, gbk, gb18030.
    #[arg(long)]
    pub encoding: Option<wangge_io::Encoding>,
    /// Check the file and report, but write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportWhat {
    /// Network cells (level 4).
    Cells,
    /// Grids of levels 1-3 (or --level).
    Grids,
    /// Customers as points, with their placement status.
    Customers,
    /// Network resources as points.
    Resources,
    /// Outlets (营业厅) as points, with the level-3 grids each supports.
    Outlets,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Geojson,
    Csv,
    /// An Esri Shapefile (-o FILE.shp; .shx, .dbf, .prj and .cpg beside it).
    Shapefile,
    /// FlatGeobuf, with a spatial index.
    Flatgeobuf,
    /// GeoPackage (-o FILE.gpkg), one layer.
    Geopackage,
    /// KML (longitude and latitude only: wgs84, EPSG:4490, gcj02, bd09).
    Kml,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    pub what: ExportWhat,
    /// Only this level.
    #[arg(long)]
    pub level: Option<LevelNo>,
    #[arg(long, value_enum, default_value_t = ExportFormat::Geojson)]
    pub format: ExportFormat,
    /// Output file (stdout when missing).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Coordinate system of the file written: wgs84 (default), EPSG:4490,
    /// EPSG:4491-4554 (CGCS2000 Gauss-Krüger), EPSG:3857, gcj02, bd09 ….
    #[arg(long, default_value = "wgs84")]
    pub crs: wangge_geocode::crs::Crs,
    /// Text encoding of a Shapefile's attribute table: utf-8 (default), gbk.
    #[arg(long, default_value = "utf-8")]
    pub encoding: wangge_io::Encoding,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Print JSON instead of tables.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user; without --password one is generated and printed once.
    Add(UserAddArgs),
    /// List users (never their passwords).
    List,
    /// Disable a user: they cannot log in and their tokens stop working.
    Disable(UserNameArgs),
    /// Enable a disabled user again (old tokens stay revoked).
    Enable(UserNameArgs),
    /// Set a new password (given, read from stdin, or generated and printed
    /// once); the user's tokens are revoked.
    Passwd(UserPasswdArgs),
}

#[derive(Debug, Args)]
pub struct UserNameArgs {
    pub name: String,
}

#[derive(Debug, Args)]
pub struct UserPasswdArgs {
    pub name: String,
    #[arg(
        long,
        env = "WANGGE_NEW_PASSWORD",
        hide_env_values = true,
        conflicts_with = "password_stdin"
    )]
    pub password: Option<String>,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Debug, Args)]
pub struct UserAddArgs {
    pub name: String,
    #[arg(long)]
    pub role: Role,
    /// Grid manager kind: zhengqi (政企) or community.
    #[arg(long)]
    pub kind: Option<ManagerKind>,
    /// Grid codes the user is scoped to (repeat the flag).
    #[arg(long)]
    pub scope: Vec<GridCode>,
    #[arg(long, env = "WANGGE_NEW_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
}

#[derive(Debug, Args)]
pub struct AssignArgs {
    /// Points in no cell but this close to one are reported with it as a suggestion.
    #[arg(long, default_value_t = 30.0)]
    pub snap_distance_m: f64,
    /// Level of the grids the rate table lists.
    #[arg(long, default_value = "1")]
    pub level: LevelNo,
    /// Print JSON instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Place entities without coordinates from their address (the store's
    /// standard address base and gazetteer), as `wangge geocode --assign` does.
    #[arg(long)]
    pub geocode: bool,
}

#[derive(Debug, Args)]
pub struct AssignPointsArgs {
    /// CSV with columns lon,lat (any others are kept).
    pub input: PathBuf,
    /// Output CSV (stdout when missing).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Coordinate system of the input's lon/lat.
    #[arg(long, default_value = "wgs84")]
    pub crs: wangge_geocode::crs::Crs,
    #[arg(long, default_value_t = 30.0)]
    pub snap_distance_m: f64,
    /// Worker threads for locating (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
}

#[derive(Debug, Args)]
pub struct ImportAddressesArgs {
    /// CSV (UTF-8, BOM or GBK).
    pub file: PathBuf,
    /// Text encoding (detected when missing): utf-8, gbk, gb18030.
    #[arg(long)]
    pub encoding: Option<wangge_io::Encoding>,
    /// Coordinate system of lon/lat in the file: wgs84, gcj02, bd09.
    #[arg(long, default_value = "wgs84")]
    pub crs: wangge_geocode::crs::Crs,
}

#[derive(Debug, Subcommand)]
pub enum GazetteerCommand {
    /// Load a village-level file (columns code,name; 12-digit codes): replaces the built-in Hubei edition.
    Import {
        /// CSV with code,name.
        file: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct GeocodeArgs {
    /// CSV (UTF-8, BOM or GBK) with an address column; other columns are kept.
    pub input: PathBuf,
    /// Output CSV (stdout when missing).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// The address column (default: address, 地址, 装机地址, 安装地址, 详细地址).
    #[arg(long)]
    pub column: Option<String>,
    /// Text encoding of the file (decided on the whole file when missing): utf-8, gbk, gb18030.
    #[arg(long)]
    pub encoding: Option<wangge_io::Encoding>,
    /// Rows that failed, are ambiguous or have no coordinates, ready to fix and re-submit (default: OUT.failures.csv).
    #[arg(long)]
    pub failures: Option<PathBuf>,
    /// The city the addresses are in (4-digit code, e.g. 4203 for 十堰): breaks ties.
    #[arg(long)]
    pub city: Option<String>,
    /// Coordinate system of the lon/lat written: wgs84, gcj02 (高德/腾讯), bd09 (百度).
    #[arg(long, default_value = "wgs84")]
    pub crs: wangge_geocode::crs::Crs,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Then place the stored entities again, customers without coordinates from their address.
    #[arg(long)]
    pub assign: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CoverageFormat {
    Json,
    Geojson,
    Csv,
    /// The findings as one GeoPackage layer (-o FILE.gpkg; mixed geometry).
    Geopackage,
    /// The findings as one FlatGeobuf layer (mixed geometry).
    Flatgeobuf,
    /// The findings as KML placemarks.
    Kml,
    /// The findings as Shapefiles, one per kind of shape (-o FILE.shp writes
    /// FILE_polygons.shp, FILE_lines.shp, FILE_points.shp; DBF in UTF-8).
    Shapefile,
}

#[derive(Debug, Args)]
pub struct CoverageArgs {
    /// Only this level of children (default: all levels).
    #[arg(long)]
    pub level: Option<LevelNo>,
    /// Gaps narrower than this many metres are slivers, wider ones blind spots.
    #[arg(long, default_value_t = 5.0)]
    pub gap_width_m: f64,
    /// Only items inside this grid.
    #[arg(long)]
    pub parent: Option<GridCode>,
    /// Only these parts, comma-separated: gaps, overlaps, outside_parent, edge_mismatches, invalid, fixes, ownership, data.
    #[arg(long)]
    pub kind: Option<String>,
    /// Report format (default json; with --fix: a text summary unless json is asked for).
    #[arg(long, value_enum)]
    pub format: Option<CoverageFormat>,
    /// Output file (stdout when missing).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Apply the fix proposals (gaps to a neighbour, overlaps split) in one transaction and print the difference.
    #[arg(long)]
    pub fix: bool,
    /// With --fix: show what would change, write nothing.
    #[arg(long, requires = "fix")]
    pub dry_run: bool,
}
