//! Demo users, one per role (and one per kind of grid manager), with their
//! passwords and argon2 hashes. [`crate::generate`] draws the passwords from
//! the demo seed (it is pure); what is stored gets random ones
//! ([`set_passwords`]) unless a test asks for a password seed.

use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::Argon2;
use rand::Rng;
use wangge_model::{CellTypeCatalog, GridCode, ManagerKind, Role};

use crate::build::L3Site;
use crate::rng::rng_for;
use crate::DemoError;

/// A demo user with its plain password (printed once by the CLI).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoUser {
    pub name: String,
    pub role: Role,
    pub kind: Option<ManagerKind>,
    pub scopes: Vec<GridCode>,
    pub password: String,
}

const PASSWORD_LEN: usize = 16;
/// No 0/O, 1/l/I: passwords are read off a terminal.
const PASSWORD_ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

pub(crate) fn password(seed: u64, user: &str) -> String {
    password_from(&mut rng_for(seed, &format!("password/{user}")))
}

fn password_from(rng: &mut impl Rng) -> String {
    (0..PASSWORD_LEN)
        .map(|_| char::from(PASSWORD_ALPHABET[rng.gen_range(0..PASSWORD_ALPHABET.len())]))
        .collect()
}

/// The passwords to store: from the operating system's random numbers, or,
/// when a test gives `password_seed`, drawn from it (then the same on every
/// install, so never the default).
pub(crate) fn set_passwords(users: &mut [DemoUser], password_seed: Option<u64>) {
    for user in users {
        user.password = match password_seed {
            Some(seed) => password(seed, &user.name),
            None => password_from(&mut rand::rngs::OsRng),
        };
    }
}

/// The two level-3 grids of `department` with the most cells matching `wanted`.
fn busiest(
    sites: &[L3Site],
    department: &GridCode,
    wanted: impl Fn(&L3Site) -> usize,
) -> Vec<GridCode> {
    let mut ranked: Vec<(usize, &L3Site)> = sites
        .iter()
        .filter(|s| &s.department == department)
        .map(|s| (wanted(s), s))
        .collect();
    // Most matching cells first; ties by code, so the choice is stable.
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.code.cmp(&b.1.code)));
    ranked
        .into_iter()
        .take(2)
        .map(|(_, s)| s.code.clone())
        .collect()
}

/// One user per role: the supervisor over the first department, the 政企
/// manager over the two grids of the city core richest in 政企 cells, the
/// community manager over the two richest in residential cells.
pub fn demo_users(sites: &[L3Site], catalog: &CellTypeCatalog, seed: u64) -> Vec<DemoUser> {
    let Some(first_department) = sites.first().map(|s| s.department.clone()) else {
        return Vec::new();
    };
    let count = |site: &L3Site, test: &dyn Fn(&wangge_model::CellType) -> bool| {
        site.cell_types
            .iter()
            .filter(|c| catalog.get(**c).is_some_and(test))
            .count()
    };
    let zhengqi = busiest(sites, &first_department, |s| count(s, &|t| t.zhengqi));
    let community = busiest(sites, &first_department, |s| {
        count(s, &|t| t.category == wangge_model::Category::Community)
    });
    let user =
        |name: &str, role: Role, kind: Option<ManagerKind>, scopes: Vec<GridCode>| DemoUser {
            name: name.to_owned(),
            role,
            kind,
            scopes,
            password: password(seed, name),
        };
    vec![
        user("admin", Role::Admin, None, Vec::new()),
        user("supervisor", Role::Supervisor, None, vec![first_department]),
        user(
            "zhengqi",
            Role::GridManager,
            Some(ManagerKind::Zhengqi),
            zhengqi,
        ),
        user(
            "community",
            Role::GridManager,
            Some(ManagerKind::Community),
            community,
        ),
        user("ops", Role::Ops, None, Vec::new()),
        user("clerk", Role::Clerk, None, Vec::new()),
        user("viewer", Role::Viewer, None, Vec::new()),
    ]
}

/// An argon2id PHC string of `password` with default parameters and a fresh salt.
pub fn hash_password(user: &str, password: &str) -> Result<String, DemoError> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| DemoError::Hash {
            user: user.to_owned(),
            reason: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_follow_the_seed() {
        assert_eq!(password(2011, "admin"), password(2011, "admin"));
        assert_ne!(password(2011, "admin"), password(2012, "admin"));
        assert_ne!(password(2011, "admin"), password(2011, "ops"));
        assert_eq!(password(2011, "admin").len(), PASSWORD_LEN);
    }

    #[test]
    fn stored_passwords_are_random_unless_seeded() {
        let user = |name: &str| DemoUser {
            name: name.to_owned(),
            role: Role::Admin,
            kind: None,
            scopes: Vec::new(),
            password: password(2011, name),
        };
        let mut first = vec![user("admin"), user("ops")];
        let mut second = first.clone();
        set_passwords(&mut first, None);
        set_passwords(&mut second, None);
        assert_ne!(first[0].password, password(2011, "admin"));
        assert_ne!(first[0].password, second[0].password);
        assert_eq!(first[0].password.len(), PASSWORD_LEN);
        set_passwords(&mut first, Some(9));
        set_passwords(&mut second, Some(9));
        assert_eq!(first, second);
        assert_ne!(first[0].password, first[1].password);
    }

    #[test]
    fn hashes_are_phc_strings_that_verify() {
        use argon2::password_hash::{PasswordHash, PasswordVerifier};
        let hash = hash_password("admin", "s3cret-Pa55").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        let parsed = PasswordHash::new(&hash).unwrap();
        assert!(Argon2::default()
            .verify_password(b"s3cret-Pa55", &parsed)
            .is_ok());
        assert!(Argon2::default()
            .verify_password(b"wrong", &parsed)
            .is_err());
    }
}
