//! The card store: SQLite (default, embedded) or PostgreSQL (several service
//! instances sharing one database), through `sqlx` with runtime queries. The
//! schema comes from the migrations in `issuer/migrations/{sqlite,postgres}`
//! (embedded at build time by `sqlx::migrate!`, applied at start-up).
//!
//! # How an approval is made durable
//!
//! An authorisation reads the card's record, verifies the cryptogram and
//! computes the new replay window and key-use counters *outside* the
//! database (pure functions of the library), then commits them with a
//! **compare-and-swap**: `UPDATE cards SET replay_window = new, key_use = new
//! WHERE id = card AND replay_window = old AND key_use = old`, in the same
//! transaction as the row in `approvals` (whose primary key `(card_id, atc)`
//! is a second, independent guard). If another request changed the card in
//! between, the swap matches no row and the request starts over from the
//! read: two requests that both saw the same window can never both commit.
//! The service answers "approved" only after that transaction's `COMMIT`
//! returned.
//!
//! * **SQLite** (one machine; the scale-out store is PostgreSQL): the
//!   instance keeps a **directory** in memory: every card's record and
//!   token runs, loaded at start-up and on enrolment, so a lookup is a hash
//!   probe, not a round trip to a database thread (a card not in memory is
//!   looked up in the database and added). One writer task owns the
//!   only write connection and the directory's mutable state: it checks
//!   each pending swap against the state in memory (which it alone
//!   changes, and only after the database committed), writes every swap
//!   that passed in one `BEGIN IMMEDIATE` transaction of two multi-row
//!   statements (one `INSERT INTO approvals`, one `UPDATE cards … FROM
//!   (VALUES …)` that still compares the old state: the database's own
//!   compare-and-swap stays the second guard), and answers each request
//!   only after `COMMIT` returned (group commit: one WAL sync per batch).
//!   Should the database disagree with memory (a row count that is not the
//!   number of swaps: another instance on the same file committed), the
//!   batch is rolled back and applied again one approval at a time with the
//!   database deciding each swap, and the batch's cards are read back into
//!   memory before their requests retry. So a second instance on the same
//!   file stays exactly-once (tested), only slower. The
//!   database runs in WAL mode with `synchronous = FULL` by default: a
//!   committed approval survives a crash of the process **and** a power
//!   loss (the WAL is synced at every commit). [`SqliteSync::Normal`]
//!   syncs only at checkpoints: it survives a crash of the process (the
//!   commit is in the OS page cache) but may lose the last approvals on a
//!   power loss or kernel crash — their ATCs could then be approved a
//!   second time. Use `Normal` only where that is acceptable. After a
//!   restart the directory is read back from the database, so memory never
//!   holds a state the database does not.
//! * **PostgreSQL**: each swap is one statement (a data-modifying CTE: the
//!   `UPDATE … RETURNING` feeds the `INSERT INTO approvals`), so it is its
//!   own transaction, over a pool; the server groups concurrent commits
//!   itself. Every connection sets `synchronous_commit = on`, whatever the
//!   server's default: `COMMIT` returns only once the WAL record is flushed
//!   to the server's disk (survives a crash of the server process and a
//!   power loss, given `fsync = on` and honest disks). `off` would lose up
//!   to three `wal_writer_delay`s of approvals on a server crash; with
//!   synchronous replication, `remote_apply`/`on` also waits for the
//!   standby. Under `READ COMMITTED`, a concurrent `UPDATE` re-checks the
//!   `WHERE` against the row version the other transaction committed, so
//!   the swap is exact across any number of service instances.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{ConnectOptions, QueryBuilder, Row};
use tokio::sync::{mpsc, oneshot};

use crate::config::CardEnrolment;

/// A database failure (the driver's message). The service answers 503 and
/// changes nothing it has not committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "database: {}", self.0)
    }
}

impl std::error::Error for StoreError {}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError(e.to_string())
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        StoreError(e.to_string())
    }
}

