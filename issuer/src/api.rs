//! The HTTP API (axum): `POST /v1/authorisations`, `GET /v1/health`.
//!
//! Every error is a JSON object `{"error": CODE, "message": TEXT}` with a
//! 4xx status for what the client sent (nothing is written) and 503 when the
//! database failed (nothing was committed). No request data reaches an
//! `unwrap`: every field is checked and every failure has a status.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tapcrypt::Pan;
use tapcrypt::token::Dpan;

use crate::authorise::{self, Decision, Refusal, Tap};
use crate::keys::{KeyError, KeyStore};
use crate::store::{Approval, CardRecord, Committed, Store};

/// Largest request body accepted (bytes). Field 55 is at most a few hundred
/// bytes; anything much larger is refused before it is parsed.
pub const MAX_BODY: usize = 4096;

/// How many times an approval is retried when another request changed the
/// card between the read and the compare-and-swap.
const MAX_ATTEMPTS: usize = 16;

/// `POST /v1/authorisations` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthorisationRequest {
    /// The card's PAN (13–19 digits) — or:
    #[serde(default)]
    pub pan: Option<String>,
    /// a one-time DPAN (16 digits). Exactly one of `pan` and `token`.
    #[serde(default)]
    pub token: Option<String>,
    /// Field 55 (ICC data): BER-TLV, hex.
    pub icc_data: String,
    /// Amount in minor units; must equal 9F02 in the ICC data.
    pub amount: u64,
    /// ISO 4217 numeric currency; must equal 5F2A in the ICC data.
    pub currency: u16,
}

/// `POST /v1/authorisations` answer (status 200, approved or declined).
#[derive(Debug, Serialize, Deserialize, Clone, PartialEq, Eq)]
pub struct AuthorisationResponse {
    /// `"approved"` or `"declined"`.
    pub decision: String,
    /// `"approved"`, or why it was declined.
    pub reason: String,
    /// The ATC (hex), when the cryptogram verified.
    pub atc: Option<String>,
    /// The ARPC (hex), when the cryptogram verified.
    pub arpc: Option<String>,
    /// Tag 91's value, Issuer Authentication Data (hex): ARPC ‖ ARC or
    /// ARPC ‖ CSU, when the cryptogram verified.
    pub tag91: Option<String>,
    /// The card's limited-use key is at its low-water mark: replenish it.
    pub replenish: bool,
}

/// The JSON error body.
#[derive(Debug, Serialize, Deserialize, Clone, PartialEq, Eq)]
pub struct ErrorBody {
    /// A stable code.
    pub error: String,
    /// What was wrong, for a human.
    pub message: String,
}

/// A failed request.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(ErrorBody {
                error: self.code.to_owned(),
                message: self.message,
            }),
        )
            .into_response()
    }
}

/// The service: its store and key store. Cheap to clone.
#[derive(Clone)]
pub struct Issuer {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    keys: Arc<dyn KeyStore>,
    /// Serialises, inside one instance, the requests that name the same
    /// card (same PAN, same DPAN): they would otherwise race to the same
    /// compare-and-swap and retry. Sharded by a hash of the name; the
    /// compare-and-swap still decides across instances.
    locks: Vec<tokio::sync::Mutex<()>>,
}

/// Lock shards.
const LOCK_SHARDS: usize = 1024;

impl std::fmt::Debug for Issuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issuer")
            .field("store", &self.inner.store)
            .finish_non_exhaustive()
    }
}

impl Issuer {
    /// A service over `store` and `keys`.
    #[must_use]
    pub fn new(store: Store, keys: Arc<dyn KeyStore>) -> Self {
        Issuer {
            inner: Arc::new(Inner {
                store,
                keys,
                locks: (0..LOCK_SHARDS)
                    .map(|_| tokio::sync::Mutex::new(()))
                    .collect(),
            }),
        }
    }

    /// The store.
    #[must_use]
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The HTTP routes.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/v1/authorisations", post(authorise))
            .route("/v1/health", get(health))
            .fallback(not_found)
            .method_not_allowed_fallback(method_not_allowed)
            .layer(DefaultBodyLimit::max(MAX_BODY))
            .with_state(self.clone())
    }
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "use POST /v1/authorisations",
    )
}

fn rejection(r: &JsonRejection) -> ApiError {
    let code = match r {
        JsonRejection::MissingJsonContentType(_) => "unsupported_media_type",
        JsonRejection::JsonSyntaxError(_) => "malformed_json",
        JsonRejection::JsonDataError(_) => "invalid_request",
        JsonRejection::BytesRejection(_) => "body_unreadable",
        _ => "invalid_request",
    };
    let status = match r.status() {
        StatusCode::PAYLOAD_TOO_LARGE => {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("the body is over {MAX_BODY} bytes"),
            );
        }
        StatusCode::UNPROCESSABLE_ENTITY => StatusCode::BAD_REQUEST,
        s if s.is_client_error() => s,
        _ => StatusCode::BAD_REQUEST,
    };
    ApiError::new(status, code, r.body_text())
}

/// Where the card is found, so that a retry reads it again.
#[derive(Hash)]
enum CardKey {
    Pan(String),
    Token(String, u64),
}

