//! The vector tile path of `GET /tiles/{layer}/{z}/{x}/{y}.mvt`: polygons and points in lon/lat (near the tile or
//! anywhere, non-finite included) projected, clipped and quantised into the
//! frame, plus rings already in tile units, written by the MVT encoder. No
//! panic; the tile reads back as well-formed protobuf with the layers,
//! features, properties and rings that went in, every clipped vertex inside
//! the tile and its buffer.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

/// The server's own encoder and clipping, compiled from their source files:
/// both are plain Rust over `std` and `geo`, and depending on the server
/// crate would build all of it (axum, h3o, ...) with the fuzzing flags.
#[allow(dead_code)]
#[path = "../../crates/wangge-server/src/tiles"]
mod tiles {
    pub mod clip;
    pub mod mvt;
}

use tiles::clip::{world, world_polygons, Frame, BUFFER};
use tiles::mvt::{LayerWriter, Ring, Value, EXTENT};

/// `wangge_server::tiles::MAX_ZOOM`, the deepest zoom the tile address accepts.
const MAX_ZOOM: u8 = 20;

#[derive(Arbitrary, Debug)]
struct Input {
    zxy: (u8, u32, u32),
    features: Vec<Feature>,
}

#[derive(Arbitrary, Debug)]
struct Feature {
    second_layer: bool,
    id: Option<u64>,
    properties: Vec<(String, Prop)>,
    geometry: Geometry,
}

