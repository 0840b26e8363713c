//! A small Mapbox Vector Tile (v2.1) writer: the protobuf wire format by
//! hand (varints, length-delimited fields), the geometry command stream,
//! and per-layer key/value tables. Only what the map needs: points and
//! polygons with string, integer, float and boolean properties.

use std::collections::HashMap;

/// Tile coordinates span `0..EXTENT` on each axis (y down).
pub const EXTENT: u32 = 4096;

const CMD_MOVE_TO: u32 = 1;
const CMD_LINE_TO: u32 = 2;
const CMD_CLOSE_PATH: u32 = 7;

/// A feature property value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(String),
    Int(i64),
    Double(f64),
    Bool(bool),
}

/// Hashable form of a number [`Value`] for the layer's value table
/// (strings have their own table, looked up by `&str`).
#[derive(Hash, PartialEq, Eq)]
enum NumberKey {
    Int(i64),
    Double(u64),
    Bool(bool),
}

/// A polygon in tile units: rings with the exterior first, already
/// clipped, quantised and oriented (exterior clockwise on screen).
pub type Ring = Vec<[i32; 2]>;

/// One layer being written.
pub struct LayerWriter {
    name: String,
    keys: Vec<String>,
    key_index: HashMap<String, u32>,
    values: Vec<Value>,
    string_index: HashMap<String, u32>,
    number_index: HashMap<NumberKey, u32>,
    /// Encoded `Feature` messages, each already wrapped as field 2.
    features: Vec<u8>,
    feature_count: usize,
}

impl LayerWriter {
    pub fn new(name: &str) -> Self {
        LayerWriter {
            name: name.to_owned(),
            keys: Vec::new(),
            key_index: HashMap::new(),
            values: Vec::new(),
            string_index: HashMap::new(),
            number_index: HashMap::new(),
            features: Vec::new(),
            feature_count: 0,
        }
    }

    pub fn feature_count(&self) -> usize {
        self.feature_count
    }

    fn tags(&mut self, properties: Vec<(&str, Value)>) -> Vec<u32> {
        let mut tags = Vec::with_capacity(properties.len() * 2);
        for (key, value) in properties {
            let k = if let Some(&k) = self.key_index.get(key) {
                k
            } else {
                let k = self.keys.len() as u32;
                self.keys.push(key.to_owned());
                self.key_index.insert(key.to_owned(), k);
                k
            };
            let next = self.values.len() as u32;
            let v = match &value {
                Value::Str(s) => {
                    if let Some(&v) = self.string_index.get(s.as_str()) {
                        v
                    } else {
                        self.string_index.insert(s.clone(), next);
                        next
                    }
                }
                Value::Int(i) => *self.number_index.entry(NumberKey::Int(*i)).or_insert(next),
                Value::Double(d) => *self
                    .number_index
                    .entry(NumberKey::Double(d.to_bits()))
                    .or_insert(next),
                Value::Bool(b) => *self.number_index.entry(NumberKey::Bool(*b)).or_insert(next),
            };
            if v == next {
                self.values.push(value);
            }
            tags.push(k);
            tags.push(v);
        }
        tags
    }

    /// Adds a polygon feature (several polygons make a multipolygon).
    /// Polygons with no ring are skipped; nothing is written if none is left.
    pub fn add_polygons(
        &mut self,
        id: Option<u64>,
        properties: Vec<(&str, Value)>,
        polygons: &[Vec<Ring>],
    ) {
        let mut geometry = Vec::new();
        let mut cursor = [0i32; 2];
        for ring in polygons.iter().flatten() {
            if ring.len() < 3 {
                continue;
            }
            geometry.push(command(CMD_MOVE_TO, 1));
            push_point(&mut geometry, &mut cursor, ring[0]);
            geometry.push(command(CMD_LINE_TO, ring.len() as u32 - 1));
            for &p in &ring[1..] {
                push_point(&mut geometry, &mut cursor, p);
            }
            geometry.push(command(CMD_CLOSE_PATH, 1));
        }
        if geometry.is_empty() {
            return;
        }
        self.add_feature(id, properties, 3, &geometry);
    }

    /// Adds a point feature.
    pub fn add_point(&mut self, id: Option<u64>, properties: Vec<(&str, Value)>, point: [i32; 2]) {
        let mut geometry = vec![command(CMD_MOVE_TO, 1)];
        push_point(&mut geometry, &mut [0, 0], point);
        self.add_feature(id, properties, 1, &geometry);
    }

    fn add_feature(
        &mut self,
        id: Option<u64>,
        properties: Vec<(&str, Value)>,
        kind: u64,
        geometry: &[u32],
    ) {
        let tags = self.tags(properties);
        let mut feature = Vec::with_capacity(geometry.len() * 2 + tags.len() + 8);
        if let Some(id) = id {
            put_varint_field(&mut feature, 1, id);
        }
        put_packed(&mut feature, 2, &tags);
        put_varint_field(&mut feature, 3, kind);
        put_packed(&mut feature, 4, geometry);
        put_bytes_field(&mut self.features, 2, &feature);
        self.feature_count += 1;
    }