/// SQLite's `synchronous` setting (WAL mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SqliteSync {
    /// Sync the WAL at every commit: approvals survive power loss. Default.
    #[default]
    Full,
    /// Sync only at checkpoints: approvals survive a crash of the process,
    /// not a power loss.
    Normal,
}

/// One card, as the authorisation path reads it.
#[derive(Debug, Clone)]
pub struct CardRecord {
    /// Database id.
    pub id: i64,
    /// The issuer's name for the card.
    pub card_ref: String,
    /// The account PAN (demo: stored in clear).
    pub pan: String,
    /// PAN sequence number.
    pub psn: u8,
    /// The pinned CVN, by its name in tapcrypt's catalogue.
    pub cvn: String,
    /// Name of the issuer master key.
    pub imk: String,
    /// Serialised replay window.
    pub replay_window: Vec<u8>,
    /// Serialised key-use counts (limits included).
    pub key_use: Vec<u8>,
}

/// An approval to commit: the swap of the card's state and its record.
#[derive(Debug, Clone)]
pub struct Approval {
    /// The card.
    pub card_id: i64,
    /// The state read (what the swap compares against).
    pub old_window: Vec<u8>,
    /// The key-use counters read.
    pub old_key_use: Vec<u8>,
    /// The state to write.
    pub new_window: Vec<u8>,
    /// The key-use counters to write.
    pub new_key_use: Vec<u8>,
    /// The ATC approved.
    pub atc: u16,
    /// Amount, minor units.
    pub amount: u64,
    /// ISO 4217 numeric currency.
    pub currency: u16,
}

/// What a commit did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Committed {
    /// Durable: the approval may be answered.
    Yes,
    /// Another request changed the card first: read again and redo.
    Conflict,
}

/// The SQLite writer's queue entry.
struct WriteRequest {
    approval: Approval,
    reply: oneshot::Sender<Result<Committed, StoreError>>,
}

/// Most swaps one SQLite transaction groups.
const MAX_BATCH: usize = 512;

/// The store (cheap to clone: handles only).
#[derive(Debug, Clone)]
pub enum Store {
    /// SQLite: the in-memory directory, a read pool (audits, tests) and
    /// the writer task's queue.
    Sqlite {
        /// Readers.
        pool: SqlitePool,
        /// The writer task.
        writer: mpsc::Sender<WriteRequestHandle>,
        /// Every card and token run, as committed.
        directory: Arc<RwLock<Directory>>,
    },
    /// PostgreSQL: one pool for everything.
    Postgres(PgPool),
}

/// Opaque queue entry (the writer task's input).
pub struct WriteRequestHandle(WriteRequest);

impl std::fmt::Debug for WriteRequestHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteRequest")
            .field("card_id", &self.0.approval.card_id)
            .finish_non_exhaustive()
    }
}

/// The SQLite store's cards in memory: what a lookup reads. Only the writer
/// task changes a card's state, after the database committed it; enrolment
/// only adds cards.
#[derive(Default)]
pub struct Directory {
    cards: HashMap<i64, CardRecord>,
    by_pan: HashMap<String, i64>,
    /// range → first sequence number → (last sequence number, card id).
    runs: HashMap<String, BTreeMap<i64, (i64, i64)>>,
}

impl std::fmt::Debug for Directory {
    // Counts only: no PAN reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Directory")
            .field("cards", &self.cards.len())
            .field("ranges", &self.runs.len())
            .finish()
    }
}

impl Directory {
    fn add_card(&mut self, card: CardRecord) {
        // An enrolled card's state belongs to the writer: never overwrite.
        if let std::collections::hash_map::Entry::Vacant(e) = self.cards.entry(card.id) {
            self.by_pan.insert(card.pan.clone(), card.id);
            e.insert(card);
        }
    }