#[derive(Arbitrary, Debug)]
enum Prop {
    Str(String),
    Int(i64),
    Double(f64),
    Bool(bool),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Coord {
    /// Relative to the tile: 0..65535 spans three tiles' width around it.
    Near(u16, u16),
    Raw(f64, f64),
}

#[derive(Arbitrary, Debug)]
enum Geometry {
    /// Polygons of rings (exterior first) in lon/lat.
    LonLat(Vec<Vec<Vec<Coord>>>),
    Point(Coord),
    /// Rings already in tile units, as the encoder's contract allows.
    Tile(Vec<Vec<(i16, i16)>>),
}

fn lonlat(frame: &Frame, c: Coord) -> (f64, f64) {
    match c {
        Coord::Raw(lon, lat) => (lon, lat),
        Coord::Near(u, v) => {
            let [lon0, lat0, lon1, lat1] = frame.lonlat_box();
            let (fu, fv) = (f64::from(u) / 65535.0, f64::from(v) / 65535.0);
            (
                lon0 + (lon1 - lon0) * (3.0 * fu - 1.0),
                lat0 + (lat1 - lat0) * (3.0 * fv - 1.0),
            )
        }
    }
}

/// What one feature should read back as.
struct Expected {
    layer: usize,
    id: Option<u64>,
    kind: u64,
    /// Exact rings for tile-unit input; `None`: only check the bounds.
    parts: Option<Vec<Vec<[i32; 2]>>>,
    properties: usize,
}

fuzz_target!(|input: Input| {
    // Every tile `parse_address` accepts: z 0-20, x and y below 2^z.
    let z = input.zxy.0 % (MAX_ZOOM + 1);
    let n = 1u32 << z;
    let frame = Frame::new(z, input.zxy.1 % n, input.zxy.2 % n);
    let mut layers = [LayerWriter::new("grids"), LayerWriter::new("dots")];
    let mut expected = Vec::new();
    for f in &input.features {
        let layer = usize::from(f.second_layer);
        let properties: Vec<(&str, Value)> = f
            .properties
            .iter()
            .map(|(k, p)| {
                let v = match p {
                    Prop::Str(s) => Value::Str(s.clone()),
                    Prop::Int(i) => Value::Int(*i),
                    Prop::Double(d) => Value::Double(*d),
                    Prop::Bool(b) => Value::Bool(*b),
                };
                (k.as_str(), v)
            })
            .collect();
        let n_properties = properties.len();
        let writer = &mut layers[layer];
        let before = writer.feature_count();
        match &f.geometry {
            Geometry::LonLat(polygons) => {
                let mp = geo::MultiPolygon(
                    polygons
                        .iter()
                        .filter(|rings| !rings.is_empty())
                        .map(|rings| {
                            let mut rings = rings.iter().map(|ring| {
                                geo::LineString::from(
                                    ring.iter().map(|&c| lonlat(&frame, c)).collect::<Vec<_>>(),
                                )
                            });
                            let exterior = rings.next().unwrap_or_else(|| geo::LineString(vec![]));
                            geo::Polygon::new(exterior, rings.collect())
                        })
                        .collect(),
                );
                let clipped = frame.polygons(&world_polygons(&mp));
                writer.add_polygons(f.id, properties, &clipped);
                if writer.feature_count() > before {
                    expected.push(Expected {
                        layer,
                        id: f.id,
                        kind: 3,
                        parts: None,
                        properties: n_properties,
                    });
                }
            }
            Geometry::Point(c) => {
                let (lon, lat) = lonlat(&frame, *c);
                if let Some(p) = frame.point(world(lon, lat)) {
                    writer.add_point(f.id, properties, p);
                    expected.push(Expected {
                        layer,
                        id: f.id,
                        kind: 1,
                        parts: Some(vec![vec![p]]),
                        properties: n_properties,
                    });
                }
            }
            Geometry::Tile(rings) => {
                let rings: Vec<Ring> = rings
                    .iter()
                    .map(|r| {
                        r.iter()
                            .map(|&(x, y)| [i32::from(x), i32::from(y)])
                            .collect()
                    })
                    .collect();
                let kept: Vec<Vec<[i32; 2]>> =
                    rings.iter().filter(|r| r.len() >= 3).cloned().collect();
                writer.add_polygons(f.id, properties, &[rings]);
                if !kept.is_empty() {
                    expected.push(Expected {
                        layer,
                        id: f.id,
                        kind: 3,
                        parts: Some(kept),
                        properties: n_properties,
                    });
                }
            }
        }
    }
    let counts = [layers[0].feature_count(), layers[1].feature_count()];
    let mut tile = Vec::new();
    for layer in layers {
        layer.finish_into(&mut tile);
    }
    let read = read_tile(&tile);
    let names: Vec<&str> = read.iter().map(|l| l.name.as_str()).collect();
    let want: Vec<&str> = ["grids", "dots"]
        .into_iter()
        .zip(counts)
        .filter(|(_, n)| *n > 0)
        .map(|(s, _)| s)
        .collect();
    assert_eq!(names, want);
    for l in &read {
        assert_eq!(l.extent, EXTENT);
    }
    for layer in 0..2 {
        let Some(l) = read.iter().find(|l| l.name == ["grids", "dots"][layer]) else {
            continue;
        };
        let mine: Vec<&Expected> = expected.iter().filter(|e| e.layer == layer).collect();
        assert_eq!(l.features.len(), mine.len());
        for (got, want) in l.features.iter().zip(mine) {
            assert_eq!(got.id, want.id);
            assert_eq!(got.kind, want.kind);
            assert_eq!(got.properties, want.properties);
            match &want.parts {
                Some(parts) => assert_eq!(&got.parts, parts),
                None => {
                    let (lo, hi) = (-BUFFER as i32, EXTENT as i32 + BUFFER as i32);
                    for p in got.parts.iter().flatten() {
                        assert!(
                            (lo..=hi).contains(&p[0]) && (lo..=hi).contains(&p[1]),
                            "{p:?} outside the tile"
                        );
                    }
                    assert!(got.parts.iter().all(|r| r.len() >= 3));
                }
            }
        }
    }
});

/// A strict reader of the protobuf the encoder writes.
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
        for shift in (0..64).step_by(7) {
            let b = *self
                .buf
                .get(self.at)
                .expect("a varint runs past its message");
            self.at += 1;
            n |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return n;
            }
        }
        panic!("a varint longer than 10 bytes")
    }
    fn bytes(&mut self) -> &'a [u8] {
        let len = usize::try_from(self.varint()).expect("length");
        let out = self
            .buf
            .get(self.at..self.at + len)
            .expect("a field runs past its message");
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
            out.push(u32::try_from(r.varint()).expect("a packed u32"));
        }
        out
    }
}