    /// The encoded `Layer` message, wrapped as field 3 of `Tile`, appended
    /// to `tile`. An empty layer writes nothing.
    pub fn finish_into(self, tile: &mut Vec<u8>) {
        if self.feature_count == 0 {
            return;
        }
        let mut layer = Vec::with_capacity(self.features.len() + 256);
        put_varint_field(&mut layer, 15, 2);
        put_bytes_field(&mut layer, 1, self.name.as_bytes());
        layer.extend_from_slice(&self.features);
        for key in &self.keys {
            put_bytes_field(&mut layer, 3, key.as_bytes());
        }
        for value in &self.values {
            let mut v = Vec::new();
            match value {
                Value::Str(s) => put_bytes_field(&mut v, 1, s.as_bytes()),
                Value::Double(d) => {
                    put_varint(&mut v, (3 << 3) | 1);
                    v.extend_from_slice(&d.to_le_bytes());
                }
                Value::Int(i) => put_varint_field(&mut v, 6, zigzag64(*i)),
                Value::Bool(b) => put_varint_field(&mut v, 7, u64::from(*b)),
            }
            put_bytes_field(&mut layer, 4, &v);
        }
        put_varint_field(&mut layer, 5, u64::from(EXTENT));
        put_bytes_field(tile, 3, &layer);
    }
}

fn command(id: u32, count: u32) -> u32 {
    (id & 7) | (count << 3)
}

fn push_point(geometry: &mut Vec<u32>, cursor: &mut [i32; 2], p: [i32; 2]) {
    geometry.push(zigzag32(p[0] - cursor[0]));
    geometry.push(zigzag32(p[1] - cursor[1]));
    *cursor = p;
}

fn zigzag32(n: i32) -> u32 {
    ((n << 1) ^ (n >> 31)) as u32
}

fn zigzag64(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)) as u64
}

fn put_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn put_varint_field(out: &mut Vec<u8>, field: u64, n: u64) {
    put_varint(out, field << 3);
    put_varint(out, n);
}

