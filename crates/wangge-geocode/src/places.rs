//! The operator's own named places — the names of its cells (`润景家园` is
//! a cell) — found inside an address's text, so that an address naming a
//! cell is placed in that cell rather than at its district's centre.
//!
//! The names are walked from every position of the normalised text with
//! the same trie as the gazetteer's names; the longest name found wins, and
//! a name several places share is decided by distance to where the
//! divisions of the address put it (or stays undecided).

use crate::address_base::distance_m;
use crate::normalize::{normalize, numerals_to_digits};
use crate::trie::Trie;

/// A name or a text as the places are looked up: normalised (full-width,
/// spaces, punctuation), numerals as digits, ASCII letters upper case.
pub(crate) fn place_key(normalized: &str) -> String {
    numerals_to_digits(normalized).to_ascii_uppercase()
}

fn key_of(text: &str) -> String {
    place_key(&normalize(text).text)
}

/// Names shorter than this are not looked for: two characters (`东区`,
/// `新村`) are part of too many other words.
pub const MIN_PLACE_NAME_CHARS: usize = 3;

/// Farther than this from where the divisions put the address, a place of
/// that name is another place.
pub const MAX_PLACE_DISTANCE_M: f64 = 30_000.0;

/// One named place: a cell's code, its name and a point inside it (WGS-84).
#[derive(Debug, Clone, PartialEq)]
pub struct NamedPlace {
    pub code: String,
    pub name: String,
    pub lon: f64,
    pub lat: f64,
}

/// The places of the longest name a text holds.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaceMatch<'a> {
    /// Every place of that name (namesakes).
    pub places: Vec<&'a NamedPlace>,
    /// Byte range of the name in the normalised text.
    pub at: (usize, usize),
}

/// Which of a name's places the address means.
#[derive(Debug, Clone, PartialEq)]
pub enum PlaceChoice<'a> {
    One(&'a NamedPlace),
    /// Several places of the name and nothing to choose between them.
    Tied,
    /// Every place of the name is farther than [`MAX_PLACE_DISTANCE_M`]
    /// from where the divisions put the address: it is another place.
    TooFar,
}

impl<'a> PlaceMatch<'a> {
    /// The nearest to `near` (where the address's divisions put it) within
    /// [`MAX_PLACE_DISTANCE_M`]; without `near`, the only place of the name.
    pub fn choose(&self, near: Option<(f64, f64)>) -> PlaceChoice<'a> {
        match near {
            Some((lon, lat)) => self
                .places
                .iter()
                .map(|p| (distance_m(lon, lat, p.lon, p.lat), *p))
                .filter(|(d, _)| *d <= MAX_PLACE_DISTANCE_M)
                .min_by(|a, b| a.0.total_cmp(&b.0))
                .map_or(PlaceChoice::TooFar, |(_, p)| PlaceChoice::One(p)),
            None if self.places.len() == 1 => PlaceChoice::One(self.places[0]),
            None => PlaceChoice::Tied,
        }
    }
}

/// The named places of the operator's territory.
#[derive(Debug, Default)]
pub struct NamedPlaces {
    places: Vec<NamedPlace>,
    trie: Trie,
    /// Places by the trie's pattern id.
    by_pattern: Vec<Vec<u32>>,
}

impl NamedPlaces {
    /// Indexes the places; names shorter than [`MIN_PLACE_NAME_CHARS`] after
    /// normalisation, and places without a finite point, are left out.
    pub fn new(places: Vec<NamedPlace>) -> NamedPlaces {
        let mut trie = Trie::new();
        let mut by_pattern: Vec<Vec<u32>> = Vec::new();
        let mut kept = Vec::with_capacity(places.len());
        for p in places {
            let key = key_of(&p.name);
            if key.chars().count() < MIN_PLACE_NAME_CHARS
                || !p.lon.is_finite()
                || !p.lat.is_finite()
            {
                continue;
            }
            let id = trie.insert(&key) as usize;
            if by_pattern.len() <= id {
                by_pattern.resize(id + 1, Vec::new());
            }
            by_pattern[id].push(kept.len() as u32);
            kept.push(p);
        }
        trie.freeze();
        NamedPlaces {
            places: kept,
            trie,
            by_pattern,
        }
    }