impl CardKey {
    fn shard(&self) -> usize {
        use std::hash::{Hash, Hasher};
        let mut h = std::hash::DefaultHasher::new();
        self.hash(&mut h);
        usize::try_from(h.finish() % LOCK_SHARDS as u64).unwrap_or(0)
    }
}

async fn lookup(store: &Store, key: &CardKey) -> Result<CardRecord, ApiError> {
    let found = match key {
        CardKey::Pan(p) => store.card_by_pan(p).await,
        CardKey::Token(r, s) => store.card_by_token(r, *s).await,
    }
    .map_err(|e| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "database", e.to_string()))?;
    found.ok_or_else(|| match key {
        CardKey::Pan(_) => ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_card",
            "no card with this PAN",
        ),
        CardKey::Token(..) => ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_token",
            "this DPAN was never issued to a card",
        ),
    })
}

fn refused(r: Refusal) -> ApiError {
    match r {
        Refusal::IccData(m) => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_icc_data", m)
        }
        Refusal::AmountMismatch(m) => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "amount_mismatch", m)
        }
        Refusal::TokenRequired => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "token_required",
            "this card's CVN binds the DPAN: send the token, not the PAN",
        ),
        Refusal::NotAnArqc => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_an_arqc",
            "the CID (9F27) does not say ARQC: only ARQCs are authorised online",
        ),
        Refusal::Internal(m) => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", m),
    }
}

fn unix_nanos() -> u32 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos())
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

async fn authorise(
    State(app): State<Issuer>,
    body: Result<Json<AuthorisationRequest>, JsonRejection>,
) -> Result<Json<AuthorisationResponse>, ApiError> {
    let Json(req) = body.map_err(|r| rejection(&r))?;
    let icc = hex::decode(req.icc_data.trim())
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_hex", format!("icc_data: {e}")))?;
    if req.currency > 999 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_currency",
            "currency is an ISO 4217 numeric code, 0 to 999",
        ));
    }
    let store = &app.inner.store;
    let keys = app.inner.keys.as_ref();
    let (key, dpan) = match (&req.pan, &req.token) {
        (Some(p), None) => {
            Pan::parse(p)
                .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_pan", e.to_string()))?;
            (CardKey::Pan(p.clone()), None)
        }
        (None, Some(t)) => {
            let dpan = Dpan::parse(t)
                .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_token", e.to_string()))?;
            let (range, seq) = keys.detokenise(&dpan).map_err(|e| match e {
                KeyError::UnknownToken => ApiError::new(
                    StatusCode::NOT_FOUND,
                    "unknown_token",
                    "this DPAN is in no range of this issuer",
                ),
                other => ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    other.to_string(),
                ),
            })?;
            (CardKey::Token(range, seq), Some(dpan))
        }
        _ => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "send exactly one of pan and token",
            ));
        }
    };
    let lock = app
        .inner
        .locks
        .get(key.shard())
        .ok_or_else(|| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "lock"))?;
    let _guard = lock.lock().await;
    for attempt in 0..MAX_ATTEMPTS {
        if attempt > 0 {
            // Another instance (or another DPAN of this card) won the swap:
            // back off a little, growing, before reading again.
            let jitter = u64::from(unix_nanos() % 1000);
            tokio::time::sleep(std::time::Duration::from_micros(
                jitter + 500 * attempt as u64,
            ))
            .await;
        }
        let card = lookup(store, &key).await?;
        let pan = Pan::parse(&card.pan).map_err(|e| {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
        })?;
        let tap = Tap {
            pan: &pan,
            dpan: dpan.as_ref(),
            icc: &icc,
            amount: req.amount,
            currency: req.currency,
            now: unix_now(),
        };
        match authorise::decide(keys, &card, &tap).map_err(refused)? {
            Decision::Decline {
                reason,
                atc,
                arpc,
                tag91,
            } => {
                return Ok(Json(AuthorisationResponse {
                    decision: "declined".to_owned(),
                    reason: reason.to_owned(),
                    atc: atc.map(|a| hex::encode_upper(a.to_be_bytes())),
                    arpc: arpc.map(hex::encode_upper),
                    tag91: tag91.map(hex::encode_upper),
                    replenish: false,
                }));
            }
            Decision::Approve {
                atc,
                new_window,
                new_key_use,
                arpc,
                tag91,
                replenish,
            } => {
                let committed = store
                    .commit(Approval {
                        card_id: card.id,
                        old_window: card.replay_window,
                        old_key_use: card.key_use,
                        new_window,
                        new_key_use,
                        atc,
                        amount: req.amount,
                        currency: req.currency,
                    })
                    .await
                    .map_err(|e| {
                        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "database", e.to_string())
                    })?;
                if committed == Committed::Yes {
                    return Ok(Json(AuthorisationResponse {
                        decision: "approved".to_owned(),
                        reason: "approved".to_owned(),
                        atc: Some(hex::encode_upper(atc.to_be_bytes())),
                        arpc: Some(hex::encode_upper(arpc)),
                        tag91: Some(hex::encode_upper(tag91)),
                        replenish,
                    }));
                }
                // Another request changed the card first: read it again.
            }
        }
    }
    Err(ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "busy",
        "the card was updated concurrently too many times; retry",
    ))
}
