//! The demo company (loaded by `serve --demo` into an empty database).

use propdesk_store::Db;

pub async fn load_if_empty(_db: &Db) -> anyhow::Result<()> {
    Ok(())
}
