use anyhow::{bail, Context};
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHasher, SaltString};
use rand::distributions::{Alphanumeric, DistString};
use wangge_model::Role;
use wangge_store::{NewUser, Store};

use crate::args::{UserAddArgs, UserNameArgs, UserPasswdArgs};

/// Shortest password accepted.
const MIN_PASSWORD_CHARS: usize = 8;

/// The given password, or a generated one (16 alphanumerics); true when generated.
fn password_or_generated(given: Option<String>) -> anyhow::Result<(String, bool)> {
    let generated = given.is_none();
    let password = given.unwrap_or_else(|| Alphanumeric.sample_string(&mut rand::thread_rng(), 16));
    if password.chars().count() < MIN_PASSWORD_CHARS {
        bail!("the password must have at least {MIN_PASSWORD_CHARS} characters");
    }
    Ok((password, generated))
}

/// An argon2id PHC string (default parameters, random salt).
fn hash(password: &str) -> anyhow::Result<String> {
    Ok(argon2::Argon2::default()
        .hash_password(password.as_bytes(), &SaltString::generate(&mut OsRng))
        .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?
        .to_string())
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

pub async fn add(store: &Store, args: UserAddArgs) -> anyhow::Result<()> {
    if args.role == Role::GridManager && args.kind.is_none() {
        bail!("a grid manager needs --kind zhengqi or --kind community");
    }
    let (password, generated) = password_or_generated(args.password)?;
    let password_hash = hash(&password)?;
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
    outln!("added user {} (id {id}, role {})", args.name, args.role)?;
    if generated {
        outln!("password (shown only now): {password}")?;
    }
    Ok(())
}

pub async fn list(store: &Store) -> anyhow::Result<()> {
    use crate::table::{Align, Table};
    let mut table = Table::new(&[
        ("id", Align::Right),
        ("name", Align::Left),
        ("role", Align::Left),
        ("kind", Align::Left),
        ("status", Align::Left),
        ("scope", Align::Left),
    ]);
    for u in store.users().await? {
        let scope: Vec<&str> = u
            .scopes
            .iter()
            .map(wangge_model::GridCode::as_str)
            .collect();
        table.row([
            u.id.to_string(),
            u.name.clone(),
            u.role.to_string(),
            u.kind
                .map_or("-", wangge_model::ManagerKind::as_str)
                .to_owned(),
            if u.disabled { "disabled" } else { "active" }.to_owned(),
            scope.join(","),
        ]);
    }
    outln!("{}", table.render().trim_end())?;
    Ok(())
}

/// `wangge user disable|enable NAME`. Disabling also revokes the user's
/// tokens (the server refuses a disabled user's token anyway).
pub async fn set_disabled(
    store: &Store,
    args: &UserNameArgs,
    disabled: bool,
) -> anyhow::Result<()> {
    store
        .set_user_disabled(&args.name, disabled)
        .await
        .with_context(|| format!("user {} was not changed", args.name))?;
    if disabled {
        let revoked = store.revoke_user_sessions(&args.name, now_ms()).await?;
        outln!(
            "disabled user {}: cannot log in; {revoked} live token(s) revoked",
            args.name
        )?;
    } else {
        outln!("enabled user {}: may log in again", args.name)?;
    }
    Ok(())
}

/// `wangge user passwd NAME [--password P | --password-stdin]`: without a
/// password one is generated and printed once. The user's tokens are revoked.
pub async fn passwd(store: &Store, args: UserPasswdArgs) -> anyhow::Result<()> {
    let given = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        let line = line.trim_end_matches(['\r', '\n']).to_owned();
        if line.is_empty() {
            bail!("--password-stdin: standard input had no password on its first line");
        }
        Some(line)
    } else {
        args.password
    };
    let (password, generated) = password_or_generated(given)?;
    let password_hash = hash(&password)?;
    store
        .set_user_password_hash(&args.name, &password_hash)
        .await
        .with_context(|| format!("the password of user {} was not changed", args.name))?;
    let revoked = store.revoke_user_sessions(&args.name, now_ms()).await?;
    outln!(
        "new password set for user {}; {revoked} live token(s) revoked",
        args.name
    )?;
    if generated {
        outln!("password (shown only now): {password}")?;
    }
    Ok(())
}
