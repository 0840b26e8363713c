mod assign;
mod assign_points;
mod coverage;
mod demo;
mod export;
mod geocode;
mod geocoder;
mod import;
mod import_table;
mod serve;
mod stats;
mod user;

use anyhow::Context;
use wangge_store::Store;

use crate::args::{Cli, Command, GazetteerCommand, ImportCommand, UserCommand};

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    crate::output::set_csv_encoding(cli.csv_encoding);
    if let Some(path) = cli.command.output_file() {
        crate::output::check_target(path)?;
    }
    if cli.command.only_reads() {
        if let Some(file) = wangge_store::sqlite_file(&cli.db).filter(|f| !f.exists()) {
            anyhow::bail!(
                "there is no territory here: {} does not exist.\n  \
                 `wangge demo` seeds the demo territory into it, \
                 `wangge import grids FILE` or `wangge import cells FILE` brings in yours, \
                 and --db (or WANGGE_DB) names another database.",
                file.display()
            );
        }
    }
    let store = Store::connect(&cli.db)
        .await
        .with_context(|| format!("cannot open the database {}", redact(&cli.db)))?;
    let result = match cli.command {
        Command::Serve(args) => serve::run(&store, &cli.db, args).await,
        Command::Demo(args) => demo::run(&store, &cli.db, &args).await,
        Command::Import(ImportCommand::Grids(args)) => import::grids(&store, &args).await,
        Command::Import(ImportCommand::Cells(args)) => import::cells(&store, &args).await,
        Command::Import(ImportCommand::Customers(args)) => {
            import_table::run(&store, &args, import_table::What::Customers).await
        }
        Command::Import(ImportCommand::Resources(args)) => {
            import_table::run(&store, &args, import_table::What::Resources).await
        }
        Command::Import(ImportCommand::Buildings(args)) => {
            import_table::run(&store, &args, import_table::What::Buildings).await
        }
        Command::Import(ImportCommand::Opportunities(args)) => {
            import_table::run(&store, &args, import_table::What::Opportunities).await
        }
        Command::Import(ImportCommand::Outlets(args)) => {
            import_table::run(&store, &args, import_table::What::Outlets).await
        }
        Command::Assign(args) => assign::run(&store, &args).await,
        Command::AssignPoints(args) => assign_points::run(&store, &args).await,
        Command::Geocode(args) => geocode::run(&store, &args).await,
        Command::Gazetteer(GazetteerCommand::Import { file }) => {
            geocoder::import_villages(&store, &file).await
        }
        Command::Import(ImportCommand::Addresses(args)) => {
            geocoder::import_addresses(&store, &args.file, args.encoding, args.crs).await
        }
        Command::Export(args) => export::run(&store, &args).await,
        Command::Coverage(args) => coverage::run(&store, &args).await,
        Command::Stats(args) => stats::run(&store, &args).await,
        Command::User(UserCommand::Add(args)) => user::add(&store, args).await,
        Command::User(UserCommand::List) => user::list(&store).await,
        Command::User(UserCommand::Disable(args)) => user::set_disabled(&store, &args, true).await,
        Command::User(UserCommand::Enable(args)) => user::set_disabled(&store, &args, false).await,
        Command::User(UserCommand::Passwd(args)) => user::passwd(&store, args).await,
    };
    store.close().await;
    result
}

/// The stored territory, or a new one with this code and name when there is none.
pub async fn territory_or_new(
    store: &Store,
    code: &wangge_model::GridCode,
    name: &str,
) -> anyhow::Result<wangge_model::Territory> {
    if let Some(t) = store.territory().await? {
        return Ok(t);
    }
    let t = wangge_model::Territory {
        code: code.clone(),
        name: name.to_owned(),
    };
    store.ensure_territory(&t).await?;
    Ok(t)
}

/// A database URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &credentials[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(
            super::redact("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(super::redact("sqlite://wangge.db"), "sqlite://wangge.db");
    }
}
