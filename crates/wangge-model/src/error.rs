use thiserror::Error;

/// Why a value could not become a domain type. Every variant carries the bad value.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ModelError {
    #[error("level {value:?} is not a grid level: levels are 1 (department), 2 (branch), 3 (outlet area) and 4 (network cell)")]
    Level { value: String },
    #[error("grid code {value:?} is invalid: {reason}")]
    GridCode { value: String, reason: &'static str },
    #[error("cell type {value:?} is unknown: give a code 01-20, a Chinese name (小区) or an English name (residential compound)")]
    CellType { value: String },
    #[error("cell type code {value:?} is invalid: it must be two digits, like 07")]
    CellTypeCode { value: String },
    #[error("category {value:?} is unknown: categories are industry, cluster, non_cluster, community, vacant, rural")]
    Category { value: String },
    #[error(
        "role {value:?} is unknown: roles are admin, supervisor, grid_manager, ops, clerk, viewer"
    )]
    Role { value: String },
    #[error("manager kind {value:?} is unknown: kinds are zhengqi and community")]
    ManagerKind { value: String },
    #[error("placement status {value:?} is unknown: statuses are assigned, via_parent, in_gap, outside, no_location, invalid_coordinates")]
    Placement { value: String },
    #[error("resource kind {value:?} is unknown: kinds are cabinet (交接箱), distribution_box (分线盒), splitter (分光器), olt, base_station (基站), port_group (宽带端口组)")]
    ResourceKind { value: String },
    #[error("customer class {value:?} is unknown: classes are A, B and C")]
    CustomerClass { value: String },
    #[error("cell type table, row {row}: {reason}")]
    CellTypeTable { row: usize, reason: String },
}
