use anyhow::{bail, Context};
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHasher, SaltString};
use rand::distributions::{Alphanumeric, DistString};
use wangge_model::Role;
use wangge_store::{NewUser, Store};

use crate::args::UserAddArgs;

pub async fn add(store: &Store, args: UserAddArgs) -> anyhow::Result<()> {
    if args.role == Role::GridManager && args.kind.is_none() {
        bail!("a grid manager needs --kind zhengqi or --kind community");
    }
    let generated = args.password.is_none();
    let password = args
        .password
        .unwrap_or_else(|| Alphanumeric.sample_string(&mut rand::thread_rng(), 16));
    if password.chars().count() < 8 {
        bail!("the password must have at least 8 characters");
    }
    let password_hash = argon2::Argon2::default()
        .hash_password(password.as_bytes(), &SaltString::generate(&mut OsRng))
        .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?
        .to_string();
    let user = NewUser {
        name: args.name.clone(),
        role: args.role,
        kind: args.kind,
        scopes: args.scope,
        password_hash,
    };
    let id = store
        .insert_user(&user)
        .await
        .with_context(|| format!("user {} was not added", args.name))?;
    println!("added user {} (id {id}, role {})", args.name, args.role);
    if generated {
        println!("password (shown only now): {password}");
    }
    Ok(())
}

pub async fn list(store: &Store) -> anyhow::Result<()> {
    println!(
        "{:<5} {:<20} {:<13} {:<10} {:<8} scope",
        "id", "name", "role", "kind", "status"
    );
    for u in store.users().await? {
        let scope: Vec<&str> = u
            .scopes
            .iter()
            .map(wangge_model::GridCode::as_str)
            .collect();
        println!(
            "{:<5} {:<20} {:<13} {:<10} {:<8} {}",
            u.id,
            u.name,
            u.role,
            u.kind.map_or("-", wangge_model::ManagerKind::as_str),
            if u.disabled { "disabled" } else { "active" },
            scope.join(",")
        );
    }
    Ok(())
}