    fn add_run(&mut self, range: String, first: i64, last: i64, card_id: i64) {
        self.runs
            .entry(range)
            .or_default()
            .entry(first)
            .or_insert((last, card_id));
    }

    fn by_pan(&self, pan: &str) -> Option<CardRecord> {
        self.by_pan
            .get(pan)
            .and_then(|id| self.cards.get(id))
            .cloned()
    }

    /// The run with the highest first sequence number that holds `seq`
    /// (the SQL of the PostgreSQL path says the same).
    fn by_token(&self, range: &str, seq: i64) -> Option<CardRecord> {
        self.runs
            .get(range)?
            .range(..=seq)
            .rev()
            .find(|(_, (last, _))| *last >= seq)
            .and_then(|(_, (_, id))| self.cards.get(id))
            .cloned()
    }
}

fn poisoned<T>(_: T) -> StoreError {
    StoreError("the card directory's lock is poisoned".to_owned())
}

/// Reads every card (or the one named `card_ref`) and its token runs into
/// `directory`.
async fn load_directory(
    pool: &SqlitePool,
    directory: &RwLock<Directory>,
    card_ref: Option<&str>,
) -> Result<(), StoreError> {
    let (cards, runs) = match card_ref {
        None => (
            sqlx::query(
                "SELECT id, card_ref, pan, psn, cvn, imk, replay_window, key_use FROM cards",
            )
            .fetch_all(pool)
            .await?,
            sqlx::query("SELECT range_id, first_seq, last_seq, card_id FROM token_runs")
                .fetch_all(pool)
                .await?,
        ),
        Some(r) => (
            sqlx::query(
                "SELECT id, card_ref, pan, psn, cvn, imk, replay_window, key_use \
                 FROM cards WHERE card_ref = ?",
            )
            .bind(r)
            .fetch_all(pool)
            .await?,
            sqlx::query(
                "SELECT t.range_id, t.first_seq, t.last_seq, t.card_id FROM token_runs t \
                 JOIN cards c ON c.id = t.card_id WHERE c.card_ref = ?",
            )
            .bind(r)
            .fetch_all(pool)
            .await?,
        ),
    };
    let cards = cards
        .iter()
        .map(card_from_sqlite)
        .collect::<Result<Vec<_>, _>>()?;
    let runs = runs
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
        .collect::<Result<Vec<(String, i64, i64, i64)>, sqlx::Error>>()?;
    let mut d = directory.write().map_err(poisoned)?;
    for c in cards {
        d.add_card(c);
    }
    for (range, first, last, card) in runs {
        d.add_run(range, first, last, card);
    }
    Ok(())
}

/// A card from memory (`find`) or, when memory has none, from the
/// database: `card_ref_query` returns the card's `card_ref`, whose record
/// and runs are then added to memory.
async fn sqlite_card(
    pool: &SqlitePool,
    directory: &RwLock<Directory>,
    find: impl Fn(&Directory) -> Option<CardRecord>,
    card_ref_query: sqlx::query::Query<'_, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>,
) -> Result<Option<CardRecord>, StoreError> {
    if let Some(card) = find(&*directory.read().map_err(poisoned)?) {
        return Ok(Some(card));
    }
    let Some(row) = card_ref_query.fetch_optional(pool).await? else {
        return Ok(None);
    };
    let card_ref: String = row.try_get(0)?;
    load_directory(pool, directory, Some(&card_ref)).await?;
    Ok(find(&*directory.read().map_err(poisoned)?))
}

fn to_i64(v: u64, what: &str) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError(format!("{what} out of range")))
}

