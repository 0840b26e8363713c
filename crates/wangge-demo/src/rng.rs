//! Deterministic random streams: one per purpose and grid, derived from the
//! demo seed and a key, so a change in one grid never reshuffles another.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The random stream for `key` (e.g. a grid code) under `seed`.
///
/// ```
/// use rand::Rng;
/// use wangge_demo::rng::rng_for;
/// let a: u64 = rng_for(2011, "SY-MJ01").gen();
/// let b: u64 = rng_for(2011, "SY-MJ01").gen();
/// assert_eq!(a, b);
/// assert_ne!(a, rng_for(2011, "SY-MJ02").gen::<u64>());
/// ```
pub fn rng_for(seed: u64, key: &str) -> ChaCha8Rng {
    // FNV-1a: stable across platforms and Rust versions (unlike DefaultHasher).
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in key.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    let mut bytes = [0_u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    bytes[8..16].copy_from_slice(&hash.to_le_bytes());
    bytes[16..24].copy_from_slice(b"wangge-d");
    ChaCha8Rng::from_seed(bytes)
}
