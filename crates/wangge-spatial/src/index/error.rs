use wangge_model::{GridCode, LevelNo};

/// Why a set of grids cannot be indexed. Each names the grid by its code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndexError {
    #[error("grid {code}: id {id} is used by grid {first} too")]
    DuplicateId {
        id: i64,
        code: GridCode,
        first: GridCode,
    },
    #[error("grid code {code} appears twice (ids {first_id} and {id})")]
    DuplicateCode {
        code: GridCode,
        first_id: i64,
        id: i64,
    },
    #[error("grid {code} (level {level}) has no parent; only level 1 may stand alone")]
    MissingParent { code: GridCode, level: LevelNo },
    #[error("grid {code} is level 1 but names parent id {parent_id}")]
    UnexpectedParent { code: GridCode, parent_id: i64 },
    #[error("grid {code}: parent id {parent_id} is not among the grids given")]
    UnknownParent { code: GridCode, parent_id: i64 },
    #[error(
        "grid {code} (level {level}) has parent {parent_code} of level {parent_level}, \
         expected level {expected}"
    )]
    ParentLevel {
        code: GridCode,
        level: LevelNo,
        parent_code: GridCode,
        parent_level: LevelNo,
        expected: LevelNo,
    },
    #[error(
        "grid {code}: id {id} comes without an outline, and the index updated holds none for it"
    )]
    NoOutline { id: i64, code: GridCode },
    #[error("{count} grids are more than an index holds ({max})")]
    TooManyGrids { count: usize, max: usize },
}