impl Store {
    /// Opens (creating if need be) the database at `url` — `sqlite://PATH`
    /// or `postgres://…` — and applies the migrations.
    ///
    /// # Errors
    /// [`StoreError`] if the database cannot be opened or migrated.
    pub async fn open(url: &str, sync: SqliteSync) -> Result<Store, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url)?.options([("synchronous_commit", "on")]);
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await?;
            sqlx::migrate!("./migrations/postgres").run(&pool).await?;
            Ok(Store::Postgres(pool))
        } else if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(match sync {
                    SqliteSync::Full => SqliteSynchronous::Full,
                    SqliteSync::Normal => SqliteSynchronous::Normal,
                })
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5));
            let mut conn = opts.connect().await?;
            sqlx::migrate!("./migrations/sqlite").run(&mut conn).await?;
            let pool = SqlitePoolOptions::new()
                .max_connections(4)
                .min_connections(1)
                .connect_with(opts)
                .await?;
            let directory = Arc::new(RwLock::new(Directory::default()));
            load_directory(&pool, &directory, None).await?;
            let (tx, rx) = mpsc::channel(4 * MAX_BATCH);
            tokio::spawn(sqlite_writer(conn, rx, Arc::clone(&directory)));
            Ok(Store::Sqlite {
                pool,
                writer: tx,
                directory,
            })
        } else {
            Err(StoreError(
                "the database URL must start with sqlite: or postgres://".to_owned(),
            ))
        }
    }

    /// Enrols a card unless a card with its `card_ref` exists; never
    /// touches an existing card's state.
    ///
    /// # Errors
    /// [`StoreError`].
    pub async fn enrol(
        &self,
        card: &CardEnrolment,
        psn: u8,
        initial_window: &[u8],
        initial_key_use: &[u8],
    ) -> Result<(), StoreError> {
        let runs = card
            .tokens
            .iter()
            .map(|t| {
                let last = t
                    .first_seq
                    .checked_add(t.count)
                    .and_then(|e| e.checked_sub(1))
                    .ok_or_else(|| StoreError("empty or overflowing token run".to_owned()))?;
                Ok((
                    t.range.clone(),
                    to_i64(t.first_seq, "first_seq")?,
                    to_i64(last, "last_seq")?,
                ))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        match self {
            Store::Sqlite {
                pool, directory, ..
            } => {
                let mut tx = pool.begin().await?;
                sqlx::query(
                    "INSERT INTO cards (card_ref, pan, psn, cvn, imk, replay_window, key_use) \
                     VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                )
                .bind(&card.card_ref)
                .bind(&card.pan)
                .bind(i64::from(psn))
                .bind(&card.cvn)
                .bind(&card.imk)
                .bind(initial_window.to_vec())
                .bind(initial_key_use.to_vec())
                .execute(&mut *tx)
                .await?;
                let id: i64 = sqlx::query("SELECT id FROM cards WHERE card_ref = ?")
                    .bind(&card.card_ref)
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get(0)?;
                for (range, first, last) in runs {
                    sqlx::query(
                        "INSERT INTO token_runs (range_id, first_seq, last_seq, card_id) \
                         VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    )
                    .bind(range)
                    .bind(first)
                    .bind(last)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                load_directory(pool, directory, Some(&card.card_ref)).await?;
            }
            Store::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query(
                    "INSERT INTO cards (card_ref, pan, psn, cvn, imk, replay_window, key_use) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
                )
                .bind(&card.card_ref)
                .bind(&card.pan)
                .bind(i16::from(psn))
                .bind(&card.cvn)
                .bind(&card.imk)
                .bind(initial_window.to_vec())
                .bind(initial_key_use.to_vec())
                .execute(&mut *tx)
                .await?;
                let id: i64 = sqlx::query("SELECT id FROM cards WHERE card_ref = $1")
                    .bind(&card.card_ref)
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get(0)?;
                for (range, first, last) in runs {
                    sqlx::query(
                        "INSERT INTO token_runs (range_id, first_seq, last_seq, card_id) \
                         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                    )
                    .bind(range)
                    .bind(first)
                    .bind(last)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
            }
        }
        Ok(())
    }

    /// The card with account PAN `pan`.
    ///
    /// # Errors
    /// [`StoreError`].
    pub async fn card_by_pan(&self, pan: &str) -> Result<Option<CardRecord>, StoreError> {
        match self {
            Store::Sqlite {
                pool, directory, ..
            } => {
                // Not in memory: unknown, or enrolled by another instance
                // since this one started. The database says which.
                let q = sqlx::query("SELECT card_ref FROM cards WHERE pan = ?").bind(pan);
                sqlite_card(pool, directory, |d| d.by_pan(pan), q).await
            }
            Store::Postgres(pool) => {
                let row = sqlx::query(
                    "SELECT id, card_ref, pan, psn, cvn, imk, replay_window, key_use FROM cards WHERE pan = $1",
                )
                .bind(pan)
                .fetch_optional(pool)
                .await?;
                row.map(|r| card_from_pg(&r)).transpose()
            }
        }
    }

    /// The card DPAN sequence number `seq` of range `range` was issued to.
    ///
    /// # Errors
    /// [`StoreError`].
    pub async fn card_by_token(
        &self,
        range: &str,
        seq: u64,
    ) -> Result<Option<CardRecord>, StoreError> {
        let seq = to_i64(seq, "sequence number")?;
        match self {
            Store::Sqlite {
                pool, directory, ..
            } => {
                let q = sqlx::query(
                    "SELECT c.card_ref FROM token_runs t JOIN cards c ON c.id = t.card_id \
                     WHERE t.range_id = ? AND t.first_seq <= ? AND t.last_seq >= ? \
                     ORDER BY t.first_seq DESC LIMIT 1",
                )
                .bind(range)
                .bind(seq)
                .bind(seq);
                sqlite_card(pool, directory, |d| d.by_token(range, seq), q).await
            }
            Store::Postgres(pool) => {
                let row = sqlx::query(
                    "SELECT c.id, c.card_ref, c.pan, c.psn, c.cvn, c.imk, \
                     c.replay_window, c.key_use \
                     FROM token_runs t JOIN cards c ON c.id = t.card_id \
                     WHERE t.range_id = $1 AND t.first_seq <= $2 AND t.last_seq >= $2 \
                     ORDER BY t.first_seq DESC LIMIT 1",
                )
                .bind(range)
                .bind(seq)
                .fetch_optional(pool)
                .await?;
                row.map(|r| card_from_pg(&r)).transpose()
            }
        }
    }

    /// Commits an approval with compare-and-swap; returns once it is durable
    /// (or failed).
    ///
    /// # Errors
    /// [`StoreError`]: nothing was committed.
    pub async fn commit(&self, approval: Approval) -> Result<Committed, StoreError> {
        match self {
            Store::Sqlite { writer, .. } => {
                let (reply, rx) = oneshot::channel();
                writer
                    .send(WriteRequestHandle(WriteRequest { approval, reply }))
                    .await
                    .map_err(|_| StoreError("the writer task has stopped".to_owned()))?;
                rx.await
                    .map_err(|_| StoreError("the writer task has stopped".to_owned()))?
            }
            Store::Postgres(pool) => {
                let r = sqlx::query(
                    "WITH swapped AS ( \
                       UPDATE cards SET replay_window = $1, key_use = $2 \
                       WHERE id = $3 AND replay_window = $4 AND key_use = $5 RETURNING id) \
                     INSERT INTO approvals (card_id, atc, amount, currency) \
                     SELECT id, $6, $7, $8 FROM swapped",
                )
                .bind(&approval.new_window)
                .bind(&approval.new_key_use)
                .bind(approval.card_id)
                .bind(&approval.old_window)
                .bind(&approval.old_key_use)
                .bind(i32::from(approval.atc))
                .bind(to_i64(approval.amount, "amount")?)
                .bind(i32::from(approval.currency))
                .execute(pool)
                .await;
                match r {
                    Ok(done) if done.rows_affected() == 1 => Ok(Committed::Yes),
                    Ok(_) => Ok(Committed::Conflict),
                    // The (card, ATC) guard fired: the statement rolled back
                    // as a whole. Read again: the window will say "replay".
                    Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                        Ok(Committed::Conflict)
                    }
                    Err(e) => Err(e.into()),
                }
            }
        }
    }

    /// Every approval recorded: `(card_ref, ATC)`, sorted (for tests and
    /// audits).
    ///
    /// # Errors
    /// [`StoreError`].
    pub async fn approvals(&self) -> Result<Vec<(String, u16)>, StoreError> {
        const Q: &str = "SELECT c.card_ref, a.atc FROM approvals a JOIN cards c ON c.id = a.card_id \
                         ORDER BY c.card_ref, a.atc";
        let rows = match self {
            Store::Sqlite { pool, .. } => sqlx::query(Q)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| Ok((r.try_get(0)?, r.try_get::<i64, _>(1)?)))
                .collect::<Result<Vec<(String, i64)>, sqlx::Error>>()?,
            Store::Postgres(pool) => sqlx::query(Q)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| Ok((r.try_get(0)?, i64::from(r.try_get::<i32, _>(1)?))))
                .collect::<Result<Vec<(String, i64)>, sqlx::Error>>()?,
        };
        rows.into_iter()
            .map(|(c, a)| {
                u16::try_from(a)
                    .map(|a| (c, a))
                    .map_err(|_| StoreError("ATC out of range in the database".to_owned()))
            })
            .collect()
    }

    /// A text fingerprint of all mutable state (every card's window and
    /// counters, every approval), for tests that check a request changed
    /// nothing.
    ///
    /// # Errors
    /// [`StoreError`].
    pub async fn fingerprint(&self) -> Result<String, StoreError> {
        const Q: &str = "SELECT card_ref, replay_window, key_use FROM cards ORDER BY card_ref";
        let mut out = String::new();
        let rows: Vec<(String, Vec<u8>, Vec<u8>)> = match self {
            Store::Sqlite { pool, .. } => sqlx::query_as(Q).fetch_all(pool).await?,
            Store::Postgres(pool) => sqlx::query_as(Q).fetch_all(pool).await?,
        };
        for (c, w, k) in rows {
            out.push_str(&format!("{c}:{}:{};", hex::encode(w), hex::encode(k)));
        }
        for (c, a) in self.approvals().await? {
            out.push_str(&format!("{c}@{a};"));
        }
        Ok(out)
    }

    /// Closes the pools (the SQLite writer stops when the last handle goes).
    pub async fn close(&self) {
        match self {
            Store::Sqlite { pool, .. } => pool.close().await,
            Store::Postgres(pool) => pool.close().await,
        }
    }
}

fn small(v: i64, what: &str) -> Result<u8, StoreError> {
    u8::try_from(v).map_err(|_| StoreError(format!("{what} out of range in the database")))
}

fn card_from_sqlite(r: &sqlx::sqlite::SqliteRow) -> Result<CardRecord, StoreError> {
    Ok(CardRecord {
        id: r.try_get(0)?,
        card_ref: r.try_get(1)?,
        pan: r.try_get(2)?,
        psn: small(r.try_get(3)?, "psn")?,
        cvn: r.try_get(4)?,
        imk: r.try_get(5)?,
        replay_window: r.try_get(6)?,
        key_use: r.try_get(7)?,
    })
}

fn card_from_pg(r: &sqlx::postgres::PgRow) -> Result<CardRecord, StoreError> {
    Ok(CardRecord {
        id: r.try_get(0)?,
        card_ref: r.try_get(1)?,
        pan: r.try_get(2)?,
        psn: small(i64::from(r.try_get::<i16, _>(3)?), "psn")?,
        cvn: r.try_get(4)?,
        imk: r.try_get(5)?,
        replay_window: r.try_get(6)?,
        key_use: r.try_get(7)?,
    })
}

/// The SQLite writer: waits for one swap, takes every other one already
/// queued (up to [`MAX_BATCH`]), commits them together ([`commit_batch`]),
/// and answers each only after `COMMIT` returned.
async fn sqlite_writer(
    mut conn: SqliteConnection,
    mut rx: mpsc::Receiver<WriteRequestHandle>,
    directory: Arc<RwLock<Directory>>,
) {
    let mut batch: Vec<WriteRequest> = Vec::with_capacity(MAX_BATCH);
    while let Some(WriteRequestHandle(first)) = rx.recv().await {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(WriteRequestHandle(r)) => batch.push(r),
                Err(_) => break,
            }
        }
        match commit_batch(&mut conn, &directory, &batch).await {
            Ok(results) => {
                for (req, res) in batch.drain(..).zip(results) {
                    let _ = req.reply.send(Ok(res));
                }
            }
            Err(e) => {
                let _ = sqlx::raw_sql("ROLLBACK").execute(&mut conn).await;
                for req in batch.drain(..) {
                    let _ = req.reply.send(Err(e.clone()));
                }
            }
        }
    }
}

