//! Provisioning a band over an untrusted phone: P-256 key pairs, a signed
//! request answering a fresh challenge, an ECDSA-signed envelope carrying the
//! card key as a TR-31 key block wrapped under an ECDH-derived KBPK, and an
//! atomic install that refuses a replay.
//!
//! Run: `cargo run --example provisioning --features provision`
#![allow(clippy::unwrap_used)]

use tapcrypt::emv::{CardKeySchedule, TAPCRYPT_DPAN_AES};
use tapcrypt::provision::rand_core::{TryCryptoRng, TryRng, UnwrapErr};
use tapcrypt::provision::request::{CHALLENGE_LEN, MAX_REQUEST_LEN};
use tapcrypt::provision::tr31::Version;
use tapcrypt::provision::{
    CredentialStore, Credentials, DeviceKeyPair, EcdsaSigningKey, EnvelopeContents, EnvelopeKey,
    KbpkKdf, KeyBlockHeader, build_envelope, envelope::envelope_len, open_request,
};
use tapcrypt::token::{Bin, Dpan, DpanRange, DpanRangeKey};
use tapcrypt::{Algorithm, CardMasterKey, IssuerMasterKey, Pan, Psn};

/// The operating system's RNG. tapcrypt takes any `rand_core` `CryptoRng`:
/// a backend plugs in its platform's (or an HSM's), a band its TRNG-seeded DRBG.
struct OsRng(std::fs::File);

impl TryRng for OsRng {
    type Error = std::io::Error;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        std::io::Read::read_exact(&mut self.0, dst)
    }
}

impl TryCryptoRng for OsRng {}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = UnwrapErr(OsRng(std::fs::File::open("/dev/urandom")?));

    // Manufacture: the band's key pair and attestation key (registered with
    // the token service); the token service's signing key (pinned in the band).
    let band_key = DeviceKeyPair::generate(&mut rng);
    let attestation = EcdsaSigningKey::generate(&mut rng);
    let registered = attestation.verifying_key();
    let tsp_key = EcdsaSigningKey::generate(&mut rng);
    let mut store: CredentialStore<2, 8> =
        CredentialStore::new(band_key, tsp_key.verifying_key(), Credentials::empty());

    // The band signs a request answering the service's fresh challenge.
    let mut challenge = [0u8; CHALLENGE_LEN];
    let Ok(()) = rng.try_fill_bytes(&mut challenge);
    let context = b"example:token-account-4242";
    let mut req = [0u8; MAX_REQUEST_LEN];
    let n = store.begin_request(&challenge, context, &attestation, &mut rng, &mut req)?;

    // The token service checks it, and builds the envelope: the card key as
    // a TR-31 block (usage E0, the ICC MK) and a batch of one-time DPANs.
    let request = open_request(&registered, &challenge, &req[..n])?;
    let imk = IssuerMasterKey::from_hex(Algorithm::Aes128, "2B7E151628AED2A6ABF7158809CF4F3C")?;
    let account = Pan::parse("5399991200004242")?;
    let card_key = TAPCRYPT_DPAN_AES.derive_card_key(&imk, &account, Psn::ABSENT)?;
    let range_key = DpanRangeKey::from_hex(
        Algorithm::Aes256,
        "DBCB420CDABE2A5495BEDAECFE69A89D1FE28C5309BC56AD6FF47C575002CBD2",
    )?;
    let mut range = DpanRange::new(Bin::parse("53999912")?, &range_key, 1, "", 0)?;
    let mut dpans: Vec<Dpan> = (0..4)
        .map(|_| Dpan::parse("0000000000000"))
        .collect::<Result<_, _>>()?;
    range.issue_batch(&mut dpans)?;
    let header = KeyBlockHeader::new(Version::D, *b"E0", b'A', b'X', *b"01", b'N')?;
    let keys = [EnvelopeKey {
        header: &header,
        key: &card_key,
    }];
    let contents = EnvelopeContents {
        counter: request.next_counter(0)?,
        request_hash: request.request_hash,
        kdf: KbpkKdf::OneStepSha256,
        kbpk_algorithm: Algorithm::Aes256,
        context,
        keys: &keys,
        dpans: &dpans,
    };
    let mut envelope = vec![0u8; envelope_len(&contents)];
    build_envelope(
        &contents,
        &request.device_key,
        &tsp_key,
        &mut rng,
        &mut envelope,
    )?;

    // The band verifies and installs atomically; a replay is refused.
    let summary = store.install(&envelope)?;
    println!(
        "installed {} key, {} DPANs (envelope {} bytes, counter {})",
        summary.keys,
        summary.dpans,
        envelope.len(),
        summary.counter
    );
    assert!(store.install(&envelope).is_err());
    println!("the same envelope again: refused");

    // The key reaches its role only through its authenticated TR-31 header.
    let mk = store.credentials().role_key::<CardMasterKey>()?;
    let _band = CardKeySchedule::new(mk);
    println!("ICC MK installed as MK-AC; band ready to tap");
    Ok(())
}
