//! Discord's request signature: every interaction Discord sends to the endpoint carries
//! `X-Signature-Ed25519` (hex) over `X-Signature-Timestamp` followed by the raw body,
//! made with the key whose public half is the application's public key. [`Verifier`]
//! checks, in this order and before anything reads the body: its size (at most
//! [`MAX_BODY`]), both headers' presence and form, the timestamp's distance from the
//! injected clock (at most [`MAX_SKEW`], so a recorded request cannot be replayed later),
//! and the signature itself (strict verification: no malleable signatures, no weak
//! keys). Headers are taken as raw bytes; nothing in them can make it panic.

use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ed25519_dalek::{PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH, Signature, VerifyingKey};
use reqwest::header::HeaderMap;

/// The largest body accepted (64 KiB).
pub const MAX_BODY: usize = 64 * 1024;
/// How far the signed timestamp may be from now, either way.
pub const MAX_SKEW: Duration = Duration::from_secs(5 * 60);
/// The header carrying the signature (hex).
pub const SIGNATURE_HEADER: &str = "x-signature-ed25519";
/// The header carrying the signed timestamp (Unix seconds).
pub const TIMESTAMP_HEADER: &str = "x-signature-timestamp";

/// The longest timestamp header read: Unix seconds fit in 19 digits until long after
/// anyone needs them.
const MAX_TIMESTAMP_DIGITS: usize = 19;

/// Why the application's public key was refused. Each message names `DISCORD_PUBLIC_KEY`
/// and what was expected, never the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error(
        "DISCORD_PUBLIC_KEY must be the application's public key: 64 hexadecimal characters \
         (32 bytes), got {0} characters"
    )]
    Length(usize),
    #[error(
        "DISCORD_PUBLIC_KEY must be the application's public key in hexadecimal (0-9, a-f), \
         but it has other characters"
    )]
    NotHex,
    #[error(
        "DISCORD_PUBLIC_KEY is not a usable Ed25519 public key (check that it was copied whole)"
    )]
    Invalid,
}

/// The application's Ed25519 public key, from the hexadecimal form Discord's developer
/// portal shows.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// Parses 64 hexadecimal characters (surrounding whitespace ignored).
    pub fn from_hex(text: &str) -> Result<PublicKey, KeyError> {
        let text = text.trim();
        if !text.is_ascii() {
            return Err(KeyError::NotHex);
        }
        if text.len() != 2 * PUBLIC_KEY_LENGTH {
            return Err(KeyError::Length(text.chars().count()));
        }
        let mut bytes = [0u8; PUBLIC_KEY_LENGTH];
        hex::decode_to_slice(text, &mut bytes).map_err(|_| KeyError::NotHex)?;
        let key = VerifyingKey::from_bytes(&bytes).map_err(|_| KeyError::Invalid)?;
        if key.is_weak() {
            return Err(KeyError::Invalid);
        }
        Ok(PublicKey(key))
    }

    /// The key in lowercase hexadecimal.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0.as_bytes())
    }
}

impl FromStr for PublicKey {
    type Err = KeyError;

    fn from_str(s: &str) -> Result<PublicKey, KeyError> {
        PublicKey::from_hex(s)
    }
}

impl From<VerifyingKey> for PublicKey {
    fn from(key: VerifyingKey) -> PublicKey {
        PublicKey(key)
    }
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({})", self.to_hex())
    }
}

/// Why a request was refused. [`VerifyError::status`] is the HTTP status to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the body has {size} bytes, more than the {MAX_BODY} accepted")]
    TooLarge { size: usize },
    #[error("the X-Signature-Ed25519 header is missing")]
    MissingSignature,
    #[error("the X-Signature-Ed25519 header is not 128 hexadecimal characters")]
    MalformedSignature,
    #[error("the X-Signature-Timestamp header is missing")]
    MissingTimestamp,
    #[error("the X-Signature-Timestamp header is not a whole number of seconds")]
    MalformedTimestamp,
    #[error(
        "the X-Signature-Timestamp is {skew_secs} s away from this server's clock, more than \
         the 300 s allowed"
    )]
    Stale { skew_secs: u64 },
    #[error("the signature does not match the body and timestamp")]
    BadSignature,
}