/// Decides every swap of `batch` against the directory (a swap passes if
/// the card's state is still the one its request read, and no earlier swap
/// of the batch is for the same card), writes the ones that passed in one
/// transaction, then — only once `COMMIT` returned — puts their new state
/// in the directory.
async fn commit_batch(
    conn: &mut SqliteConnection,
    directory: &RwLock<Directory>,
    batch: &[WriteRequest],
) -> Result<Vec<Committed>, StoreError> {
    let mut results = vec![Committed::Conflict; batch.len()];
    {
        let d = directory.read().map_err(poisoned)?;
        let mut cards = HashSet::with_capacity(batch.len());
        for (req, res) in batch.iter().zip(results.iter_mut()) {
            let a = &req.approval;
            let current = d.cards.get(&a.card_id);
            if current
                .is_some_and(|c| c.replay_window == a.old_window && c.key_use == a.old_key_use)
                && cards.insert(a.card_id)
            {
                *res = Committed::Yes;
            }
        }
    }
    let passed: Vec<&Approval> = batch
        .iter()
        .zip(&results)
        .filter(|(_, r)| **r == Committed::Yes)
        .map(|(req, _)| &req.approval)
        .collect();
    if passed.is_empty() {
        return Ok(results);
    }
    if !write_swaps(conn, &passed).await? {
        // The database disagrees with memory (or an ATC is already
        // recorded): undo, and let the database decide one by one.
        sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await?;
        results = apply_one_by_one(conn, batch).await?;
        // Memory was behind the database (another instance on the same
        // file committed): read the batch's cards back, so the requests'
        // retries decide on the state the database holds.
        let mut ids = QueryBuilder::<sqlx::Sqlite>::new(
            "SELECT id, replay_window, key_use FROM cards WHERE id IN (",
        );
        let mut list = ids.separated(", ");
        for req in batch {
            list.push_bind(req.approval.card_id);
        }
        ids.push(")");
        let rows = ids.build().fetch_all(&mut *conn).await?;
        let mut d = directory.write().map_err(poisoned)?;
        for r in &rows {
            let id: i64 = r.try_get(0)?;
            if let Some(c) = d.cards.get_mut(&id) {
                c.replay_window = r.try_get(1)?;
                c.key_use = r.try_get(2)?;
            }
        }
        return Ok(results);
    }
    let mut d = directory.write().map_err(poisoned)?;
    for (req, res) in batch.iter().zip(&results) {
        if *res == Committed::Yes {
            let a = &req.approval;
            if let Some(c) = d.cards.get_mut(&a.card_id) {
                c.replay_window.clone_from(&a.new_window);
                c.key_use.clone_from(&a.new_key_use);
            }
        }
    }
    Ok(results)
}

