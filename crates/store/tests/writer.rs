//! The SQLite writer's group commit: a caller is answered only once its work is committed,
//! one caller's failure never takes another's work with it, and a caller that gives up
//! waiting for the writer does not leave the others hanging.

use propdesk_store::{AsEx, Db, Sql, is_unique_violation};
use std::time::Duration;

async fn sqlite_db(tag: &str) -> Db {
    let dir = std::env::temp_dir().join("propdesk-tests");
    std::fs::create_dir_all(&dir).expect("dir");
    let n = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let db = Db::connect(&format!("sqlite:{}", dir.join(format!("writer_{tag}_{}_{n}.db", std::process::id())).display())).await.expect("open");
    let mut tx = db.begin().await.expect("begin");
    tx.ex().execute(Sql::new("CREATE TABLE writer_t (n INTEGER PRIMARY KEY)")).await.expect("create");
    tx.commit().await.expect("commit");
    db
}

async fn count(db: &Db, sql: Sql) -> i64 {
    let mut c = db.read().await.expect("read");
    c.ex().scalar(sql).await.expect("count")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn group_commit_answers_after_commit_and_keeps_failures_apart() {
    let db = sqlite_db("group").await;
    let mut tasks = Vec::new();
    for i in 0..300i64 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let mut tx = db.begin().await.expect("begin");
            tx.ex().execute(Sql::new("INSERT INTO writer_t (n) VALUES ($1)").arg(i)).await.expect("insert");
            if i % 7 == 0 {
                // A failing statement, then the caller gives up: only its own row goes.
                let e = tx.ex().execute(Sql::new("INSERT INTO writer_t (n) VALUES ($1)").arg(i)).await.expect_err("duplicate");
                assert!(is_unique_violation(&e));
                return false;
            }
            if i % 5 == 0 {
                drop(tx);
                return false;
            }
            tx.commit().await.expect("commit");
            // Answered means committed: a separate read connection sees the row at once.
            assert_eq!(count(&db, Sql::new("SELECT COUNT(*) FROM writer_t WHERE n = $1").arg(i)).await, 1, "row {i} not visible after commit");
            true
        }));
    }
    let mut kept = 0;
    for t in tasks {
        if t.await.expect("task") {
            kept += 1;
        }
    }
    assert_eq!(count(&db, Sql::new("SELECT COUNT(*) FROM writer_t")).await, kept);
    let dropped = count(&db, Sql::new("SELECT COUNT(*) FROM writer_t WHERE n % 7 = 0 OR n % 5 = 0")).await;
    assert_eq!(dropped, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_that_stops_waiting_for_the_writer_does_not_stall_the_group() {
    let db = sqlite_db("cancel").await;
    let holder = db.begin().await.expect("begin");
    // Queued behind the holder, then gives up.
    let gave_up = tokio::time::timeout(Duration::from_millis(20), db.begin()).await;
    assert!(gave_up.is_err());
    let (a, b) = (db.clone(), db.clone());
    let first = tokio::spawn(async move {
        let mut tx = a.begin().await.expect("begin");
        tx.ex().execute(Sql::new("INSERT INTO writer_t (n) VALUES (1)")).await.expect("insert");
        tx.commit().await.expect("commit");
    });
    let second = tokio::spawn(async move {
        let mut tx = b.begin().await.expect("begin");
        tx.ex().execute(Sql::new("INSERT INTO writer_t (n) VALUES (2)")).await.expect("insert");
        tx.commit().await.expect("commit");
    });
    tokio::time::sleep(Duration::from_millis(20)).await;
    drop(holder);
    tokio::time::timeout(Duration::from_secs(5), async {
        first.await.expect("first");
        second.await.expect("second");
    })
    .await
    .expect("both committed without hanging");
    assert_eq!(count(&db, Sql::new("SELECT COUNT(*) FROM writer_t")).await, 2);
}
