//! Benchmarks that print numbers (docs/PERFORMANCE.md records them).

use clap::Subcommand;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Placeholder until the benchmarks land.
    Units,
}

pub async fn run(_cmd: BenchCommand) -> anyhow::Result<()> {
    anyhow::bail!("not yet")
}