/// One transaction, two statements, whatever the batch size. `Ok(false)`
/// (transaction left open for the caller to roll back) when a statement
/// touched fewer rows than there are swaps.
async fn write_swaps(conn: &mut SqliteConnection, swaps: &[&Approval]) -> Result<bool, StoreError> {
    let amounts = swaps
        .iter()
        .map(|a| to_i64(a.amount, "amount"))
        .collect::<Result<Vec<_>, _>>()?;
    let n = u64::try_from(swaps.len()).map_err(|_| StoreError("batch size".to_owned()))?;
    sqlx::raw_sql("BEGIN IMMEDIATE").execute(&mut *conn).await?;
    // The (card, ATC) guard: a duplicate inserts nothing, and the count
    // tells.
    let mut insert = QueryBuilder::<sqlx::Sqlite>::new(
        "INSERT INTO approvals (card_id, atc, amount, currency) ",
    );
    insert.push_values(swaps.iter().zip(&amounts), |mut row, (a, amount)| {
        row.push_bind(a.card_id)
            .push_bind(i64::from(a.atc))
            .push_bind(*amount)
            .push_bind(i64::from(a.currency));
    });
    insert.push(" ON CONFLICT DO NOTHING");
    if insert.build().execute(&mut *conn).await?.rows_affected() != n {
        return Ok(false);
    }
    // The database's own compare-and-swap, for every card at once.
    let mut update = QueryBuilder::<sqlx::Sqlite>::new(
        "UPDATE cards SET replay_window = v.column2, key_use = v.column3 FROM (",
    );
    update.push_values(swaps, |mut row, a| {
        row.push_bind(a.card_id)
            .push_bind(a.new_window.as_slice())
            .push_bind(a.new_key_use.as_slice())
            .push_bind(a.old_window.as_slice())
            .push_bind(a.old_key_use.as_slice());
    });
    update.push(
        ") AS v WHERE cards.id = v.column1 \
         AND cards.replay_window = v.column4 AND cards.key_use = v.column5",
    );
    if update.build().execute(&mut *conn).await?.rows_affected() != n {
        return Ok(false);
    }
    sqlx::raw_sql("COMMIT").execute(&mut *conn).await?;
    Ok(true)
}

