//! PostgreSQL for the tests: each test gets a database of its own, created
//! through `TAPCRYPT_PG_URL` (whose user needs CREATEDB) and dropped at the
//! end. Without `TAPCRYPT_PG_URL` the PostgreSQL tests say so and pass
//! without running (CI sets it: `.ci/run` installs and starts PostgreSQL).
#![allow(dead_code)]

use sqlx::Connection;
use sqlx::postgres::PgConnection;

pub struct PgDb {
    admin: String,
    name: String,
    pub url: String,
}

fn with_db(url: &str, db: &str) -> String {
    // postgres://user[:pw]@host[:port]/DB[?params]
    let (base, params) = url
        .split_once('?')
        .map_or((url, None), |(b, p)| (b, Some(p)));
    let root = base.rsplit_once('/').map_or(base, |(r, _)| r);
    match params {
        Some(p) => format!("{root}/{db}?{p}"),
        None => format!("{root}/{db}"),
    }
}

pub async fn fresh_database(tag: &str) -> Option<PgDb> {
    let Ok(admin) = std::env::var("TAPCRYPT_PG_URL") else {
        eprintln!(
            "SKIPPED: TAPCRYPT_PG_URL is not set, so this PostgreSQL test did not run \
             (.ci/run sets it; see README, 'Issuer service')"
        );
        println!("SKIPPED: TAPCRYPT_PG_URL is not set (PostgreSQL test {tag})");
        return None;
    };
    let name = format!(
        "tapcrypt_test_{tag}_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    let mut conn = PgConnection::connect(&admin)
        .await
        .expect("connect to TAPCRYPT_PG_URL");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("CREATE DATABASE (the user needs CREATEDB)");
    conn.close().await.ok();
    let url = with_db(&admin, &name);
    Some(PgDb { admin, name, url })
}

impl PgDb {
    pub async fn drop(self) {
        if let Ok(mut conn) = PgConnection::connect(&self.admin).await {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            )))
            .execute(&mut conn)
            .await;
        }
    }
}