impl VerifyError {
    /// 413 for an oversized body, 401 for everything else.
    pub fn status(&self) -> u16 {
        match self {
            VerifyError::TooLarge { .. } => 413,
            _ => 401,
        }
    }
}

/// Where the verifier reads the time.
pub type Now = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// Checks requests against one application's public key and a clock.
#[derive(Clone)]
pub struct Verifier {
    key: PublicKey,
    now: Now,
}

impl Verifier {
    /// A verifier on the system clock.
    pub fn new(key: PublicKey) -> Verifier {
        Verifier::with_clock(key, Arc::new(SystemTime::now))
    }

    /// A verifier reading the time from `now` (tests).
    pub fn with_clock(key: PublicKey, now: Now) -> Verifier {
        Verifier { key, now }
    }

    pub fn key(&self) -> &PublicKey {
        &self.key
    }

    /// Checks a request given its two headers as raw bytes (`None` when absent).
    pub fn verify(
        &self,
        signature: Option<&[u8]>,
        timestamp: Option<&[u8]>,
        body: &[u8],
    ) -> Result<(), VerifyError> {
        if body.len() > MAX_BODY {
            return Err(VerifyError::TooLarge { size: body.len() });
        }
        let signature = parse_signature(signature.ok_or(VerifyError::MissingSignature)?)?;
        let timestamp = timestamp.ok_or(VerifyError::MissingTimestamp)?;
        let seconds = parse_timestamp(timestamp)?;
        let skew_secs = unix_seconds((self.now)()).abs_diff(seconds);
        if skew_secs > MAX_SKEW.as_secs() {
            return Err(VerifyError::Stale { skew_secs });
        }
        let mut signed = Vec::with_capacity(timestamp.len() + body.len());
        signed.extend_from_slice(timestamp);
        signed.extend_from_slice(body);
        self.key
            .0
            .verify_strict(&signed, &signature)
            .map_err(|_| VerifyError::BadSignature)
    }

    /// [`Verifier::verify`] with the headers read from `headers`. A header sent more than
    /// once is refused as malformed: which copy was signed cannot be known.
    pub fn verify_headers(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), VerifyError> {
        let signature = single(headers, SIGNATURE_HEADER, VerifyError::MalformedSignature)?;
        let timestamp = single(headers, TIMESTAMP_HEADER, VerifyError::MalformedTimestamp)?;
        self.verify(signature, timestamp, body)
    }
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier").field("key", &self.key).finish()
    }
}

/// The one value of `name`, `None` when absent, `repeated` when there are several.
fn single<'a>(
    headers: &'a HeaderMap,
    name: &str,
    repeated: VerifyError,
) -> Result<Option<&'a [u8]>, VerifyError> {
    let mut values = headers.get_all(name).iter();
    let first = values.next();
    if values.next().is_some() {
        return Err(repeated);
    }
    Ok(first.map(|v| v.as_bytes()))
}

fn parse_signature(raw: &[u8]) -> Result<Signature, VerifyError> {
    let raw = raw.trim_ascii();
    if raw.len() != 2 * SIGNATURE_LENGTH {
        return Err(VerifyError::MalformedSignature);
    }
    let mut bytes = [0u8; SIGNATURE_LENGTH];
    hex::decode_to_slice(raw, &mut bytes).map_err(|_| VerifyError::MalformedSignature)?;
    Ok(Signature::from_bytes(&bytes))
}

/// Unix seconds: ASCII digits only (no sign, no spaces, no fraction).
fn parse_timestamp(raw: &[u8]) -> Result<u64, VerifyError> {
    if raw.is_empty() || raw.len() > MAX_TIMESTAMP_DIGITS || !raw.iter().all(u8::is_ascii_digit) {
        return Err(VerifyError::MalformedTimestamp);
    }
    raw.iter()
        .try_fold(0u64, |n, d| {
            n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        })
        .ok_or(VerifyError::MalformedTimestamp)
}