/// The slow path: each approval in turn, the database's compare-and-swap
/// deciding, in one transaction.
async fn apply_one_by_one(
    conn: &mut SqliteConnection,
    batch: &[WriteRequest],
) -> Result<Vec<Committed>, StoreError> {
    sqlx::raw_sql("BEGIN IMMEDIATE").execute(&mut *conn).await?;
    let mut results = Vec::with_capacity(batch.len());
    for req in batch {
        let a = &req.approval;
        // The (card, ATC) guard first: a duplicate inserts nothing.
        let inserted = sqlx::query(
            "INSERT INTO approvals (card_id, atc, amount, currency) VALUES (?, ?, ?, ?) \
             ON CONFLICT DO NOTHING",
        )
        .bind(a.card_id)
        .bind(i64::from(a.atc))
        .bind(to_i64(a.amount, "amount")?)
        .bind(i64::from(a.currency))
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if inserted != 1 {
            results.push(Committed::Conflict);
            continue;
        }
        let swapped = sqlx::query(
            "UPDATE cards SET replay_window = ?, key_use = ? \
             WHERE id = ? AND replay_window = ? AND key_use = ?",
        )
        .bind(&a.new_window)
        .bind(&a.new_key_use)
        .bind(a.card_id)
        .bind(&a.old_window)
        .bind(&a.old_key_use)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if swapped == 1 {
            results.push(Committed::Yes);
        } else {
            sqlx::query("DELETE FROM approvals WHERE card_id = ? AND atc = ?")
                .bind(a.card_id)
                .bind(i64::from(a.atc))
                .execute(&mut *conn)
                .await?;
            results.push(Committed::Conflict);
        }
    }
    sqlx::raw_sql("COMMIT").execute(&mut *conn).await?;
    Ok(results)
}
