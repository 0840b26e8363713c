//! The demo's assumptions about Shiyan, as tables: which counties split into
//! two departments, how many branches each county has, what kind of place each
//! town is, and where each cell type tends to be found.
//!
//! The type → category mapping is *not* here: it comes from
//! [`wangge_model::CellTypeCatalog`]. These tables only say how the field's
//! category counts are shared among the types of a category and where cells go.

use wangge_model::Category;

/// The field figures of Shiyan, 2011 (DOMAIN.md).
pub const LEVEL1_GRIDS: usize = 14;
pub const LEVEL2_GRIDS: usize = 249;
pub const CELLS: usize = 7_183;
pub const CATEGORY_CELLS: [(Category, usize); 6] = [
    (Category::Rural, 1_951),
    (Category::Industry, 742),
    (Category::Cluster, 1_861),
    (Category::NonCluster, 190),
    (Category::Community, 2_058),
    (Category::Vacant, 381),
];

/// How one county is organised: code, the pinyin initials used in grid codes,
/// number of departments (level 1) and of branches (level 2).
#[derive(Debug, Clone, Copy)]
pub struct CountyPlan {
    pub code: &'static str,
    pub abbr: &'static str,
    pub departments: usize,
    pub branches: usize,
}

/// Urban districts and the larger counties get two departments (8 → 14);
/// branches follow population and the number of towns (sum 249).
pub const COUNTY_PLANS: [CountyPlan; 8] = [
    CountyPlan {
        code: "420302",
        abbr: "MJ",
        departments: 2,
        branches: 28,
    },
    CountyPlan {
        code: "420303",
        abbr: "ZW",
        departments: 2,
        branches: 30,
    },
    CountyPlan {
        code: "420304",
        abbr: "YY",
        departments: 2,
        branches: 36,
    },
    CountyPlan {
        code: "420322",
        abbr: "YX",
        departments: 1,
        branches: 30,
    },
    CountyPlan {
        code: "420323",
        abbr: "ZS",
        departments: 2,
        branches: 30,
    },
    CountyPlan {
        code: "420324",
        abbr: "ZX",
        departments: 1,
        branches: 25,
    },
    CountyPlan {
        code: "420325",
        abbr: "FX",
        departments: 2,
        branches: 33,
    },
    CountyPlan {
        code: "420381",
        abbr: "DJK",
        departments: 2,
        branches: 37,
    },
];

/// The two city districts whose streets form the city core.
pub const CITY_DISTRICTS: [&str; 2] = ["420302", "420303"];

/// What kind of place a town (乡镇街道) is; decides which cells it gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TownClass {
    /// A street of the city districts 茅箭/张湾.
    CityCore,
    /// The seat of a county (城关镇, the streets of 丹江口).
    Seat,
    /// A development zone or industrial park.
    Zone,
    /// An ordinary town or township.
    Town,
    /// A forest farm or forest district.
    Forest,
}

