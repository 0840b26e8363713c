use serde::{Deserialize, Serialize};

use crate::{Category, CellTypeCode, ModelError};

/// One network-cell type (网元类型): its code, names, category and 政企 flag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellType {
    pub code: CellTypeCode,
    pub name_zh: String,
    pub name_en: String,
    /// Default category; an operator may change it (the table is data).
    pub category: Category,
    /// Government-and-enterprise (政企) type: claimed by 政企 managers.
    pub zhengqi: bool,
}

/// The table of cell types in force. The default comes from `cell_types.csv`
/// (DOMAIN.md); the store keeps the operator's edited copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellTypeCatalog {
    types: Vec<CellType>,
}

/// The default table shipped with wangge, as CSV so it reads as data.
pub const DEFAULT_CELL_TYPES_CSV: &str = include_str!("../cell_types.csv");

impl Default for CellTypeCatalog {
    fn default() -> Self {
        // The embedded table is checked by a unit test, so this cannot fail at run time.
        Self::from_csv(DEFAULT_CELL_TYPES_CSV)
            .unwrap_or_else(|e| panic!("built-in cell_types.csv: {e}"))
    }
}

impl CellTypeCatalog {
    pub fn new(mut types: Vec<CellType>) -> Self {
        types.sort_by_key(|t| t.code);
        CellTypeCatalog { types }
    }

    /// Reads a table with the columns `code,name_zh,name_en,category,zhengqi`.
    pub fn from_csv(text: &str) -> Result<Self, ModelError> {
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let mut types = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let row = i + 2; // 1-based, after the header
            let bad = |reason: String| ModelError::CellTypeTable { row, reason };
            let record = record.map_err(|e| bad(e.to_string()))?;
            let field = |n: usize| record.get(n).map(str::trim).unwrap_or_default();
            let zhengqi = match field(4).to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" | "是" => true,
                "false" | "no" | "0" | "否" | "" => false,
                other => return Err(bad(format!("zhengqi {other:?} is not true/false"))),
            };
            types.push(CellType {
                code: field(0)
                    .parse()
                    .map_err(|e: ModelError| bad(e.to_string()))?,
                name_zh: field(1).to_owned(),
                name_en: field(2).to_owned(),
                category: field(3)
                    .parse()
                    .map_err(|e: ModelError| bad(e.to_string()))?,
                zhengqi,
            });
        }
        Ok(Self::new(types))
    }

    pub fn types(&self) -> &[CellType] {
        &self.types
    }

    pub fn get(&self, code: CellTypeCode) -> Option<&CellType> {
        self.types.iter().find(|t| t.code == code)
    }

    /// Finds a type by code (`15`, also `15.0` or `5` as spreadsheets write it),
    /// Chinese name (`小区`) or English name (`residential compound`, any case).
    pub fn resolve(&self, text: &str) -> Result<&CellType, ModelError> {
        let t = text.trim();
        let by_number = t
            .parse::<f64>()
            .ok()
            .filter(|n| n.fract() == 0.0 && *n >= 1.0 && *n <= 99.0)
            .map(|n| n as u8);
        self.types
            .iter()
            .find(|ct| {
                by_number == Some(ct.code.number())
                    || ct.name_zh == t
                    || ct.name_en.eq_ignore_ascii_case(t)
            })
            .ok_or_else(|| ModelError::CellType {
                value: text.to_owned(),
            })
    }

    /// Changes the category of a type; returns false when the code is unknown.
    pub fn set_category(&mut self, code: CellTypeCode, category: Category) -> bool {
        match self.types.iter_mut().find(|t| t.code == code) {
            Some(t) => {
                t.category = category;
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_table_has_the_twenty_types_of_the_domain() {
        let catalog = CellTypeCatalog::default();
        assert_eq!(catalog.types().len(), 20);
        let zhengqi = catalog.types().iter().filter(|t| t.zhengqi).count();
        assert_eq!(zhengqi, 13);
        for category in Category::ALL {
            assert!(
                catalog.types().iter().any(|t| t.category == category),
                "{category}"
            );
        }
    }

    #[test]
    fn resolves_codes_chinese_and_english_names() {
        let c = CellTypeCatalog::default();
        assert_eq!(c.resolve("15").unwrap().name_zh, "小区");
        assert_eq!(c.resolve("15.0").unwrap().name_zh, "小区");
        assert_eq!(c.resolve("小区").unwrap().code.to_string(), "15");
        assert_eq!(
            c.resolve("Residential Compound").unwrap().code.to_string(),
            "15"
        );
        assert_eq!(c.resolve(" 乡村 ").unwrap().category, Category::Rural);
        let err = c.resolve("城堡").unwrap_err();
        assert!(err.to_string().contains("城堡"));
        assert!(c.resolve("21").is_err());
    }

    #[test]
    fn mapping_is_data() {
        let mut c = CellTypeCatalog::default();
        let code: CellTypeCode = "14".parse().unwrap();
        assert!(c.set_category(code, Category::Cluster));
        assert_eq!(c.get(code).unwrap().category, Category::Cluster);
        let edited = "code,name_zh,name_en,category,zhengqi\n01,党政军,gov,cluster,yes\n";
        let c = CellTypeCatalog::from_csv(edited).unwrap();
        assert_eq!(c.types()[0].category, Category::Cluster);
        let broken = "code,name_zh,name_en,category,zhengqi\n01,党政军,gov,castle,yes\n";
        let err = CellTypeCatalog::from_csv(broken).unwrap_err().to_string();
        assert!(err.contains("row 2") && err.contains("castle"), "{err}");
    }
}
