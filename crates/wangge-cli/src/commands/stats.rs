use wangge_model::LevelNo;
use wangge_store::Store;

use crate::args::StatsArgs;

pub async fn run(store: &Store, args: &StatsArgs) -> anyhow::Result<()> {
    let stats = store.stats().await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&stats)?);
        return Ok(());
    }
    println!(
        "territory: {}",
        stats.territory.as_deref().unwrap_or("(none)")
    );
    println!("\n{:<3} {:<14} {:>8}", "lvl", "level", "grids");
    for level in LevelNo::ALL {
        let i = usize::from(level.get() - 1);
        println!(
            "{:<3} {:<14} {:>8}",
            level,
            level.name_en(),
            stats.by_level[i]
        );
    }
    println!(
        "\n{:<4} {:<16} {:<48} {:<12} {:>7}",
        "type", "类型", "name", "category", "cells"
    );
    for t in &stats.by_type {
        println!(
            "{:<4} {:<16} {:<48} {:<12} {:>7}",
            t.code,
            pad_cjk(&t.name_zh, 16),
            t.name_en,
            t.category,
            t.cells
        );
    }
    println!("\n{:<12} {:<6} {:>7}", "category", "大类", "cells");
    for c in &stats.by_category {
        println!(
            "{:<12} {:<6} {:>7}",
            c.category,
            pad_cjk(c.category.name_zh(), 6),
            c.cells
        );
    }
    println!(
        "\ninvalid geometries {} · outlets {} · level-3 grids without an outlet {} · users {}",
        stats.invalid_geometries, stats.outlets, stats.level3_without_outlet, stats.users
    );
    Ok(())
}

/// Pads text whose CJK characters take two columns on a terminal.
fn pad_cjk(text: &str, width: usize) -> String {
    let columns: usize = text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
    format!("{text}{}", " ".repeat(width.saturating_sub(columns)))
}
