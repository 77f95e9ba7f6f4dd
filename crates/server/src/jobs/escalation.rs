//! CMP-2: the automatic escalation pass, every 10 minutes. (a) A valid complaint still open
//! `cmp_escalate_after_days` after intake becomes major (`ops::complaint::escalate_overdue`,
//! set-based, in transactions of at most 5,000 complaints); (b) when `cmp_collective_people` or more distinct complainants raise the same
//! topic in a project within `cmp_collective_window_days`, every open complaint of that topic
//! becomes major with the reason `collective` (through the workflow's `Escalate` action) and
//! the topic's complaints are linked to the first one. Every automatic change is an event with
//! its reason. Several nodes may run the job: a pass runs only on the node that holds the
//! `job_leases` row, taken with one conditional upsert.

use crate::error::{AppError, AppResult};
use crate::ops::complaint::{ESCALATION_CHUNK, act, escalate_overdue_in_chunks, project_clocks};
use chrono::{DateTime, Duration, Utc};
use propdesk_domain::access::{Actor, Role};
use propdesk_domain::complaint::{Action, MajorReason, Severity, is_collective};
use propdesk_domain::sla::Policies;
use propdesk_store::Db;
use propdesk_store::models::event::{self, NewEvent};
use propdesk_store::models::{complaint as complaints, org, report};
use serde_json::json;
use std::sync::OnceLock;

/// The lease's name in `job_leases`.
pub const LEASE: &str = "complaint_escalation";
/// How often the pass runs, and how long one node holds the lease.
pub const EVERY_SECS: i64 = 600;
/// The name automatic changes carry in the history.
pub const SYSTEM_NAME: &str = "系统自动升级";

/// What one pass changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassReport {
    pub projects: usize,
    /// Raised to major after the month without resolution.
    pub unresolved_month: usize,
    /// Raised to major as part of a collective complaint.
    pub collective: usize,
    /// Complaints linked to their collective complaint.
    pub linked: usize,
    /// Transactions the month rule took (chunks of `ESCALATION_CHUNK`), and the longest one.
    pub chunks: usize,
    pub longest_chunk: std::time::Duration,
}

/// This process's name as a lease holder: process id and a random suffix.
pub fn holder() -> &'static str {
    static HOLDER: OnceLock<String> = OnceLock::new();
    HOLDER.get_or_init(|| format!("node-{}-{}", std::process::id(), &crate::auth::new_secret()[..8]))
}

/// The system actor of one project: no staff id, so the workflow treats it as `By::System`.
fn system(company_id: i64, project_id: i64) -> Actor {
    Actor { staff_id: 0, name: SYSTEM_NAME.into(), company_id, role: Role::Admin, projects: vec![project_id] }
}

/// Takes the lease for `holder` until `now + EVERY_SECS`; false when another node holds it.
pub async fn take_lease(db: &Db, holder: &str, now: DateTime<Utc>) -> AppResult<bool> {
    let mut tx = db.begin().await?;
    let ok = report::acquire_lease(&mut tx, LEASE, holder, now, now + Duration::seconds(EVERY_SECS)).await?;
    tx.commit().await?;
    Ok(ok)
}

/// One pass, if this node gets the lease (`None` when another node holds it). A failed pass
/// gives the lease back so the next tick of any node retries.
pub async fn run_pass(db: &Db, holder: &str, now: DateTime<Utc>) -> AppResult<Option<PassReport>> {
    if !take_lease(db, holder, now).await? {
        return Ok(None);
    }
    match pass(db, now).await {
        Ok(r) => Ok(Some(r)),
        Err(e) => {
            let mut tx = db.begin().await?;
            report::release_lease(&mut tx, LEASE, holder, now).await?;
            tx.commit().await?;
            Err(e)
        }
    }
}