struct ReadLayer {
    name: String,
    extent: u32,
    features: Vec<ReadFeature>,
}

struct ReadFeature {
    id: Option<u64>,
    kind: u64,
    properties: usize,
    parts: Vec<Vec<[i32; 2]>>,
}

fn read_tile(buf: &[u8]) -> Vec<ReadLayer> {
    let mut r = Reader { buf, at: 0 };
    let mut layers = Vec::new();
    while !r.done() {
        assert_eq!(r.varint(), (3 << 3) | 2, "a Tile holds only layers");
        layers.push(read_layer(r.bytes()));
    }
    layers
}

fn read_layer(buf: &[u8]) -> ReadLayer {
    let mut r = Reader { buf, at: 0 };
    let (mut name, mut extent, mut version) = (None, 0, 0);
    let (mut raw, mut keys, mut values) = (Vec::new(), 0usize, 0usize);
    while !r.done() {
        let tag = r.varint();
        match tag {
            0x0a => name = Some(String::from_utf8(r.bytes().to_vec()).expect("UTF-8 name")),
            0x12 => raw.push(r.bytes()),
            0x1a => {
                String::from_utf8(r.bytes().to_vec()).expect("UTF-8 key");
                keys += 1;
            }
            0x22 => {
                let v = r.bytes();
                let mut vr = Reader { buf: v, at: 0 };
                match vr.varint() {
                    0x0a => {
                        String::from_utf8(vr.bytes().to_vec()).expect("UTF-8 value");
                    }
                    0x19 => vr.at += 8,
                    0x30 | 0x38 => {
                        vr.varint();
                    }
                    t => panic!("value tag {t}"),
                }
                assert_eq!(vr.at, v.len(), "one value per Value message");
                values += 1;
            }
            0x28 => extent = r.varint() as u32,
            0x78 => version = r.varint(),
            t => panic!("layer tag {t}"),
        }
    }
    assert_eq!(version, 2);
    let features = raw
        .into_iter()
        .map(|f| read_feature(f, keys, values))
        .collect();
    ReadLayer {
        name: name.expect("a layer has a name"),
        extent,
        features,
    }
}

fn unzig(n: u32) -> i32 {
    ((n >> 1) as i32) ^ -((n & 1) as i32)
}

fn read_feature(buf: &[u8], keys: usize, values: usize) -> ReadFeature {
    let mut r = Reader { buf, at: 0 };
    let mut out = ReadFeature {
        id: None,
        kind: 0,
        properties: 0,
        parts: Vec::new(),
    };
    while !r.done() {
        match r.varint() {
            0x08 => out.id = Some(r.varint()),
            0x12 => {
                let tags = r.packed();
                assert_eq!(tags.len() % 2, 0, "tags come in pairs");
                for pair in tags.chunks(2) {
                    assert!(
                        (pair[0] as usize) < keys && (pair[1] as usize) < values,
                        "tag out of the tables"
                    );
                }
                out.properties = tags.len() / 2;
            }
            0x18 => out.kind = r.varint(),
            0x22 => {
                let cmds = r.packed();
                let mut i = 0;
                let mut cur = [0i32; 2];
                while i < cmds.len() {
                    let (id, count) = (cmds[i] & 7, cmds[i] >> 3);
                    i += 1;
                    match id {
                        1 | 2 => {
                            if id == 1 {
                                assert_eq!(count, 1, "one MoveTo per ring");
                                out.parts.push(Vec::new());
                            }
                            let part = out.parts.last_mut().expect("LineTo after a MoveTo");
                            for _ in 0..count {
                                let (dx, dy) = (cmds[i], cmds[i + 1]);
                                cur = [cur[0] + unzig(dx), cur[1] + unzig(dy)];
                                i += 2;
                                part.push(cur);
                            }
                        }
                        7 => assert_eq!(out.kind, 3, "ClosePath only in polygons"),
                        c => panic!("command {c}"),
                    }
                }
            }
            t => panic!("feature tag {t}"),
        }
    }
    out
}