/// Seconds since the Unix epoch; 0 for a clock set before it.
fn unix_seconds(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    const NOW: u64 = 1_750_000_000;

    fn keypair() -> SigningKey {
        let mut seed = [0u8; 32];
        fastrand::fill(&mut seed);
        SigningKey::from_bytes(&seed)
    }

    fn at(secs: u64) -> Now {
        Arc::new(move || UNIX_EPOCH + Duration::from_secs(secs))
    }

    fn verifier(key: &SigningKey) -> Verifier {
        Verifier::with_clock(key.verifying_key().into(), at(NOW))
    }

    fn sign(key: &SigningKey, timestamp: &str, body: &[u8]) -> String {
        let mut msg = timestamp.as_bytes().to_vec();
        msg.extend_from_slice(body);
        hex::encode(key.sign(&msg).to_bytes())
    }

    #[test]
    fn a_request_signed_with_the_key_passes() {
        let key = keypair();
        let body = br#"{"type":1}"#;
        let ts = NOW.to_string();
        let sig = sign(&key, &ts, body);
        let v = verifier(&key);
        assert_eq!(
            v.verify(Some(sig.as_bytes()), Some(ts.as_bytes()), body),
            Ok(())
        );
        // Uppercase hex is hex too.
        let upper = sig.to_ascii_uppercase();
        assert_eq!(
            v.verify(Some(upper.as_bytes()), Some(ts.as_bytes()), body),
            Ok(())
        );
    }

    #[test]
    fn a_changed_body_timestamp_or_key_fails() {
        let key = keypair();
        let body = br#"{"type":1}"#;
        let ts = NOW.to_string();
        let sig = sign(&key, &ts, body);
        let v = verifier(&key);
        let bad = Err(VerifyError::BadSignature);
        assert_eq!(
            v.verify(Some(sig.as_bytes()), Some(ts.as_bytes()), br#"{"type":2}"#),
            bad
        );
        let ts2 = (NOW + 1).to_string();
        assert_eq!(
            v.verify(Some(sig.as_bytes()), Some(ts2.as_bytes()), body),
            bad
        );
        let other = verifier(&keypair());
        assert_eq!(
            other.verify(Some(sig.as_bytes()), Some(ts.as_bytes()), body),
            bad
        );
        let zeros = "0".repeat(128);
        assert_eq!(
            v.verify(Some(zeros.as_bytes()), Some(ts.as_bytes()), body),
            bad
        );
    }

    #[test]
    fn missing_or_malformed_headers_are_refused_without_panicking() {
        let key = keypair();
        let v = verifier(&key);
        let ts = NOW.to_string();
        let sig = sign(&key, &ts, b"{}");
        let s = Some(sig.as_bytes());
        let t = Some(ts.as_bytes());
        assert_eq!(v.verify(None, t, b"{}"), Err(VerifyError::MissingSignature));
        assert_eq!(v.verify(s, None, b"{}"), Err(VerifyError::MissingTimestamp));
        for sig in [
            &b""[..],
            b"zz",
            &[0xff; 128],
            "é".repeat(64).as_bytes(),
            &sig.as_bytes()[2..],
        ] {
            assert_eq!(
                v.verify(Some(sig), t, b"{}"),
                Err(VerifyError::MalformedSignature)
            );
        }
        for ts in [
            &b""[..],
            b"-1",
            b"+1750000000",
            b"1750000000.5",
            b" 1750000000",
            b"17e8",
            &[0xff, 0xfe],
            b"99999999999999999999999",
            b"18446744073709551616",
        ] {
            assert_eq!(
                v.verify(s, Some(ts), b"{}"),
                Err(VerifyError::MalformedTimestamp),
                "{ts:?}"
            );
        }
    }

    #[test]
    fn a_timestamp_more_than_five_minutes_off_is_stale() {
        let key = keypair();
        let v = verifier(&key);
        for (offset, ok) in [
            (0i64, true),
            (300, true),
            (-300, true),
            (301, false),
            (-301, false),
        ] {
            let ts = NOW.saturating_add_signed(offset).to_string();
            let sig = sign(&key, &ts, b"{}");
            let got = v.verify(Some(sig.as_bytes()), Some(ts.as_bytes()), b"{}");
            if ok {
                assert_eq!(got, Ok(()), "{offset}");
            } else {
                let skew_secs = offset.unsigned_abs();
                assert_eq!(got, Err(VerifyError::Stale { skew_secs }), "{offset}");
            }
        }
        // The extremes of the clock and of the header do not overflow.
        let ts = "0";
        let sig = sign(&key, ts, b"{}");
        assert!(matches!(
            v.verify(Some(sig.as_bytes()), Some(ts.as_bytes()), b"{}"),
            Err(VerifyError::Stale { skew_secs: NOW })
        ));
        let ts = u64::MAX.to_string()[..19].to_string();
        let sig = sign(&key, &ts, b"{}");
        let before_epoch = Verifier::with_clock(
            key.verifying_key().into(),
            Arc::new(|| UNIX_EPOCH - Duration::from_secs(10)),
        );
        assert!(matches!(
            before_epoch.verify(Some(sig.as_bytes()), Some(ts.as_bytes()), b"{}"),
            Err(VerifyError::Stale { .. })
        ));
    }

    #[test]
    fn a_body_over_64_kib_is_refused_with_413_before_the_headers_are_read() {
        let key = keypair();
        let v = verifier(&key);
        let body = vec![b' '; MAX_BODY + 1];
        let got = v.verify(None, None, &body);
        assert_eq!(got, Err(VerifyError::TooLarge { size: MAX_BODY + 1 }));
        assert_eq!(got.unwrap_err().status(), 413);
        assert_eq!(VerifyError::BadSignature.status(), 401);
        let body = vec![b' '; MAX_BODY];
        let ts = NOW.to_string();
        let sig = sign(&key, &ts, &body);
        assert_eq!(
            v.verify(Some(sig.as_bytes()), Some(ts.as_bytes()), &body),
            Ok(())
        );
    }

    #[test]
    fn headers_are_read_from_a_header_map_and_repeats_are_refused() {
        use reqwest::header::HeaderValue;
        let key = keypair();
        let v = verifier(&key);
        let ts = NOW.to_string();
        let sig = sign(&key, &ts, b"{}");
        let mut headers = HeaderMap::new();
        headers.insert("X-Signature-Ed25519", HeaderValue::from_str(&sig).unwrap());
        headers.insert("X-Signature-Timestamp", HeaderValue::from_str(&ts).unwrap());
        assert_eq!(v.verify_headers(&headers, b"{}"), Ok(()));
        // Bytes that are not text are malformed, not a panic.
        let mut odd = headers.clone();
        odd.insert(
            "X-Signature-Timestamp",
            HeaderValue::from_bytes(&[0xff, b'1']).unwrap(),
        );
        assert_eq!(
            v.verify_headers(&odd, b"{}"),
            Err(VerifyError::MalformedTimestamp)
        );
        let mut twice = headers.clone();
        twice.append("X-Signature-Ed25519", HeaderValue::from_str(&sig).unwrap());
        assert_eq!(
            v.verify_headers(&twice, b"{}"),
            Err(VerifyError::MalformedSignature)
        );
        assert_eq!(
            v.verify_headers(&HeaderMap::new(), b"{}"),
            Err(VerifyError::MissingSignature)
        );
    }

    #[test]
    fn the_public_key_parses_from_hex_and_bad_keys_name_the_setting() {
        let key = keypair();
        let hex = hex::encode(key.verifying_key().as_bytes());
        let parsed: PublicKey = format!("  {}\n", hex.to_ascii_uppercase()).parse().unwrap();
        assert_eq!(parsed.to_hex(), hex);
        assert_eq!(format!("{parsed:?}"), format!("PublicKey({hex})"));
        for (text, want) in [
            ("", KeyError::Length(0)),
            ("abc", KeyError::Length(3)),
            (&hex[..62], KeyError::Length(62)),
            (&format!("{hex}00"), KeyError::Length(66)),
            (&format!("{}zz", &hex[..62]), KeyError::NotHex),
            (&"é".repeat(32), KeyError::NotHex),
            // The identity point: a weak key that any signature could match.
            (&format!("01{}", "0".repeat(62)), KeyError::Invalid),
        ] {
            let got = PublicKey::from_hex(text).unwrap_err();
            assert_eq!(got, want, "{text:?}");
            let message = got.to_string();
            assert!(message.starts_with("DISCORD_PUBLIC_KEY "), "{message}");
            assert!(!message.contains(text) || text.is_empty(), "{message}");
        }
    }
}
