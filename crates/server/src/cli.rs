//! `propdesk user …`: staff accounts from the command line (the first admin, password resets).

use crate::auth::new_password;
use crate::ops::staff::{StaffInput, create_staff, reset_password};
use crate::serve::open;
use chrono::Utc;
use clap::Subcommand;
use propdesk_domain::access::{Actor, Role};
use propdesk_store::Db;
use propdesk_store::models::event::{self, NewEvent};
use propdesk_store::models::{org, staff};

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create a staff account. The password comes from PROPDESK_PASSWORD, or is generated and printed.
    Add {
        #[arg(long)]
        username: String,
        #[arg(long)]
        name: String,
        /// admin, manager, supervisor, specialist, tax_specialist, receptionist, engineering, security, cleaning, finance, leasing, planning
        #[arg(long)]
        role: String,
        /// Department code (e.g. CS).
        #[arg(long)]
        department: Option<String>,
        /// Project codes, comma-separated; all projects when omitted.
        #[arg(long, value_delimiter = ',')]
        projects: Vec<String>,
        /// Company name, used only when the database has no company yet.
        #[arg(long, default_value = "物业服务有限公司")]
        company: String,
    },
    /// Set a new password (from PROPDESK_PASSWORD, or generated and printed).
    Passwd {
        #[arg(long)]
        username: String,
    },
    /// List staff accounts.
    List,
}

/// The command line acts as a system administrator of the company; its events carry no staff id.
async fn system_actor(db: &Db, company_name: &str) -> anyhow::Result<Actor> {
    let mut tx = db.begin().await?;
    let company = match org::first_company(&mut tx).await? {
        Some(c) => c.id,
        None => {
            let id = org::insert_company(&mut tx, company_name, Utc::now()).await?;
            let system = Actor { staff_id: 0, name: "propdesk-cli".into(), company_id: id, role: Role::Admin, projects: Vec::new() };
            let payload = serde_json::json!({"name": company_name});
            event::append(&mut tx, &system, Utc::now(), NewEvent { project_id: None, entity: "company", entity_id: id, action: "created", payload }).await?;
            id
        }
    };
    let projects = org::company_projects(&mut tx, company).await?.into_iter().map(|p| p.id).collect();
    tx.commit().await?;
    Ok(Actor { staff_id: 0, name: "propdesk-cli".into(), company_id: company, role: Role::Admin, projects })
}

fn password_from_env() -> (String, bool) {
    match std::env::var("PROPDESK_PASSWORD") {
        Ok(p) if !p.is_empty() => (p, false),
        _ => (new_password(), true),
    }
}

pub async fn user(url: &str, cmd: UserCommand) -> anyhow::Result<()> {
    let db = open(url).await?;
    let result = run(&db, cmd).await;
    db.close().await;
    result
}

async fn run(db: &Db, cmd: UserCommand) -> anyhow::Result<()> {
    match cmd {
        UserCommand::Add { username, name, role, department, projects, company } => {
            let actor = system_actor(db, &company).await?;
            let mut c = db.read().await?;
            let all = org::company_projects(&mut c, actor.company_id).await?;
            let project_ids: Vec<i64> = if projects.is_empty() {
                all.iter().map(|p| p.id).collect()
            } else {
                let mut ids = Vec::new();
                for code in &projects {
                    let p = all.iter().find(|p| p.code.eq_ignore_ascii_case(code.trim())).ok_or_else(|| anyhow::anyhow!("no project with code {code}"))?;
                    ids.push(p.id);
                }
                ids
            };
            let department_id = match department {
                Some(code) => {
                    let deps = staff::departments(&mut c, actor.company_id).await?;
                    Some(
                        deps.iter()
                            .find(|d| d.code.eq_ignore_ascii_case(&code))
                            .ok_or_else(|| anyhow::anyhow!("no department with code {code}"))?
                            .id
                            .to_string(),
                    )
                }
                None => None,
            };
            drop(c);
            let (password, generated) = password_from_env();
            let input = StaffInput {
                username: username.clone(),
                display_name: name,
                department_id: department_id.unwrap_or_default(),
                role,
                phone: String::new(),
                active: true,
                department_head: false,
                projects: project_ids,
                password: password.clone(),
            };
            let id = create_staff(db, &actor, &input).await.map_err(|e| anyhow::anyhow!("{}", describe(e)))?;
            println!("created staff #{id} {username}");
            if generated {
                println!("password: {password}");
            }
            Ok(())
        }
        UserCommand::Passwd { username } => {
            let actor = system_actor(db, "").await?;
            let mut c = db.read().await?;
            let s = staff::by_username(&mut c, &username).await?.ok_or_else(|| anyhow::anyhow!("no such user"))?;
            drop(c);
            let (password, generated) = password_from_env();
            reset_password(db, &actor, s.id, &password).await.map_err(|e| anyhow::anyhow!("{}", describe(e)))?;
            println!("password changed for {username}");
            if generated {
                println!("password: {password}");
            }
            Ok(())
        }
        UserCommand::List => {
            let actor = system_actor(db, "").await?;
            let mut c = db.read().await?;
            for s in staff::list(&mut c, actor.company_id).await? {
                println!(
                    "{:<16} {:<10} {:<14} {:<8} {}",
                    s.username,
                    s.display_name,
                    s.role.code(),
                    s.department_name.unwrap_or_default(),
                    if s.active { "active" } else { "disabled" }
                );
            }
            Ok(())
        }
    }
}

fn describe(e: crate::error::AppError) -> String {
    match e {
        crate::error::AppError::Invalid(f) => f.to_string(),
        other => format!("{other:?}"),
    }
}
