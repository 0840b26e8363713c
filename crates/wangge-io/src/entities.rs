//! Table rows → customers, resources, buildings, opportunities and outlets.
//!
//! Column names may be English or Chinese (客户编码, 装机地址, 经度...). A row
//! with a bad value (text in a number field, an unknown kind, a lon without a
//! lat) is rejected with its row number and the reason; the others load.

use wangge_geocode::crs::{to_wgs84, Crs};
use wangge_model::{CustomerClass, GridCode, ResourceKind};
use wangge_model::{NewBuilding, NewCustomer, NewOpportunity, NewOutlet, NewResource};

use crate::table::{RowError, Table};
use crate::IoError;

/// The rows that became records, and the rows that did not.
#[derive(Debug, Clone)]
pub struct Rows<T> {
    pub records: Vec<T>,
    pub errors: Vec<RowError>,
}

const CODE: &[&str] = &["code", "id", "编码", "编号"];
const NAME: &[&str] = &["name", "名称"];
const ADDRESS: &[&str] = &["address", "install_address", "装机地址", "安装地址", "地址"];
const LON: &[&str] = &["lon", "lng", "longitude", "x", "经度"];
const LAT: &[&str] = &["lat", "latitude", "y", "纬度"];

/// Column positions resolved once per file.
struct Columns<'t> {
    table: &'t Table,
}

impl Columns<'_> {
    fn required(&self, names: &[&str]) -> Result<usize, IoError> {
        self.table
            .column(names)
            .ok_or_else(|| IoError::MissingColumn {
                missing: names[0].to_owned(),
                found: crate::shown_columns(&self.table.header),
                example: names.last().copied().unwrap_or_default().to_owned(),
            })
    }

    fn optional(&self, names: &[&str]) -> Option<usize> {
        self.table.column(names)
    }
}

/// One row's fields with typed accessors whose errors name the column.
struct Row<'r> {
    header: &'r [String],
    fields: &'r [String],
}

impl Row<'_> {
    fn text(&self, column: Option<usize>) -> Option<String> {
        column
            .and_then(|c| self.fields.get(c))
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    }

    fn number(&self, column: Option<usize>) -> Result<Option<f64>, String> {
        match (column, self.text(column)) {
            (Some(c), Some(t)) => t
                .replace(',', "")
                .parse::<f64>()
                .map(Some)
                .map_err(|_| format!("column {:?}: {t:?} is not a number", self.header[c])),
            _ => Ok(None),
        }
    }

    /// A number that must be finite (a spend, a value): "NaN" or "inf" is
    /// the row's fault, rejected with it, not the whole file's.
    fn amount(&self, column: Option<usize>) -> Result<Option<f64>, String> {
        match self.number(column)? {
            Some(n) if !n.is_finite() => Err(format!(
                "column {:?}: {n} is not an amount (a finite number is expected)",
                self.header[column.unwrap_or_default()]
            )),
            n => Ok(n),
        }
    }

    fn integer(&self, column: Option<usize>) -> Result<Option<i64>, String> {
        match self.number(column)? {
            Some(n) if n.fract() == 0.0 && n.abs() < 9e15 => Ok(Some(n as i64)),
            Some(n) => Err(format!(
                "column {:?}: {n} is not a whole number",
                self.header[column.unwrap_or_default()]
            )),
            None => Ok(None),
        }
    }

    fn flag(&self, column: Option<usize>) -> Result<bool, String> {
        match self.text(column) {
            None => Ok(false),
            Some(t) => match t.to_lowercase().as_str() {
                "1" | "true" | "yes" | "y" | "是" | "t" => Ok(true),
                "0" | "false" | "no" | "n" | "否" | "f" => Ok(false),
                _ => Err(format!(
                    "column {:?}: {t:?} is not yes/no (use 1/0, true/false or 是/否)",
                    self.header[column.unwrap_or_default()]
                )),
            },
        }
    }

    fn parsed<T: std::str::FromStr>(&self, column: Option<usize>) -> Result<Option<T>, String>
    where
        T::Err: std::fmt::Display,
    {
        self.text(column)
            .map(|t| {
                t.parse::<T>().map_err(|e| {
                    format!("column {:?}: {e}", self.header[column.unwrap_or_default()])
                })
            })
            .transpose()
    }

    /// lon/lat in WGS-84: both or neither; converted from `crs` when finite.
    fn lon_lat(
        &self,
        lon: Option<usize>,
        lat: Option<usize>,
        crs: Crs,
    ) -> Result<(Option<f64>, Option<f64>), String> {
        match (self.number(lon)?, self.number(lat)?) {
            (None, None) => Ok((None, None)),
            (Some(x), Some(y)) if x.is_finite() && y.is_finite() => {
                let (x, y) = to_wgs84(crs, x, y);
                Ok((Some(x), Some(y)))
            }
            // NaN or infinite: kept, so placement reports invalid coordinates.
            (Some(x), Some(y)) => Ok((Some(x), Some(y))),
            (Some(_), None) => Err("has a longitude but no latitude".into()),
            (None, Some(_)) => Err("has a latitude but no longitude".into()),
        }
    }
}

