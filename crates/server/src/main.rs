use clap::{Parser, Subcommand};
use propdesk::{bench, cli, demo, serve};

#[derive(Parser)]
#[command(name = "propdesk", version, about = "物业客服中心系统 — the property-service centre's whole day in one binary")]
struct Cli {
    /// Database: `sqlite:path.db` (default ./data/propdesk.db) or `postgres://…`.
    #[arg(long, global = true, env = "PROPDESK_DATABASE_URL")]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate and serve the staff UI, the API and the background jobs.
    Serve {
        #[arg(long, env = "PROPDESK_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        /// Load the demo company when the database is empty.
        #[arg(long)]
        demo: bool,
        /// Mark cookies Secure (serve behind HTTPS).
        #[arg(long, env = "PROPDESK_SECURE_COOKIES")]
        secure_cookies: bool,
        /// Directory for attachment files (default: `attachments/` beside the SQLite file).
        #[arg(long, env = "PROPDESK_ATTACHMENTS_DIR")]
        attachments_dir: Option<std::path::PathBuf>,
        /// Largest image or PDF attachment, in MB (default 10).
        #[arg(long, env = "PROPDESK_MAX_IMAGE_MB")]
        max_image_mb: Option<u64>,
        /// Largest audio or video attachment, in MB (default 50).
        #[arg(long, env = "PROPDESK_MAX_MEDIA_MB")]
        max_media_mb: Option<u64>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Load the demo company into an empty database.
    Demo,
    /// Manage staff accounts.
    User {
        #[command(subcommand)]
        command: cli::UserCommand,
    },
    /// Run a benchmark and print its numbers.
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
}

fn default_url() -> anyhow::Result<String> {
    std::fs::create_dir_all("data")?;
    Ok("sqlite:data/propdesk.db".to_string())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    propdesk::telemetry::init();
    let cli = Cli::parse();
    let url = match cli.database_url {
        Some(u) => u,
        None => default_url()?,
    };
    match cli.command {
        Command::Serve { listen, demo, secure_cookies, attachments_dir, max_image_mb, max_media_mb } => {
            let files = serve::Files { dir: attachments_dir, max_image_mb, max_media_mb };
            serve::run(&url, &listen, demo, secure_cookies, files).await
        }
        Command::Migrate => {
            let db = serve::open(&url).await?;
            println!("migrations applied");
            // Complaints from before the search index get their entries here (CMP-14).
            let n = propdesk::ops::complaint::index_search_backlog(&db).await.map_err(|e| anyhow::anyhow!("search index: {e:?}"))?;
            let w = propdesk::ops::work_order::index_search_backlog(&db).await.map_err(|e| anyhow::anyhow!("search index: {e:?}"))?;
            db.close().await;
            if n > 0 {
                println!("{n} complaints indexed for search");
            }
            if w > 0 {
                println!("{w} work orders indexed for search");
            }
            Ok(())
        }
        Command::Demo => {
            let db = serve::open(&url).await?;
            demo::load_if_empty(&db).await?;
            db.close().await;
            Ok(())
        }
        Command::User { command } => cli::user(&url, command).await,
        Command::Bench { command } => bench::run(command).await,
    }
}