fn put_bytes_field(out: &mut Vec<u8>, field: u64, bytes: &[u8]) {
    put_varint(out, (field << 3) | 2);
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn put_packed(out: &mut Vec<u8>, field: u64, values: &[u32]) {
    let mut body = Vec::with_capacity(values.len() * 2);
    for &v in values {
        put_varint(&mut body, u64::from(v));
    }
    put_bytes_field(out, field, &body);
}

/// A reader of the tiles written above, for tests: layers with their
/// features' ids, properties and decoded geometry.
#[cfg(test)]
pub mod decode {
    use super::Value;

    #[derive(Debug, Default)]
    pub struct Layer {
        pub name: String,
        pub extent: u32,
        pub features: Vec<Feature>,
    }

    #[derive(Debug, Default)]
    pub struct Feature {
        pub id: Option<u64>,
        pub kind: u64,
        pub properties: Vec<(String, Value)>,
        /// Rings (polygons) or single points, absolute tile coordinates.
        pub parts: Vec<Vec<[i32; 2]>>,
    }

    impl Feature {
        pub fn prop(&self, key: &str) -> Option<&Value> {
            self.properties
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v)
        }
    }

    struct Reader<'a> {
        buf: &'a [u8],
        at: usize,
    }

    impl<'a> Reader<'a> {
        fn done(&self) -> bool {
            self.at >= self.buf.len()
        }
        fn varint(&mut self) -> u64 {
            let mut n = 0u64;
            let mut shift = 0;
            loop {
                let b = self.buf[self.at];
                self.at += 1;
                n |= u64::from(b & 0x7f) << shift;
                if b < 0x80 {
                    return n;
                }
                shift += 7;
            }
        }
        fn bytes(&mut self) -> &'a [u8] {
            let len = self.varint() as usize;
            let out = &self.buf[self.at..self.at + len];
            self.at += len;
            out
        }
        fn packed(&mut self) -> Vec<u32> {
            let mut r = Reader {
                buf: self.bytes(),
                at: 0,
            };
            let mut out = Vec::new();
            while !r.done() {
                out.push(r.varint() as u32);
            }
            out
        }
    }

    fn unzig(n: u32) -> i32 {
        ((n >> 1) as i32) ^ -((n & 1) as i32)
    }

    pub fn tile(buf: &[u8]) -> Vec<Layer> {
        let mut r = Reader { buf, at: 0 };
        let mut layers = Vec::new();
        while !r.done() {
            let tag = r.varint();
            assert_eq!(tag, (3 << 3) | 2, "Tile has only layers");
            layers.push(layer(r.bytes()));
        }
        layers
    }

    fn layer(buf: &[u8]) -> Layer {
        let mut r = Reader { buf, at: 0 };
        let mut out = Layer::default();
        let mut raw = Vec::new();
        let mut keys = Vec::new();
        let mut values = Vec::new();
        while !r.done() {
            let tag = r.varint();
            match tag >> 3 {
                1 => out.name = String::from_utf8(r.bytes().to_vec()).unwrap(),
                2 => raw.push(r.bytes()),
                3 => keys.push(String::from_utf8(r.bytes().to_vec()).unwrap()),
                4 => values.push(value(r.bytes())),
                5 => out.extent = r.varint() as u32,
                15 => assert_eq!(r.varint(), 2, "version 2"),
                f => panic!("unexpected layer field {f}"),
            }
        }
        out.features = raw
            .into_iter()
            .map(|f| feature(f, &keys, &values))
            .collect();
        out
    }

    fn value(buf: &[u8]) -> Value {
        let mut r = Reader { buf, at: 0 };
        let tag = r.varint();
        match tag {
            0x0a => Value::Str(String::from_utf8(r.bytes().to_vec()).unwrap()),
            0x19 => Value::Double(f64::from_le_bytes(buf[1..9].try_into().unwrap())),
            0x30 => {
                let n = r.varint();
                Value::Int(((n >> 1) as i64) ^ -((n & 1) as i64))
            }
            0x38 => Value::Bool(r.varint() != 0),
            t => panic!("unexpected value tag {t}"),
        }
    }

    fn feature(buf: &[u8], keys: &[String], values: &[Value]) -> Feature {
        let mut r = Reader { buf, at: 0 };
        let mut out = Feature::default();
        while !r.done() {
            let tag = r.varint();
            match tag >> 3 {
                1 => out.id = Some(r.varint()),
                2 => {
                    let tags = r.packed();
                    for pair in tags.chunks(2) {
                        out.properties.push((
                            keys[pair[0] as usize].clone(),
                            values[pair[1] as usize].clone(),
                        ));
                    }
                }
                3 => out.kind = r.varint(),
                4 => {
                    let cmds = r.packed();
                    let mut i = 0;
                    let mut cur = [0i32; 2];
                    while i < cmds.len() {
                        let (id, count) = (cmds[i] & 7, cmds[i] >> 3);
                        i += 1;
                        match id {
                            1 | 2 => {
                                if id == 1 {
                                    out.parts.push(Vec::new());
                                }
                                for _ in 0..count {
                                    cur = [cur[0] + unzig(cmds[i]), cur[1] + unzig(cmds[i + 1])];
                                    i += 2;
                                    out.parts.last_mut().unwrap().push(cur);
                                }
                            }
                            7 => {}
                            c => panic!("unknown command {c}"),
                        }
                    }
                }
                f => panic!("unexpected feature field {f}"),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_polygon_and_a_point_read_back() {
        let mut layer = LayerWriter::new("cells");
        let square: Ring = vec![[10, 10], [100, 10], [100, 100], [10, 100]];
        layer.add_polygons(
            Some(7),
            vec![
                ("code", Value::Str("SY-1".into())),
                ("level", Value::Int(4)),
            ],
            &[vec![square.clone()]],
        );
        layer.add_point(
            None,
            vec![
                ("count", Value::Int(-3)),
                ("w", Value::Double(0.5)),
                ("thin", Value::Bool(true)),
            ],
            [4000, 5],
        );
        let mut tile = Vec::new();
        layer.finish_into(&mut tile);
        let layers = decode::tile(&tile);
        assert_eq!(layers.len(), 1);
        let l = &layers[0];
        assert_eq!(
            (l.name.as_str(), l.extent, l.features.len()),
            ("cells", 4096, 2)
        );
        assert_eq!(l.features[0].id, Some(7));
        assert_eq!(l.features[0].kind, 3);
        assert_eq!(l.features[0].parts, vec![square]);
        assert_eq!(l.features[0].prop("code"), Some(&Value::Str("SY-1".into())));
        assert_eq!(l.features[0].prop("level"), Some(&Value::Int(4)));
        assert_eq!(l.features[1].parts, vec![vec![[4000, 5]]]);
        assert_eq!(l.features[1].prop("count"), Some(&Value::Int(-3)));
        assert_eq!(l.features[1].prop("w"), Some(&Value::Double(0.5)));
        assert_eq!(l.features[1].prop("thin"), Some(&Value::Bool(true)));
    }

    #[test]
    fn an_empty_layer_writes_nothing() {
        let mut tile = Vec::new();
        LayerWriter::new("none").finish_into(&mut tile);
        assert!(tile.is_empty());
    }
}
