//! Key material and the small cryptographic helpers the services share.
//!
//! Keys come from configuration in production. The embedded default generates
//! them once into `<data>/keys.toml` (mode 0600) so a fresh clone just runs;
//! losing that file makes stored ID numbers unreadable, which the operations
//! guide says in bold.

use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
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
}

/// A stored identifier could not be decrypted (wrong key or corrupted row).
#[derive(Debug, thiserror::Error)]
#[error("stored identifier cannot be decrypted")]
pub struct DecryptError;

impl Keys {
    /// Keys from configuration, or from (or into) the data folder's key file.
    pub fn load(config: &Config) -> Result<Keys, ConfigError> {
        let path = config.data_dir.join("keys.toml");
        let (jwt, id) = match (&config.jwt_secret, &config.identifier_key) {
            (Some(j), Some(i)) => (j.clone(), i.clone()),
            (j, i) => {
                let file = read_or_create_key_file(&path)?;
                (
                    j.clone().unwrap_or(Secret::new(file.jwt_secret)),
                    i.clone().unwrap_or(Secret::new(file.identifier_key)),
                )
            }
        };
        Keys::from_secrets(&jwt, &id).map_err(|reason| ConfigError::Keys { path, reason })
    }

    /// Keys from two base64 secrets of at least 32 bytes each.
    pub fn from_secrets(jwt: &Secret, identifier: &Secret) -> Result<Keys, String> {
        let jwt = decode_key(jwt.expose(), "jwt_secret")?;
        let master = decode_key(identifier.expose(), "identifier_key")?;
        Ok(Keys {
            jwt,
            identifier_hmac: derive(&master, b"xinyong/identifier-hash/v1"),
            identifier_aes: derive(&master, b"xinyong/identifier-encrypt/v1"),
        })
    }

    /// Fresh random keys (tests, tools).
    pub fn generate() -> Keys {
        let jwt = Secret::new(STANDARD.encode(random_bytes::<32>()));
        let id = Secret::new(STANDARD.encode(random_bytes::<32>()));
        Keys::from_secrets(&jwt, &id).expect("generated keys are valid")
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

fn derive(master: &[u8], label: &[u8]) -> [u8; 32] {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(master).expect("any key length");
    mac.update(label);
    mac.finalize().into_bytes().into()
}

fn read_or_create_key_file(path: &Path) -> Result<KeyFile, ConfigError> {
    let err = |reason: String| ConfigError::Keys {
        path: path.to_path_buf(),
        reason,
    };
    if path.exists() {
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        return toml::from_str(&text).map_err(|e| err(e.to_string()));
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
    };
    let text = format!(
        "# Generated on first run. Keep it secret; without identifier_key stored ID numbers cannot be read.\n{}",
        toml::to_string(&file).map_err(|e| err(e.to_string()))?
    );
    write_private(path, &text).map_err(|e| err(e.to_string()))?;
    tracing::warn!(path = %path.display(), "generated development keys; configure XINYONG_JWT_SECRET and XINYONG_IDENTIFIER_KEY in production");
    Ok(file)
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
    fn key_file_is_created_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::for_database("sqlite::memory:", dir.path());
        let a = Keys::load(&config).unwrap();
        let b = Keys::load(&config).unwrap();
        assert_eq!(a.jwt_secret(), b.jwt_secret());
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
