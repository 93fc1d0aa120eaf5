//! Key material and the small cryptographic helpers the services share.
//!
//! Keys come from configuration in production. The embedded default generates
//! them once into `<data>/keys.toml` (mode 0600) so a fresh clone just runs;
//! losing that file makes stored ID numbers unreadable, which the operations
//! guide says in bold.
//!
//! The consent-receipt key is an Ed25519 key pair: the platform signs each
//! consent receipt with it, and publishes the public half at
//! `/.well-known/xinyong/consent-keys.json` so that anyone can verify a
//! receipt offline (docs/consent.md). A key file written before that key
//! existed gains it on the next start (the file is rewritten, other keys
//! unchanged).

use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ed25519_dalek::{Signer, SigningKey};
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::{Config, ConfigError, Secret};

type HmacSha256 = Hmac<Sha256>;

/// The platform's secret keys, derived once at start.
#[derive(Clone)]
pub struct Keys {
    jwt: Vec<u8>,
    identifier_hmac: [u8; 32],
    identifier_aes: [u8; 32],
    receipt: SigningKey,
    /// RFC 7638 thumbprint of the receipt key's public JWK.
    receipt_key_id: String,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys([redacted])")
    }
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    jwt_secret: String,
    identifier_key: String,
    /// Absent in files written before consent receipts: added on load.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    receipt_signing_key: Option<String>,
}

/// A stored identifier could not be decrypted (wrong key or corrupted row).
#[derive(Debug, thiserror::Error)]
#[error("stored identifier cannot be decrypted")]
pub struct DecryptError;

impl Keys {
    /// Keys from configuration, or from (or into) the data folder's key file.
    pub fn load(config: &Config) -> Result<Keys, ConfigError> {
        let path = config.data_dir.join("keys.toml");
        let (jwt, id, receipt) = match (
            &config.jwt_secret,
            &config.identifier_key,
            &config.receipt_signing_key,
        ) {
            (Some(j), Some(i), Some(r)) => (j.clone(), i.clone(), r.clone()),
            (j, i, r) => {
                let file = read_or_create_key_file(&path, r.is_none())?;
                let from_file = file.receipt_signing_key.map(Secret::new);
                (
                    j.clone().unwrap_or(Secret::new(file.jwt_secret)),
                    i.clone().unwrap_or(Secret::new(file.identifier_key)),
                    r.clone().or(from_file).unwrap_or_default(),
                )
            }
        };
        Keys::from_secrets(&jwt, &id)
            .and_then(|k| k.with_receipt_key(&receipt))
            .map_err(|reason| ConfigError::Keys { path, reason })
    }

    /// Keys from two base64 secrets of at least 32 bytes each, with a fresh
    /// receipt key (set a configured one with [`Keys::with_receipt_key`]).
    pub fn from_secrets(jwt: &Secret, identifier: &Secret) -> Result<Keys, String> {
        let jwt = decode_key(jwt.expose(), "jwt_secret")?;
        let master = decode_key(identifier.expose(), "identifier_key")?;
        let receipt = SigningKey::from_bytes(&random_bytes::<32>());
        Ok(Keys {
            jwt,
            identifier_hmac: derive(&master, b"xinyong/identifier-hash/v1"),
            identifier_aes: derive(&master, b"xinyong/identifier-encrypt/v1"),
            receipt_key_id: jwk_thumbprint(&receipt),
            receipt,
        })
    }