impl TownClass {
    pub fn of(county_code: &str, town_name: &str) -> TownClass {
        let has = |s: &str| town_name.contains(s);
        if has("开发区") || has("工业") || has("开发管理处") {
            TownClass::Zone
        } else if has("林场") || has("林区") || has("林业") || has("特场") {
            TownClass::Forest
        } else if has("街道") {
            if CITY_DISTRICTS.contains(&county_code) {
                TownClass::CityCore
            } else {
                TownClass::Seat
            }
        } else if town_name == "城关镇" {
            TownClass::Seat
        } else {
            TownClass::Town
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// Built-up places: their cells are small and named after streets.
    pub fn is_urban(self) -> bool {
        matches!(
            self,
            TownClass::CityCore | TownClass::Seat | TownClass::Zone
        )
    }
}

/// Where cells of a type are placed.
#[derive(Debug, Clone, Copy)]
pub enum Placement {
    /// One cell per real village (type 乡村), big villages split in two.
    Villages,
    /// Spread over the real communities, weighted by [`COMMUNITY_WEIGHTS`];
    /// `first` marks the type whose first cell of each community bears its name.
    Communities { first: bool },
    /// Spread over towns, weighted per [`TownClass`] (index order of the enum).
    Towns([f64; 5]),
}

/// Community cells per community by the class of its town.
pub const COMMUNITY_WEIGHTS: [f64; 5] = [16.0, 12.0, 8.0, 3.0, 2.0];

/// One row per default type code: its share within its category, where it is
/// placed, and its urban rank (0 = the heart of a town; larger = farther out).
#[derive(Debug, Clone, Copy)]
pub struct TypeProfile {
    pub code: u8,
    pub share: f64,
    pub placement: Placement,
    pub rank: u8,
}

const fn towns(code: u8, share: f64, w: [f64; 5], rank: u8) -> TypeProfile {
    TypeProfile {
        code,
        share,
        placement: Placement::Towns(w),
        rank,
    }
}

/// Weights per class in the order CityCore, Seat, Zone, Town, Forest.
pub const TYPE_PROFILES: [TypeProfile; 20] = [
    towns(1, 130.0, [6.0, 5.0, 2.0, 2.0, 1.0], 2), // 党政军
    towns(2, 95.0, [8.0, 5.0, 1.0, 1.0, 0.0], 1),  // 金融
    towns(3, 80.0, [6.0, 3.0, 10.0, 0.3, 0.2], 15), // 大型企业
    towns(4, 520.0, [8.0, 5.0, 8.0, 1.0, 0.2], 11), // 中小企业
    towns(5, 90.0, [8.0, 5.0, 1.0, 0.5, 0.5], 3),  // 酒店
    towns(6, 62.0, [1.0, 2.0, 0.0, 2.0, 3.0], 17), // 旅游
    towns(7, 170.0, [6.0, 5.0, 1.0, 3.0, 0.5], 8), // 学校
    towns(8, 115.0, [6.0, 4.0, 1.0, 2.0, 0.5], 7), // 医院
    towns(9, 140.0, [8.0, 5.0, 2.0, 1.0, 0.0], 6), // 网吧
    towns(10, 45.0, [2.0, 2.0, 12.0, 0.3, 0.0], 16), // 产业园区
    towns(11, 160.0, [12.0, 4.0, 3.0, 0.0, 0.0], 0), // 商务楼宇
    towns(12, 96.0, [6.0, 5.0, 2.0, 1.0, 0.0], 4), // 专业市场
    towns(13, 900.0, [14.0, 10.0, 2.0, 2.0, 0.2], 5), // 临街店铺
    towns(14, 70.0, [2.0, 2.0, 2.0, 1.0, 1.0], 14), // 其他
    TypeProfile {
        code: 15,
        share: 1_500.0,
        placement: Placement::Communities { first: true },
        rank: 10,
    },
    TypeProfile {
        code: 16,
        share: 558.0,
        placement: Placement::Communities { first: false },
        rank: 9,
    },
    towns(17, 381.0, [3.0, 4.0, 10.0, 1.0, 1.0], 19), // 空地: the edges
    towns(18, 85.0, [4.0, 4.0, 2.0, 1.0, 0.5], 13),   // 公共设施
    towns(19, 35.0, [5.0, 3.0, 1.0, 0.3, 0.5], 12),   // 公园
    TypeProfile {
        code: 20,
        share: 1_951.0,
        placement: Placement::Villages,
        rank: 18,
    },
];

/// The profile of a type code; a type an operator added gets a neutral one.
pub fn profile(code: u8) -> TypeProfile {
    TYPE_PROFILES
        .iter()
        .find(|p| p.code == code)
        .map_or_else(|| towns(code, 1.0, [1.0; 5], 14), |p| *p)
}

/// Extra weight for a type in a particular town (the tourist towns).
pub fn town_boost(code: u8, town_code: &str) -> f64 {
    match (code, town_code) {
        (6, "420381450") => 8.0, // 武当山特区
        (5, "420381450") => 4.0,
        // Towns with a famous sight get its cell (and some more).
        (6, town) if !crate::names::town_specials(town, 6).is_empty() => 3.0,
        _ => 1.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_add_up_to_the_field_figures() {
        assert_eq!(
            COUNTY_PLANS.iter().map(|p| p.departments).sum::<usize>(),
            LEVEL1_GRIDS
        );
        assert_eq!(
            COUNTY_PLANS.iter().map(|p| p.branches).sum::<usize>(),
            LEVEL2_GRIDS
        );
        assert_eq!(CATEGORY_CELLS.iter().map(|c| c.1).sum::<usize>(), CELLS);
    }

    #[test]
    fn towns_are_classified() {
        assert_eq!(TownClass::of("420302", "五堰街道"), TownClass::CityCore);
        assert_eq!(
            TownClass::of("420302", "白浪开发区白浪街道"),
            TownClass::Zone
        );
        assert_eq!(TownClass::of("420381", "均州路街道"), TownClass::Seat);
        assert_eq!(TownClass::of("420322", "城关镇"), TownClass::Seat);
        assert_eq!(TownClass::of("420322", "三官洞林区"), TownClass::Forest);
        assert_eq!(TownClass::of("420322", "土门镇"), TownClass::Town);
    }
}
