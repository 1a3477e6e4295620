//! Bad input gets a clear 4xx JSON error and changes nothing: after every
//! case the database's fingerprint (every card's window and counters, every
//! approval) is what it was before.

mod common;

use common::*;
use serde_json::{Value, json};

async fn raw(
    client: &reqwest::Client,
    url: &str,
    method: reqwest::Method,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (u16, Value) {
    let mut r = client.request(method, format!("{url}{path}")).body(body);
    if let Some(ct) = content_type {
        r = r.header("content-type", ct);
    }
    let r = r.send().await.expect("request");
    let status = r.status().as_u16();
    let text = r.text().await.expect("body");
    let v: Value = serde_json::from_str(&text)
        .unwrap_or_else(|_| panic!("status {status}: the body is not JSON: {text:?}"));
    (status, v)
}

/// Flips one hex digit of the TLV value of `tag` (given as its hex text).
fn flip_in(icc: &str, tag_and_len: &str) -> String {
    let at = icc.find(tag_and_len).expect("tag present") + tag_and_len.len();
    let mut b = icc.as_bytes().to_vec();
    b[at] = if b[at] == b'0' { b'1' } else { b'0' };
    String::from_utf8(b).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::type_complexity)]
async fn bad_input_is_a_4xx_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let demo = demo(1, 3);
    let svc = start(&sqlite_url(&dir), &demo).await;
    let client = client();
    let store = svc.issuer.store().clone();

    // One approval first, so the fingerprint has state in it.
    let band = band(&demo, "card-0000", 1);
    let (_, ok) = post(&client, &svc.url, &band.tap_at(1, 500, 978).unwrap()).await;
    assert_eq!(ok["decision"], "approved", "{ok}");
    let before = store.fingerprint().await.unwrap();

    let good = band.tap_at(2, 500, 978).unwrap();
    let icc = good.icc_hex.clone();
    let pan = good.pan.clone().unwrap();
    let dpan_band = common::band(&demo, DPAN_CARD, 3);
    let dpan_tap = dpan_band.tap_at(3, 700, 978).unwrap();
    let body = |v: Value| serde_json::to_vec(&v).unwrap();

    // (name, method, path, content type, body, expected status, expected code)
    let cases: Vec<(
        &str,
        reqwest::Method,
        &str,
        Option<&str>,
        Vec<u8>,
        u16,
        &str,
    )> = vec![
        (
            "non-hex ICC data",
            reqwest::Method::POST,
            "/v1/authorisations",
            Some("application/json"),
            body(json!({"pan": pan, "icc_data": "9F26ZZ", "amount": 500, "currency": 978})),
            400,
            "bad_hex",
        ),
        (
            "odd-length hex",
            reqwest::Method::POST,
            "/v1/authorisations",
            Some("application/json"),
            body(
                json!({"pan": pan, "icc_data": &icc[..icc.len() - 1], "amount": 500, "currency": 978}),
            ),
            400,
            "bad_hex",
        ),
        (
            "truncated TLV",
            reqwest::Method::POST,
            "/v1/authorisations",
            Some("application/json"),
            body(
                json!({"pan": pan, "icc_data": &icc[..icc.len() - 4], "amount": 500, "currency": 978}),
            ),
            422,
            "invalid_icc_data",
        ),
        (
            "empty ICC data",
            reqwest::Method::POST,
            "/v1/authorisations",
            Some("application/json"),
            body(json!({"pan": pan, "icc_data": "", "amount": 500, "currency": 978})),
            422,
            "invalid_icc_data",
        ),
        (
            "a TC, not an ARQC",
            reqwest::Method::POST,
            "/v1/authorisations",
            Some("application/json"),
            body(
                json!({"pan": pan, "icc_data": icc.replace("9F270180", "9F270140"), "amount": 500, "currency": 978}),
            ),
            422,
            "not_an_arqc",
        ),
        (
            "amount differs from 9F02",
            reqwest::Method::POST,
            "/v1/authorisations",
            Some("application/json"),
            body(json!({"pan": pan, "icc_data": icc, "amount": 501, "currency": 978})),
            422,
            "amount_mismatch",
        ),
        (
            "currency differs from 5F2A",
            reqwest::Method::POST,
            "/v1/authorisations",
            Some("application/json"),
            body(json!({"pan": pan, "icc_data": icc, "amount": 500, "currency": 840})),
            422,
            "amount_mismatch",
        ),
        (
            "unknown PAN",
            reqwest::Method::POST,
            "/v1/authorisations",
            Some("application/json"),
            body(
                json!({"pan": "5413339999999999", "icc_data": icc, "amount": 500, "currency": 978}),
            ),
            404,
            "unknown_card",
        ),
        (
            "malformed PAN",
            reqwest::Method::POST,
            "/v1/authorisations",
            Some("application/json"),
            body(json!({"pan": "54133X", "icc_data": icc, "amount": 500, "currency": 978})),
            400,
            "bad_pan",
        ),
        (
            "token of no range (other BIN)",
            reqwest::Method::POST,
            "/v1/authorisations",
            Some("application/json"),
            body(
                json!({"token": "4111111111111111", "icc_data": icc, "amount": 500, "currency": 978}),
            ),
            404,
            "unknown_token",
        ),
        (
            "token with a wrong Luhn digit",
            reqwest::Method::POST,
            "/v1/authorisations",
            Some("application/json"),
            body(
                json!({"token": "5399991200000000", "icc_data": icc, "amount": 500, "currency": 978}),
            ),
            404,
            "unknown_token",
        ),
        (
            "PAN for a DPAN-bound card",
            reqwest::Method::POST,
            "/v1/authorisations",
            Some("application/json"),
            body(
                json!({"pan": "5399991200004242", "icc_data": dpan_tap.icc_hex, "amount": 700, "currency": 978}),
            ),
            422,
            "token_required",
        ),
        (
            "both PAN and token",
            reqwest::Method::POST,
            "/v1/authorisations",
            Some("application/json"),
            body(
                json!({"pan": pan, "token": dpan_tap.token, "icc_data": icc, "amount": 500, "currency": 978}),
            ),
            400,
            "invalid_request",
        ),
        (
            "neither PAN nor token",
            reqwest::Method::POST,
            "/v1/authorisations",
            Some("application/json"),
            body(json!({"icc_data": icc, "amount": 500, "currency": 978})),
            400,
            "invalid_request",
        ),
        (
            "missing field",
            reqwest::Method::POST,
            "/v1/authorisations",
            Some("application/json"),
            body(json!({"pan": pan, "icc_data": icc, "currency": 978})),
            400,
            "invalid_request",
        ),
        (
            "unknown field",
            reqwest::Method::POST,
            "/v1/authorisations",
            Some("application/json"),
            body(json!({"pan": pan, "icc_data": icc, "amount": 500, "currency": 978, "x": 1})),
            400,
            "invalid_request",
        ),
        (
            "negative amount",
            reqwest::Method::POST,
            "/v1/authorisations",
            Some("application/json"),
            body(json!({"pan": pan, "icc_data": icc, "amount": -5, "currency": 978})),
            400,
            "invalid_request",
        ),
        (
            "currency over 999",
            reqwest::Method::POST,
            "/v1/authorisations",
            Some("application/json"),
            body(json!({"pan": pan, "icc_data": icc, "amount": 500, "currency": 9999})),
            400,
            "bad_currency",
        ),
        (
            "not JSON",
            reqwest::Method::POST,
            "/v1/authorisations",
            Some("application/json"),
            b"{\"pan\": ".to_vec(),
            400,
            "malformed_json",
        ),
        (
            "wrong content type",
            reqwest::Method::POST,
            "/v1/authorisations",
            Some("text/plain"),
            body(json!({"pan": pan, "icc_data": icc, "amount": 500, "currency": 978})),
            415,
            "unsupported_media_type",
        ),
        (
            "no content type",
            reqwest::Method::POST,
            "/v1/authorisations",
            None,
            body(json!({"pan": pan, "icc_data": icc, "amount": 500, "currency": 978})),
            415,
            "unsupported_media_type",
        ),
        (
            "oversized body",
            reqwest::Method::POST,
            "/v1/authorisations",
            Some("application/json"),
            body(
                json!({"pan": pan, "icc_data": "00".repeat(8192), "amount": 500, "currency": 978}),
            ),
            413,
            "body_too_large",
        ),
        (
            "GET on the authorisations route",
            reqwest::Method::GET,
            "/v1/authorisations",
            None,
            Vec::new(),
            405,
            "method_not_allowed",
        ),
        (
            "unknown route",
            reqwest::Method::POST,
            "/v1/nothing",
            Some("application/json"),
            b"{}".to_vec(),
            404,
            "not_found",
        ),
    ];
    for (name, method, path, ct, payload, status, code) in cases {
        let (got, v) = raw(&client, &svc.url, method, path, ct, payload).await;
        assert_eq!(
            (got, v["error"].as_str()),
            (status, Some(code)),
            "{name}: {v}"
        );
        assert!(
            v["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{name}: {v}"
        );
        assert_eq!(
            store.fingerprint().await.unwrap(),
            before,
            "{name} changed the database"
        );
    }

    // Well-formed but forged: a flipped bit in the ARQC, the amount or the
    // UN is declined (200), without an ARPC, and changes nothing.
    for (what, tag) in [
        ("ARQC", "9F2608"),
        ("amount", "9F0206"),
        ("UN", "9F3704"),
        ("IAD", "9F1008"),
    ] {
        let forged = flip_in(&icc, tag);
        let amount = if what == "amount" {
            // Keep the request's amount equal to the (forged) 9F02.
            let at = forged.find("9F0206").unwrap() + 6;
            forged[at..at + 12].parse::<u64>().unwrap()
        } else {
            500
        };
        let (status, v) = post_json(
            &client,
            &svc.url,
            &json!({"pan": pan, "icc_data": forged, "amount": amount, "currency": 978}),
        )
        .await;
        assert_eq!(status, 200, "{what}: {v}");
        assert_eq!(
            (v["decision"].as_str(), v["reason"].as_str()),
            (Some("declined"), Some("cryptogram_invalid")),
            "{what}: {v}"
        );
        assert!(
            v["arpc"].is_null(),
            "{what}: an ARPC for an unverified ARQC: {v}"
        );
        assert_eq!(
            store.fingerprint().await.unwrap(),
            before,
            "forged {what} changed the database"
        );
    }
    // A DPAN-bound cryptogram presented with another DPAN of the same card.
    let other_dpan = dpan_band.tap_at(4, 700, 978).unwrap().token.unwrap();
    assert_ne!(Some(&other_dpan), dpan_tap.token.as_ref());
    let (_, v) = post_json(
        &client,
        &svc.url,
        &json!({"token": other_dpan, "icc_data": dpan_tap.icc_hex, "amount": 700, "currency": 978}),
    )
    .await;
    assert_eq!(v["reason"], "cryptogram_invalid", "{v}");
    assert_eq!(store.fingerprint().await.unwrap(), before);

    // And the genuine taps still go through afterwards.
    let (_, v) = post(&client, &svc.url, &good).await;
    assert_eq!(v["decision"], "approved", "{v}");
    let (_, v) = post(&client, &svc.url, &dpan_tap).await;
    assert_eq!(v["decision"], "approved", "{v}");
    svc.stop().await;
}