    /// Replaces the receipt-signing key: a base64 Ed25519 seed of exactly
    /// 32 bytes (`XINYONG_RECEIPT_SIGNING_KEY`).
    pub fn with_receipt_key(mut self, seed: &Secret) -> Result<Keys, String> {
        let bytes = STANDARD
            .decode(seed.expose().trim())
            .map_err(|_| "receipt_signing_key is not base64".to_string())?;
        let seed: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
            format!(
                "receipt_signing_key must be a 32-byte Ed25519 seed (got {} bytes)",
                bytes.len()
            )
        })?;
        self.receipt = SigningKey::from_bytes(&seed);
        self.receipt_key_id = jwk_thumbprint(&self.receipt);
        Ok(self)
    }

    /// Fresh random keys (tests, tools).
    pub fn generate() -> Keys {
        let jwt = Secret::new(STANDARD.encode(random_bytes::<32>()));
        let id = Secret::new(STANDARD.encode(random_bytes::<32>()));
        Keys::from_secrets(&jwt, &id).expect("generated keys are valid")
    }

    /// Signs a consent receipt (its canonical JSON bytes) with Ed25519:
    /// returns the key id and the signature, base64url without padding.
    pub fn sign_receipt(&self, bytes: &[u8]) -> (String, String) {
        let signature = self.receipt.sign(bytes);
        (
            self.receipt_key_id.clone(),
            URL_SAFE_NO_PAD.encode(signature.to_bytes()),
        )
    }

    /// The receipt key's id and public key (32 bytes, base64url without
    /// padding: the JWK `x`).
    pub fn receipt_public_key(&self) -> (String, String) {
        (
            self.receipt_key_id.clone(),
            URL_SAFE_NO_PAD.encode(self.receipt.verifying_key().to_bytes()),
        )
    }

    pub fn jwt_secret(&self) -> &[u8] {
        &self.jwt
    }

    /// Keyed hash of a canonical identifier: lets the platform look a subject
    /// up by ID number without storing the number in the clear.
    pub fn identifier_hash(&self, canonical: &str) -> String {
        let mut mac =
            <HmacSha256 as Mac>::new_from_slice(&self.identifier_hmac).expect("any key length");
        mac.update(canonical.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// AES-256-GCM with a random nonce; the output is base64(nonce ‖ ciphertext).
    pub fn encrypt_identifier(&self, plain: &str) -> String {
        let cipher = Aes256Gcm::new_from_slice(&self.identifier_aes).expect("32-byte key");
        let nonce_bytes = random_bytes::<12>();
        let ct = cipher
            .encrypt(&Nonce::from(nonce_bytes), plain.as_bytes())
            .expect("encryption of a short string cannot fail");
        let mut out = nonce_bytes.to_vec();
        out.extend_from_slice(&ct);
        STANDARD.encode(out)
    }

    pub fn decrypt_identifier(&self, stored: &str) -> Result<String, DecryptError> {
        let bytes = STANDARD.decode(stored).map_err(|_| DecryptError)?;
        if bytes.len() < 13 {
            return Err(DecryptError);
        }
        let (nonce, ct) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| DecryptError)?;
        let cipher = Aes256Gcm::new_from_slice(&self.identifier_aes).map_err(|_| DecryptError)?;
        let plain = cipher
            .decrypt(&Nonce::from(nonce), ct)
            .map_err(|_| DecryptError)?;
        String::from_utf8(plain).map_err(|_| DecryptError)
    }
}

fn decode_key(text: &str, name: &str) -> Result<Vec<u8>, String> {
    let bytes = STANDARD
        .decode(text.trim())
        .map_err(|_| format!("{name} is not base64"))?;
    if bytes.len() < 32 {
        return Err(format!(
            "{name} must be at least 32 bytes (got {})",
            bytes.len()
        ));
    }
    Ok(bytes)
}

/// RFC 7638 JWK thumbprint of an Ed25519 public key (RFC 8037 §2): SHA-256
/// over `{"crv":"Ed25519","kty":"OKP","x":"<base64url key>"}`, base64url.
fn jwk_thumbprint(key: &SigningKey) -> String {
    let x = URL_SAFE_NO_PAD.encode(key.verifying_key().to_bytes());
    let members = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(members.as_bytes()))
}

fn derive(master: &[u8], label: &[u8]) -> [u8; 32] {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(master).expect("any key length");
    mac.update(label);
    mac.finalize().into_bytes().into()
}

