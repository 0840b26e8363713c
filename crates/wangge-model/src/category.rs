use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ModelError;

/// The six categories (大类) the field counts cells by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Industry,
    Cluster,
    NonCluster,
    Community,
    Vacant,
    Rural,
}

impl Category {
    pub const ALL: [Category; 6] = [
        Category::Industry,
        Category::Cluster,
        Category::NonCluster,
        Category::Community,
        Category::Vacant,
        Category::Rural,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Industry => "industry",
            Category::Cluster => "cluster",
            Category::NonCluster => "non_cluster",
            Category::Community => "community",
            Category::Vacant => "vacant",
            Category::Rural => "rural",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Category::Industry => "行业",
            Category::Cluster => "聚类",
            Category::NonCluster => "非聚类",
            Category::Community => "社区",
            Category::Vacant => "空地",
            Category::Rural => "乡村",
        }
    }
}

impl FromStr for Category {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Category::ALL
            .into_iter()
            .find(|c| c.as_str() == t || c.name_zh() == s.trim())
            .ok_or_else(|| ModelError::Category {
                value: s.to_owned(),
            })
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