/// The pass itself, over every company's projects (callers hold the lease).
pub async fn pass(db: &Db, now: DateTime<Utc>) -> AppResult<PassReport> {
    let mut c = db.read().await?;
    let mut projects = Vec::new();
    for company in org::company_ids(&mut c).await? {
        for p in org::company_projects(&mut c, company).await? {
            projects.push((company, p.id));
        }
    }
    drop(c);
    let mut r = PassReport { projects: projects.len(), ..Default::default() };
    // Projects of a company with the same policies share one set-based statement.
    let mut groups: Vec<(i64, Policies, Vec<i64>)> = Vec::new();
    for (company, project) in &projects {
        let policies = {
            let mut c = db.read().await?;
            project_clocks(&mut c, *project).await?.policies
        };
        match groups.iter_mut().find(|(co, p, _)| co == company && *p == policies) {
            Some(g) => g.2.push(*project),
            None => groups.push((*company, policies, vec![*project])),
        }
    }
    for (company, policies, ids) in &groups {
        let sys = Actor { staff_id: 0, name: SYSTEM_NAME.into(), company_id: *company, role: Role::Admin, projects: ids.clone() };
        let done = escalate_overdue_in_chunks(db, &sys, now, policies, ESCALATION_CHUNK).await?;
        r.unresolved_month += done.raised;
        r.chunks += done.chunks.len();
        r.longest_chunk = done.chunks.iter().copied().fold(r.longest_chunk, std::cmp::Ord::max);
        for project in ids {
            let sys = system(*company, *project);
            let (raised, linked) = collective(db, &sys, *project, now, policies.cmp_collective_people, policies.cmp_collective_window_days).await?;
            r.collective += raised;
            r.linked += linked;
        }
    }
    Ok(r)
}

/// CMP-2 (b): collective complaints of one project; returns (raised to major, linked).
async fn collective(db: &Db, sys: &Actor, project_id: i64, now: DateTime<Utc>, people: u32, window_days: u32) -> AppResult<(usize, usize)> {
    let policies = Policies { cmp_collective_people: people, ..Default::default() };
    let since = now - Duration::days(window_days as i64);
    let mut c = db.read().await?;
    let topics = report::busy_topics(&mut c, project_id, since, people as i64).await?;
    let mut found = Vec::new();
    for t in topics {
        let distinct = complaints::distinct_complainants(&mut c, project_id, &t, since).await?;
        if is_collective(distinct.max(0) as usize, &policies) {
            let open = report::open_below_major(&mut c, project_id, &t).await?;
            found.push((t, distinct, open));
        }
    }
    drop(c);
    let (mut raised, mut linked) = (0, 0);
    for (topic, distinct, open) in found {
        let reason = MajorReason::Collective.code().to_string();
        for id in open {
            match act(db, sys, id, None, &Action::Escalate { to: Severity::Major, reason: reason.clone() }).await {
                Ok(_) => raised += 1,
                // Changed meanwhile (closed, or raised by a person): nothing to do.
                Err(AppError::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
        }
        let mut tx = db.begin().await?;
        let members = report::unlinked_of_topic(&mut tx, project_id, &topic, since).await?;
        if let Some((first, _)) = members.first().copied() {
            for (id, parent) in members.iter().skip(1) {
                if parent.is_none() && report::link_to(&mut tx, *id, first).await? {
                    linked += 1;
                    let payload = json!({"parent_id": first, "reason": MajorReason::Collective.code(), "topic": topic, "people": distinct, "automatic": true});
                    event::append(
                        &mut tx,
                        sys,
                        now,
                        NewEvent { project_id: Some(project_id), entity: "complaint", entity_id: *id, action: "link_collective", payload },
                    )
                    .await?;
                }
            }
        }
        tx.commit().await?;
    }
    Ok((raised, linked))
}

/// The job loop: a pass at start and every 10 minutes; errors are logged and retried next tick.
pub fn spawn(db: Db) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(EVERY_SECS as u64));
        loop {
            tick.tick().await;
            match run_pass(&db, holder(), Utc::now()).await {
                Ok(Some(r)) if r.unresolved_month + r.collective + r.linked > 0 => {
                    tracing::info!(unresolved_month = r.unresolved_month, collective = r.collective, linked = r.linked, "complaint escalation pass")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = ?e, "complaint escalation pass failed"),
            }
        }
    });
}