fn map_rows<T>(table: &Table, mut build: impl FnMut(&Row<'_>) -> Result<T, String>) -> Rows<T> {
    let mut records = Vec::with_capacity(table.rows.len());
    let mut errors = table.errors.clone();
    for (row_no, fields) in &table.rows {
        let row = Row {
            header: &table.header,
            fields,
        };
        match build(&row) {
            Ok(record) => records.push(record),
            Err(message) => errors.push(RowError {
                row: *row_no,
                message,
                fields: fields.clone(),
            }),
        }
    }
    errors.sort_by_key(|e| e.row);
    Rows { records, errors }
}

fn code_of(row: &Row<'_>, column: usize) -> Result<String, String> {
    row.text(Some(column))
        .ok_or_else(|| format!("column {:?} is empty", row.header[column]))
}

pub fn read_customers(table: &Table, crs: Crs) -> Result<Rows<NewCustomer>, IoError> {
    let c = Columns { table };
    let code = c.required(
        &[
            CODE,
            &[
                "customer_id",
                "客户编码",
                "客户编号",
                "用户编码",
                "产品编码",
            ],
        ]
        .concat(),
    )?;
    let name = c.optional(&[NAME, &["客户名称", "用户名称"]].concat());
    let segment = c.optional(&["segment", "细分市场", "客户类型", "市场"]);
    let product = c.optional(&["product_type", "product", "产品类型", "产品"]);
    let address = c.optional(ADDRESS);
    let (lon, lat) = (c.optional(LON), c.optional(LAT));
    let spend = c.optional(&[
        "monthly_spend_yuan",
        "monthly_spend",
        "spend",
        "arpu",
        "月消费",
        "月均消费",
    ]);
    let staff = c.optional(&["staff_count", "staff", "employees", "员工数", "人数"]);
    let class = c.optional(&["class", "customer_class", "客户等级", "等级"]);
    let other = c.optional(&["other_operator", "competitor", "他网", "他网客户", "异网"]);
    Ok(map_rows(table, |r| {
        let code = code_of(r, code)?;
        let (lon, lat) = r.lon_lat(lon, lat, crs)?;
        Ok(NewCustomer {
            name: r.text(name).unwrap_or_else(|| code.clone()),
            code,
            segment: r.text(segment),
            product_type: r.text(product),
            address: r.text(address),
            lon,
            lat,
            monthly_spend_yuan: r.amount(spend)?,
            staff_count: r.integer(staff)?,
            class: r.parsed::<CustomerClass>(class)?,
            other_operator: r.flag(other)?,
        })
    }))
}

pub fn read_resources(table: &Table, crs: Crs) -> Result<Rows<NewResource>, IoError> {
    let c = Columns { table };
    let code = c.required(&[CODE, &["resource_id", "资源编码", "设备编码"]].concat())?;
    let kind = c.required(&["kind", "type", "资源类型", "设备类型", "类型"])?;
    let name = c.optional(&[NAME, &["资源名称", "设备名称"]].concat());
    let capacity = c.optional(&["capacity_ports", "capacity", "容量", "端口数"]);
    let used = c.optional(&["ports_in_use", "used", "在用端口", "占用端口"]);
    let parent = c.optional(&["parent", "parent_code", "上联", "上级资源", "所属交接箱"]);
    let address = c.optional(ADDRESS);
    let (lon, lat) = (c.optional(LON), c.optional(LAT));
    Ok(map_rows(table, |r| {
        let code = code_of(r, code)?;
        let kind = r
            .parsed::<ResourceKind>(Some(kind))?
            .ok_or_else(|| format!("column {:?} is empty", r.header[kind]))?;
        let (capacity, used) = (r.integer(capacity)?, r.integer(used)?);
        if let (Some(cap), Some(u)) = (capacity, used) {
            if u > cap {
                return Err(format!("uses {u} ports of a capacity of {cap}"));
            }
        }
        let (lon, lat) = r.lon_lat(lon, lat, crs)?;
        Ok(NewResource {
            name: r.text(name).unwrap_or_else(|| code.clone()),
            code,
            kind,
            capacity_ports: capacity,
            ports_in_use: used,
            parent: r.text(parent),
            address: r.text(address),
            lon,
            lat,
        })
    }))
}

pub fn read_buildings(table: &Table, crs: Crs) -> Result<Rows<NewBuilding>, IoError> {
    let c = Columns { table };
    let code = c.required(&[CODE, &["楼宇编码"]].concat())?;
    let name = c.optional(&[NAME, &["楼宇名称"]].concat());
    let address = c.optional(ADDRESS);
    let developer = c.optional(&["developer", "开发商"]);
    let manager = c.optional(&["property_manager", "物业", "物业公司"]);
    let contacts = c.optional(&["contacts", "contacts_json", "联系人"]);
    let (lon, lat) = (c.optional(LON), c.optional(LAT));
    Ok(map_rows(table, |r| {
        let code = code_of(r, code)?;
        let (lon, lat) = r.lon_lat(lon, lat, crs)?;
        Ok(NewBuilding {
            name: r.text(name).unwrap_or_else(|| code.clone()),
            code,
            address: r.text(address),
            lon,
            lat,
            developer: r.text(developer),
            property_manager: r.text(manager),
            contacts_json: r.text(contacts),
        })
    }))
}

pub fn read_opportunities(table: &Table, crs: Crs) -> Result<Rows<NewOpportunity>, IoError> {
    let c = Columns { table };
    let code = c.required(&[CODE, &["商机编码"]].concat())?;
    let title = c.optional(&["title", "name", "商机", "商机名称", "名称"]);
    let building = c.optional(&["building", "building_code", "楼宇", "楼宇编码"]);
    let customer = c.optional(&["customer", "customer_code", "客户编码"]);
    let stage = c.optional(&["stage", "阶段"]);
    let value = c.optional(&["value_yuan", "value", "金额", "预计金额"]);
    let (lon, lat) = (c.optional(LON), c.optional(LAT));
    Ok(map_rows(table, |r| {
        let code = code_of(r, code)?;
        let (lon, lat) = r.lon_lat(lon, lat, crs)?;
        Ok(NewOpportunity {
            title: r.text(title).unwrap_or_else(|| code.clone()),
            code,
            building: r.text(building),
            customer: r.text(customer),
            stage: r.text(stage),
            value_yuan: r.amount(value)?,
            lon,
            lat,
        })
    }))
}

/// Outlets need coordinates; `supports` lists level-3 grid codes separated by `;`, `|` or spaces.
pub fn read_outlets(table: &Table, crs: Crs) -> Result<Rows<NewOutlet>, IoError> {
    let c = Columns { table };
    let code = c.required(&[CODE, &["营业厅编码", "网点编码"]].concat())?;
    let name = c.optional(&[NAME, &["营业厅名称", "网点名称"]].concat());
    let address = c.optional(ADDRESS);
    let supports = c.optional(&["supports", "grids", "支撑网格", "网格"]);
    let (lon, lat) = (c.required(LON)?, c.required(LAT)?);
    Ok(map_rows(table, |r| {
        let code = code_of(r, code)?;
        let (Some(lon), Some(lat)) = r.lon_lat(Some(lon), Some(lat), crs)? else {
            return Err("an outlet needs coordinates".into());
        };
        if !(lon.is_finite() && lat.is_finite() && lon.abs() <= 180.0 && lat.abs() <= 90.0) {
            return Err(format!(
                "coordinates ({lon}, {lat}) are not a place on Earth"
            ));
        }
        let supports = r
            .text(supports)
            .unwrap_or_default()
            .split([';', '|', ' ', '；'])
            .filter(|s| !s.is_empty())
            .map(|s| s.parse::<GridCode>().map_err(|e| format!("supports: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(NewOutlet {
            name: r.text(name).unwrap_or_else(|| code.clone()),
            code,
            lon,
            lat,
            address: r.text(address),
            supports,
        })
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::read_csv;

    #[test]
    fn customers_with_chinese_headers_and_bad_rows() {
        let csv = "客户编码,客户名称,装机地址,经度,纬度,月消费,员工数,客户等级,他网\n\
                   C1,十堰一中,茅箭区北京路12号,110.79,32.63,1200,80,A,否\n\
                   C2,无坐标,张湾区车城路,,,,,,\n\
                   C3,坏数字,x,abc,32.6,,,,\n\
                   C4,坏等级,x,110.7,32.6,,,Z,\n\
                   C5,半个坐标,x,110.7,,,,,\n\
                   ,没编码,x,,,,,,\n\
                   C7,他网,x,NaN,NaN,,,,是\n";
        let table = read_csv(csv.as_bytes(), None).unwrap();
        let rows = read_customers(&table, Crs::Wgs84).unwrap();
        let codes: Vec<&str> = rows.records.iter().map(|c| c.code.as_str()).collect();
        assert_eq!(codes, ["C1", "C2", "C7"]);
        assert_eq!(rows.records[0].class, Some(CustomerClass::A));
        assert_eq!(rows.records[0].staff_count, Some(80));
        assert!(rows.records[2].other_operator && rows.records[2].lon.unwrap().is_nan());
        let errors: Vec<String> = rows.errors.iter().map(ToString::to_string).collect();
        assert_eq!(errors.len(), 4, "{errors:#?}");
        assert!(
            errors[0].starts_with("row 4:")
                && errors[0].contains("经度")
                && errors[0].contains("abc")
        );
        assert!(errors[1].starts_with("row 5:") && errors[1].contains('Z'));
        assert!(errors[2].contains("no latitude"));
        assert!(errors[3].starts_with("row 7:") && errors[3].contains("empty"));
    }

    #[test]
    fn a_non_finite_amount_rejects_its_row_only() {
        let csv = "code,monthly_spend_yuan\nC1,12.5\nC2,NaN\nC3,inf\nC4,-3\n";
        let table = read_csv(csv.as_bytes(), None).unwrap();
        let rows = read_customers(&table, Crs::Wgs84).unwrap();
        let codes: Vec<&str> = rows.records.iter().map(|c| c.code.as_str()).collect();
        assert_eq!(codes, ["C1", "C4"]);
        assert_eq!(rows.records[1].monthly_spend_yuan, Some(-3.0));
        let rejected: Vec<usize> = rows.errors.iter().map(|e| e.row).collect();
        assert_eq!(rejected, [3, 4]);
        assert!(
            rows.errors[0].message.contains("monthly_spend_yuan"),
            "{}",
            rows.errors[0]
        );
    }

    #[test]
    fn missing_code_column_names_what_was_found() {
        let table = read_csv(b"name,lon,lat\na,1,2\n", None).unwrap();
        let err = read_customers(&table, Crs::Wgs84).unwrap_err().to_string();
        assert!(
            err.contains("code") && err.contains("name, lon, lat"),
            "{err}"
        );
    }

    #[test]
    fn crs_converts_to_wgs84() {
        let table = read_csv(
            b"code,lon,lat\nA,121.531541859215,31.17530398364597\n",
            None,
        )
        .unwrap();
        let rows = read_customers(&table, Crs::Gcj02).unwrap();
        let c = &rows.records[0];
        assert!(
            (c.lon.unwrap() - 121.527_210_6).abs() < 1e-8
                && (c.lat.unwrap() - 31.177_427_6).abs() < 1e-8
        );
    }

    #[test]
    fn resources_kinds_parents_and_ports() {
        let csv = "code,kind,parent,capacity,used,lon,lat\n\
                   K1,交接箱,,300,120,110.8,32.6\n\
                   B1,distribution_box,K1,10,4,,\n\
                   B2,castle,K1,,,,\n\
                   B3,分线盒,K1,10,12,,\n";
        let table = read_csv(csv.as_bytes(), None).unwrap();
        let rows = read_resources(&table, Crs::Wgs84).unwrap();
        assert_eq!(rows.records.len(), 2);
        assert_eq!(rows.records[1].parent.as_deref(), Some("K1"));
        assert_eq!(rows.records[0].kind, ResourceKind::Cabinet);
        assert!(rows.errors[0].message.contains("castle"));
        assert!(rows.errors[1].message.contains("12 ports"));
    }

    #[test]
    fn outlets_need_coordinates_and_list_grids() {
        let csv = "code,name,lon,lat,supports\nO1,北京路营业厅,110.79,32.63,SY-MJ01-01-001;SY-MJ01-01-002\nO2,无坐标,,,\n";
        let table = read_csv(csv.as_bytes(), None).unwrap();
        let rows = read_outlets(&table, Crs::Wgs84).unwrap();
        assert_eq!(rows.records[0].supports.len(), 2);
        assert_eq!(rows.errors.len(), 1);
    }
}
