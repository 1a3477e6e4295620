//! ARPC generate/verify (Method 1 and 2, the `hazmat` generators and through
//! a CVN's transaction keys) on arbitrary inputs: never panics; verify accepts
//! exactly the generated ARPC.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tapcrypt::emv::arpc;
use tapcrypt::emv::cryptogram::{ALL_CVNS, CipherFamily};
use tapcrypt::emv::{Arpc, ArpcResponse, Atc, Cryptogram, Csu, ResponseCode, UnpredictableNumber};
use tapcrypt::{Algorithm, CardMasterKey, Error, SessionKey};

const ALGS: [Algorithm; 5] = [
    Algorithm::Tdes2,
    Algorithm::Tdes3,
    Algorithm::Aes128,
    Algorithm::Aes192,
    Algorithm::Aes256,
];

fn take<'a>(data: &mut &'a [u8], n: usize) -> Vec<u8> {
    let k = n.min(data.len());
    let (a, b) = data.split_at(k);
    *data = b;
    let mut v = a.to_vec();
    v.resize(n, 0);
    v
}

fuzz_target!(|input: &[u8]| {
    let mut data = input;
    let hdr = take(&mut data, 4);
    let alg = ALGS[usize::from(hdr[0]) % ALGS.len()];
    let method2 = hdr[1] & 1 == 1;
    let arpc_m2 = hdr[1] & 2 == 2; // the ARPC's variant may differ from the response's
    let prop_len = usize::from(hdr[2]) % 12; // > 8 is an error
    let key = take(&mut data, alg.key_len());
    let arqc = Cryptogram::from_slice(&take(&mut data, 8)).expect("8");
    let arc = ResponseCode::from_slice(&take(&mut data, 2)).expect("2");
    let csu = Csu::from_slice(&take(&mut data, 4)).expect("4");
    let prop = take(&mut data, prop_len);
    let got_bytes = take(&mut data, 8);
    let got = if arpc_m2 {
        Arpc::Method2([got_bytes[0], got_bytes[1], got_bytes[2], got_bytes[3]])
    } else {
        Arpc::Method1(got_bytes.clone().try_into().expect("8"))
    };
    let response = if method2 {
        ArpcResponse::Method2 {
            csu,
            proprietary: &prop,
        }
    } else {
        ArpcResponse::Method1 { arc }
    };

    let sk = SessionKey::new(alg, &key).expect("length");
    let mut iad = [0u8; 16];
    let _ = got.issuer_authentication_data(&response, &mut iad);
    match tapcrypt::hazmat::arpc_generate(&sk, &arqc, &response) {
        Ok(want) => {
            assert!(!method2 || prop_len <= 8);
            assert!(arpc::verify(&sk, &arqc, &response, &want).is_ok());
            assert_eq!(
                arpc::verify(&sk, &arqc, &response, &got).is_ok(),
                want == got
            );
            match want {
                Arpc::Method1(a) => assert_eq!(a, tapcrypt::hazmat::arpc_method1(&sk, &arqc, arc)),
                Arpc::Method2(a) => {
                    assert_eq!(
                        a,
                        tapcrypt::hazmat::arpc_method2(&sk, &arqc, csu, &prop).expect("ok")
                    )
                }
            }
            let n = want
                .issuer_authentication_data(&response, &mut iad)
                .expect("same method")
                .len();
            assert!(n <= 16);
        }
        Err(Error::Length { .. }) => {
            assert!(method2 && prop_len > 8);
            assert!(arpc::verify(&sk, &arqc, &response, &got).is_err());
        }
        // Issue 13 item 9: a three-key TDES key is refused by the retail
        // MAC behind Method 2, never silently truncated to two keys.
        Err(Error::KeyAlgorithm { .. }) => {
            assert!(method2 && alg == Algorithm::Tdes3);
            assert!(arpc::verify(&sk, &arqc, &response, &got).is_err());
        }
        Err(e) => panic!("unexpected {e:?}"),
    }

    // Through a CVN: a response of the other method is refused.
    let cvn = ALL_CVNS[usize::from(hdr[3]) % ALL_CVNS.len()];
    let fits = match cvn.cipher {
        CipherFamily::Tdes => alg == Algorithm::Tdes2,
        CipherFamily::Aes => !alg.is_tdes(),
    };
    let card = CardMasterKey::new(alg, &key).expect("length");
    let Ok(keys) = cvn.transaction_keys(&card, Atc::from_u16(1), UnpredictableNumber([0; 4]))
    else {
        assert!(!fits);
        return;
    };
    let same_method = matches!(
        (cvn.arpc, method2),
        (arpc::ArpcMethod::Method1, false) | (arpc::ArpcMethod::Method2, true)
    );
    match tapcrypt::hazmat::arpc_unverified(&keys, &arqc, &response) {
        Ok(want) => {
            assert!(same_method);
            assert!(keys.verify_arpc(&arqc, &response, &want).is_ok());
            assert_eq!(
                keys.verify_arpc(&arqc, &response, &got).is_ok(),
                want == got
            );
        }
        Err(_) => assert!(keys.verify_arpc(&arqc, &response, &got).is_err()),
    }
});
