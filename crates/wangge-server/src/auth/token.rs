//! Bearer tokens: 32 random bytes from the operating system, sent as 64 hex
//! digits; the store keeps only their SHA-256.

use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Length of a token as sent (hex of 32 bytes).
pub const TOKEN_LEN: usize = 64;

/// A fresh random token.
pub fn new_token() -> String {
    let mut bytes = [0_u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex(&bytes)
}

/// The lowercase hex SHA-256 of a token, as the store keeps it.
///
/// ```
/// assert_eq!(
///     wangge_server::auth::token_sha256("abc"),
///     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/// );
/// ```
pub fn token_sha256(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// True for text that can be a token (64 lowercase hex digits), so garbage
/// never reaches the database.
pub fn looks_like_token(text: &str) -> bool {
    text.len() == TOKEN_LEN
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_hex_and_hash_to_hex() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert!(looks_like_token(&a) && looks_like_token(&b));
        let hash = token_sha256(&a);
        assert!(looks_like_token(&hash));
        assert_ne!(hash, a);
        assert!(!looks_like_token("ABC"));
        assert!(!looks_like_token(&"G".repeat(64)));
    }
}
