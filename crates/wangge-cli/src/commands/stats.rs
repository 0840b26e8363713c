use wangge_model::LevelNo;
use wangge_store::Store;

use crate::table::{Align, Table};

use crate::args::StatsArgs;

pub async fn run(store: &Store, args: &StatsArgs) -> anyhow::Result<()> {
    let stats = store.stats().await?;
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&stats)?)?;
        return Ok(());
    }
    outln!(
        "territory: {}",
        stats.territory.as_deref().unwrap_or("(none)")
    )?;
    let mut levels = Table::new(&[
        ("lvl", Align::Left),
        ("level", Align::Left),
        ("grids", Align::Right),
    ]);
    for level in LevelNo::ALL {
        let i = usize::from(level.get() - 1);
        levels.row([
            level.to_string(),
            level.name_en().to_owned(),
            stats.by_level[i].to_string(),
        ]);
    }
    outln!("\n{}", levels.render().trim_end())?;
    let mut types = Table::new(&[
        ("type", Align::Left),
        ("类型", Align::Left),
        ("name", Align::Left),
        ("category", Align::Left),
        ("cells", Align::Right),
    ]);
    for t in &stats.by_type {
        types.row([
            t.code.to_string(),
            t.name_zh.clone(),
            t.name_en.clone(),
            t.category.to_string(),
            t.cells.to_string(),
        ]);
    }
    outln!("\n{}", types.render().trim_end())?;
    let mut categories = Table::new(&[
        ("category", Align::Left),
        ("大类", Align::Left),
        ("cells", Align::Right),
    ]);
    for c in &stats.by_category {
        categories.row([
            c.category.to_string(),
            c.category.name_zh().to_owned(),
            c.cells.to_string(),
        ]);
    }
    outln!("\n{}", categories.render().trim_end())?;
    outln!(
        "\ninvalid geometries {} · outlets {} · level-3 grids without an outlet {} · users {}",
        stats.invalid_geometries,
        stats.outlets,
        stats.level3_without_outlet,
        stats.users
    )?;
    Ok(())
}