    pub fn len(&self) -> usize {
        self.places.len()
    }

    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }

    /// The places of the longest place name in `text` (the first of equal
    /// length); `at` is in [`NamedPlaces::key`]`(text)`.
    pub fn find(&self, text: &str) -> Option<PlaceMatch<'_>> {
        if self.places.is_empty() {
            return None;
        }
        self.find_in_key(&key_of(text))
    }

    /// The text as names are looked up in it (what `at` indexes).
    pub fn key(text: &str) -> String {
        key_of(text)
    }

    /// [`NamedPlaces::find`] in a text already made a key ([`place_key`] of
    /// the parser's normalised text: the geocoder normalises once).
    pub(crate) fn find_in_key(&self, key: &str) -> Option<PlaceMatch<'_>> {
        if self.places.is_empty() {
            return None;
        }
        let chars: Vec<(char, u32)> = key
            .char_indices()
            .map(|(i, c)| (c, (i + c.len_utf8()) as u32))
            .collect();
        let mut best: Option<(u32, usize, usize)> = None; // (pattern, start, end)
        let mut found = Vec::new();
        let mut start = 0usize;
        for i in 0..chars.len() {
            found.clear();
            self.trie.prefixes_of_chars(&chars[i..], &mut found);
            if let Some(&(id, end)) = found.last() {
                if best.is_none_or(|(_, s, e)| end - start > e - s) {
                    best = Some((id, start, end));
                }
            }
            start = chars[i].1 as usize;
        }
        let (id, s, e) = best?;
        Some(PlaceMatch {
            places: self.by_pattern[id as usize]
                .iter()
                .map(|&i| &self.places[i as usize])
                .collect(),
            at: (s, e),
        })
    }

    /// The key of a text with the byte range `at` of it taken out (what
    /// the address says besides the place's name).
    pub fn without(key: &str, at: (usize, usize)) -> String {
        let (s, e) = (at.0.min(key.len()), at.1.min(key.len()));
        format!("{}{}", &key[..s], &key[e..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(code: &str, name: &str, lon: f64, lat: f64) -> NamedPlace {
        NamedPlace {
            code: code.into(),
            name: name.into(),
            lon,
            lat,
        }
    }

    fn one(m: Option<PlaceMatch<'_>>, near: Option<(f64, f64)>) -> PlaceChoice<'_> {
        m.map_or(PlaceChoice::TooFar, |m| m.choose(near))
    }

    #[test]
    fn the_longest_name_in_the_text_is_found() {
        let p = NamedPlaces::new(vec![
            place("C1", "润景家园", 110.8, 32.6),
            place("C2", "润景家园二期", 110.81, 32.61),
            place("C3", "东区", 110.0, 32.0), // too short: left out
        ]);
        assert_eq!(p.len(), 2);
        assert!(
            matches!(one(p.find("十堰市茅箭区润景家园二期3栋"), None), PlaceChoice::One(c) if c.code == "C2")
        );
        assert_eq!(p.find("十堰市东区"), None);
        assert_eq!(NamedPlaces::default().find("润景家园"), None);
    }

    #[test]
    fn namesakes_are_decided_by_distance_or_tied() {
        let p = NamedPlaces::new(vec![
            place("A", "幸福小区", 110.80, 32.60),
            place("B", "幸福小区", 111.50, 32.00),
        ]);
        assert!(
            matches!(one(p.find("幸福小区"), Some((111.49, 32.01))), PlaceChoice::One(c) if c.code == "B")
        );
        assert_eq!(one(p.find("幸福小区"), None), PlaceChoice::Tied);
        // Far from both: another place of that name.
        assert_eq!(
            one(p.find("幸福小区"), Some((120.0, 30.0))),
            PlaceChoice::TooFar
        );
    }

    #[test]
    fn the_text_without_the_name_keeps_the_rest() {
        let p = NamedPlaces::new(vec![place("C1", "润景家园", 110.8, 32.6)]);
        let m = p.find("十堰市茅箭区润景家园3栋").unwrap();
        assert_eq!(
            NamedPlaces::without("十堰市茅箭区润景家园3栋", m.at),
            "十堰市茅箭区3栋"
        );
    }
}