/// Reads the key file, or creates it with fresh keys. With `want_receipt`,
/// a file from before receipt keys gains one and is rewritten in place
/// (atomically; the other keys are kept as they are).
fn read_or_create_key_file(path: &Path, want_receipt: bool) -> Result<KeyFile, ConfigError> {
    let err = |reason: String| ConfigError::Keys {
        path: path.to_path_buf(),
        reason,
    };
    if path.exists() {
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        let mut file: KeyFile = toml::from_str(&text).map_err(|e| err(e.to_string()))?;
        if want_receipt && file.receipt_signing_key.is_none() {
            file.receipt_signing_key = Some(STANDARD.encode(random_bytes::<32>()));
            let tmp = path.with_extension("toml.new");
            let _ = std::fs::remove_file(&tmp);
            write_private(&tmp, &key_file_text(&file).map_err(err)?)
                .map_err(|e| err(e.to_string()))?;
            std::fs::rename(&tmp, path).map_err(|e| err(e.to_string()))?;
            tracing::warn!(path = %path.display(), "added a generated consent-receipt signing key to the key file; configure XINYONG_RECEIPT_SIGNING_KEY in production");
        }
        return Ok(file);
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| ConfigError::DataDir {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    let file = KeyFile {
        jwt_secret: STANDARD.encode(random_bytes::<32>()),
        identifier_key: STANDARD.encode(random_bytes::<32>()),
        receipt_signing_key: Some(STANDARD.encode(random_bytes::<32>())),
    };
    write_private(path, &key_file_text(&file).map_err(err)?).map_err(|e| err(e.to_string()))?;
    tracing::warn!(path = %path.display(), "generated development keys; configure XINYONG_JWT_SECRET, XINYONG_IDENTIFIER_KEY and XINYONG_RECEIPT_SIGNING_KEY in production");
    Ok(file)
}

fn key_file_text(file: &KeyFile) -> Result<String, String> {
    Ok(format!(
        "# Generated on first run. Keep it secret; without identifier_key stored ID numbers cannot be read.\n{}",
        toml::to_string(file).map_err(|e| e.to_string())?
    ))
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    rand::rng().fill_bytes(&mut b);
    b
}

/// A random URL-safe token with 256 bits of entropy (refresh tokens, secrets).
pub fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

pub fn sha256_hex(data: impl AsRef<[u8]>) -> String {
    hex::encode(Sha256::digest(data.as_ref()))
}

/// Constant-time comparison of two hex digests (or any two strings).
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifier_encryption_round_trips_and_hides_the_number() {
        let keys = Keys::generate();
        let stored = keys.encrypt_identifier("11010519491231002X");
        assert!(!stored.contains("19491231"));
        assert_eq!(
            keys.decrypt_identifier(&stored).unwrap(),
            "11010519491231002X"
        );
        // Two encryptions differ (random nonce) but hash the same.
        assert_ne!(stored, keys.encrypt_identifier("11010519491231002X"));
        assert_eq!(
            keys.identifier_hash("11010519491231002X"),
            keys.identifier_hash("11010519491231002X")
        );
        // Another key cannot read it.
        assert!(Keys::generate().decrypt_identifier(&stored).is_err());
    }

    #[test]
    fn short_keys_are_refused() {
        let short = Secret::new(STANDARD.encode([1u8; 16]));
        let ok = Secret::new(STANDARD.encode([1u8; 32]));
        assert!(
            Keys::from_secrets(&short, &ok)
                .unwrap_err()
                .contains("jwt_secret")
        );
        assert!(
            Keys::from_secrets(&ok, &short)
                .unwrap_err()
                .contains("identifier_key")
        );
    }

    #[test]
    fn receipts_verify_with_the_public_key_only() {
        use ed25519_dalek::{Signature, Verifier, VerifyingKey};
        let keys = Keys::generate();
        let (kid, sig) = keys.sign_receipt(b"{\"a\":1}");
        let (kid2, x) = keys.receipt_public_key();
        assert_eq!(kid, kid2);
        assert_eq!(kid.len(), 43);
        let public: [u8; 32] = URL_SAFE_NO_PAD.decode(x).unwrap().try_into().unwrap();
        let public = VerifyingKey::from_bytes(&public).unwrap();
        let sig: [u8; 64] = URL_SAFE_NO_PAD.decode(sig).unwrap().try_into().unwrap();
        let sig = Signature::from_bytes(&sig);
        assert!(public.verify(b"{\"a\":1}", &sig).is_ok());
        assert!(public.verify(b"{\"a\":2}", &sig).is_err());
    }

    #[test]
    fn receipt_key_from_a_seed_and_its_thumbprint() {
        // RFC 8037 Appendix A.1-A.3: the test key and its JWK thumbprint.
        let seed = Secret::new(
            STANDARD.encode(
                URL_SAFE_NO_PAD
                    .decode("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A")
                    .unwrap(),
            ),
        );
        let keys = Keys::generate().with_receipt_key(&seed).unwrap();
        let (kid, x) = keys.receipt_public_key();
        assert_eq!(x, "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");
        assert_eq!(kid, "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
        assert!(
            Keys::generate()
                .with_receipt_key(&Secret::new(STANDARD.encode([1u8; 16])))
                .unwrap_err()
                .contains("32-byte")
        );
    }

    #[test]
    fn an_old_key_file_gains_a_receipt_key_and_keeps_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.toml");
        let jwt = STANDARD.encode([7u8; 32]);
        let id = STANDARD.encode([9u8; 32]);
        std::fs::write(
            &path,
            format!("jwt_secret = \"{jwt}\"\nidentifier_key = \"{id}\"\n"),
        )
        .unwrap();
        let config = Config::for_database("sqlite::memory:", dir.path());
        let a = Keys::load(&config).unwrap();
        assert_eq!(a.jwt_secret(), &[7u8; 32]);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(&jwt) && text.contains(&id) && text.contains("receipt_signing_key"));
        let b = Keys::load(&config).unwrap();
        assert_eq!(a.receipt_public_key(), b.receipt_public_key());
    }

    #[test]
    fn key_file_is_created_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::for_database("sqlite::memory:", dir.path());
        let a = Keys::load(&config).unwrap();
        let b = Keys::load(&config).unwrap();
        assert_eq!(a.jwt_secret(), b.jwt_secret());
        assert_eq!(a.receipt_public_key(), b.receipt_public_key());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("keys.toml"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
