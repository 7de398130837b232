//! `--sign-key FILE` and `recon verify --public-key FILE`: Ed25519 keys read from PEM files, the signature of a
//! report's integrity block, and the key fingerprint the HTML report shows.
//!
//! A private key is an unencrypted PKCS#8 `PRIVATE KEY` section (`openssl genpkey -algorithm ed25519`, a v1
//! structure, or a v2 one with the public key); a public key is a SubjectPublicKeyInfo `PUBLIC KEY` section
//! (`openssl pkey -in key.pem -pubout`). In the report the public key is the raw 32-byte Ed25519 key (RFC 8032)
//! and the signature its 64 bytes, both lowercase hex. The fingerprint is the SHA-256 of the public key's DER
//! SubjectPublicKeyInfo — what `openssl pkey -pubin -in pub.pem -outform DER | sha256sum` prints.

use std::path::Path;

use ring::signature::{Ed25519KeyPair, KeyPair, UnparsedPublicKey, ED25519};
use rustls_pki_types::pem::{self, PemObject};
use rustls_pki_types::{PrivatePkcs8KeyDer, SubjectPublicKeyInfoDer};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The DER SubjectPublicKeyInfo of an Ed25519 key up to the key itself (RFC 8410, section 4): a SEQUENCE of
/// the algorithm identifier 1.3.101.112 with no parameters, and a BIT STRING of 33 bytes (no unused bits).
const SPKI_PREFIX: [u8; 12] = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];
/// The bytes of an Ed25519 public key.
const KEY_LEN: usize = 32;

/// The only signature algorithm recon writes and reads.
pub const ALGORITHM: &str = "ed25519";

/// `integrity.signature`: who signed, and the signature of the integrity block's message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    pub algorithm: String,
    /// The signer's raw Ed25519 public key, hex.
    pub public_key: String,
    /// The signature, hex.
    pub value: String,
}

/// The private key of `--sign-key`.
pub struct Signer {
    pair: Ed25519KeyPair,
}

impl Signer {
    /// Reads the key at `path`: exit 2 naming the file when it is missing, not PEM, or not an Ed25519 key.
    pub fn read(path: &Path) -> Result<Signer> {
        let der = PrivatePkcs8KeyDer::from_pem_file(path).map_err(|e| {
            pem_error(path, e, "PRIVATE KEY (unencrypted PKCS#8: openssl genpkey -algorithm ed25519 -out key.pem)")
        })?;
        let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der.secret_pkcs8_der()).map_err(|e| {
            let why = match e.to_string().as_str() {
                "WrongAlgorithm" => "holds a private key of another algorithm: recon signs with Ed25519".to_string(),
                other => format!("is not a usable Ed25519 private key ({other})"),
            };
            Error::input(path.display().to_string(), why)
        })?;
        Ok(Signer { pair })
    }

    /// The signature of `message`, with the key that verifies it.
    pub fn sign(&self, message: &[u8]) -> Signature {
        Signature {
            algorithm: ALGORITHM.to_string(),
            public_key: hex(self.pair.public_key().as_ref()),
            value: hex(self.pair.sign(message).as_ref()),
        }
    }

    pub fn fingerprint(&self) -> String {
        fingerprint(self.pair.public_key().as_ref())
    }
}

/// A public key to check signatures against (`recon verify --public-key`).
pub struct PublicKey {
    raw: Vec<u8>,
}

impl PublicKey {
    /// Reads the key at `path`: exit 2 naming the file when it is missing, not PEM, or not an Ed25519 key.
    pub fn read(path: &Path) -> Result<PublicKey> {
        let der = SubjectPublicKeyInfoDer::from_pem_file(path)
            .map_err(|e| pem_error(path, e, "PUBLIC KEY (openssl pkey -in key.pem -pubout)"))?;
        match der.strip_prefix(&SPKI_PREFIX[..]) {
            Some(raw) if raw.len() == KEY_LEN => Ok(PublicKey { raw: raw.to_vec() }),
            _ => Err(Error::input(
                path.display().to_string(),
                "holds a public key of another algorithm: recon signs with Ed25519",
            )),
        }
    }

    /// The key as a report names its signer (raw, hex).
    pub fn hex(&self) -> String {
        hex(&self.raw)
    }

    pub fn fingerprint(&self) -> String {
        fingerprint(&self.raw)
    }
}

/// Whether `signature` is a signature of `message` by the Ed25519 key `public_key` (raw bytes, hex). A value
/// that is not hex, or a key of the wrong length, is simply not a valid signature.
pub fn holds(signature: &Signature, public_key: &str, message: &[u8]) -> bool {
    let (Some(key), Some(value)) = (unhex(public_key), unhex(&signature.value)) else { return false };
    signature.algorithm == ALGORITHM && UnparsedPublicKey::new(&ED25519, key).verify(message, &value).is_ok()
}

/// The fingerprint of a raw Ed25519 public key given in hex (a report's `public_key`); `None` when it is not
/// one.
pub fn fingerprint_of(public_key: &str) -> Option<String> {
    unhex(public_key).filter(|raw| raw.len() == KEY_LEN).map(|raw| fingerprint(&raw))
}

/// `SHA256:` and the hex SHA-256 of the key's DER SubjectPublicKeyInfo.
fn fingerprint(raw: &[u8]) -> String {
    let der: Vec<u8> = SPKI_PREFIX.iter().chain(raw).copied().collect();
    format!("SHA256:{}", hex(ring::digest::digest(&ring::digest::SHA256, &der).as_ref()))
}

/// A key file that could not be read as the PEM section `wanted`.
fn pem_error(path: &Path, error: pem::Error, wanted: &str) -> Error {
    match error {
        pem::Error::Io(e) => Error::io(path, e),
        pem::Error::NoItemsFound => Error::input(path.display().to_string(), format!("holds no {wanted}")),
        other => Error::input(path.display().to_string(), format!("is not a PEM file: {other}")),
    }
}

/// Bytes as lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Lowercase or uppercase hex as bytes; `None` when it is not hex.
fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len()).step_by(2).map(|at| u8::from_str_radix(text.get(at..at + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_refuses_what_is_not_hex() {
        assert_eq!(unhex(&hex(&[0, 1, 0xab, 0xff])), Some(vec![0, 1, 0xab, 0xff]));
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
        assert_eq!(unhex("+1"), None, "from_str_radix takes a sign: not hex");
    }

    #[test]
    fn a_signature_holds_for_its_message_and_key_only() {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&ring::rand::SystemRandom::new()).unwrap();
        let signer = Signer { pair: Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap() };
        let signature = signer.sign(b"message");
        assert!(holds(&signature, &signature.public_key, b"message"));
        assert!(!holds(&signature, &signature.public_key, b"massage"));
        let other = Ed25519KeyPair::generate_pkcs8(&ring::rand::SystemRandom::new()).unwrap();
        let other = Ed25519KeyPair::from_pkcs8(other.as_ref()).unwrap();
        assert!(!holds(&signature, &hex(other.public_key().as_ref()), b"message"));
        assert_eq!(fingerprint_of(&signature.public_key), Some(signer.fingerprint()));
    }
}
