//! Password hashing (argon2id, OWASP parameters) and the password policy.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Argon2, PasswordHash};

use crate::service::FieldError;

pub const MIN_LEN: usize = 10;
pub const MAX_LEN: usize = 128;

/// Passwords that pass the length rule but are among the first guesses of
/// any attacker (a short list: length does most of the work).
const COMMON: &[&str] = &[
    "1234567890",
    "12345678910",
    "0123456789",
    "qwertyuiop",
    "1q2w3e4r5t",
    "password123",
    "password1234",
    "passw0rd123",
    "iloveyou123",
    "abc1234567",
    "aaaaaaaaaa",
    "qwerty123456",
    "1qaz2wsx3edc",
    "woaini1314",
    "a123456789",
    "zxcvbnm123",
    "administrator",
    "xinyong123",
    "changeme123",
    "letmein1234",
];

/// Checks the policy (NIST SP 800-63B style: length over composition rules).
pub fn check_policy(password: &str, email: &str, field: &[&str]) -> Result<(), FieldError> {
    let len = password.chars().count();
    if len < MIN_LEN {
        return Err(FieldError::new(
            field,
            "PASSWORD_TOO_SHORT",
            format!("use at least {MIN_LEN} characters ({len} given)"),
        ));
    }
    if len > MAX_LEN {
        return Err(FieldError::new(
            field,
            "PASSWORD_TOO_LONG",
            format!("use at most {MAX_LEN} characters"),
        ));
    }
    let lower = password.to_lowercase();
    let local = email.split('@').next().unwrap_or_default().to_lowercase();
    let distinct = {
        let mut c: Vec<char> = lower.chars().collect();
        c.sort_unstable();
        c.dedup();
        c.len()
    };
    if COMMON.contains(&lower.as_str()) || distinct < 4 {
        return Err(FieldError::new(
            field,
            "PASSWORD_TOO_COMMON",
            "this password is too easy to guess; a few unrelated words make a strong one",
        ));
    }
    if local.len() >= 4 && lower.contains(&local) {
        return Err(FieldError::new(
            field,
            "PASSWORD_CONTAINS_EMAIL",
            "the password must not contain your email name",
        ));
    }
    Ok(())
}

/// Hashes with argon2id and a random salt. CPU-heavy: call from a blocking task.
pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    Ok(Argon2::default()
        .hash_password(password.as_bytes())?
        .to_string())
}

/// Verifies against a stored PHC string. CPU-heavy: call from a blocking task.
pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A valid hash of a random password: verifying against it when the account
/// does not exist keeps the response time from revealing which emails exist.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash(&crate::crypto::random_token()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ_by_salt() {
        let a = hash("correct horse battery").unwrap();
        let b = hash("correct horse battery").unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &a));
        assert!(!verify("correct horse batterY", &a));
        assert!(!verify("anything", "not a phc string"));
    }

    #[test]
    fn policy() {
        let f = &["input", "password"];
        assert_eq!(
            check_policy("short", "a@b.cn", f).unwrap_err().code,
            "PASSWORD_TOO_SHORT"
        );
        assert_eq!(
            check_policy("qwertyuiop", "a@b.cn", f).unwrap_err().code,
            "PASSWORD_TOO_COMMON"
        );
        assert_eq!(
            check_policy("abababababab", "a@b.cn", f).unwrap_err().code,
            "PASSWORD_TOO_COMMON"
        );
        assert_eq!(
            check_policy("zhangwei-likes-tea", "zhangwei@example.cn", f)
                .unwrap_err()
                .code,
            "PASSWORD_CONTAINS_EMAIL"
        );
        assert_eq!(
            check_policy(&"x1".repeat(70), "a@b.cn", f)
                .unwrap_err()
                .code,
            "PASSWORD_TOO_LONG"
        );
        assert!(check_policy("茶 马 古 道 2025", "a@b.cn", f).is_ok());
        assert!(check_policy("river-stone-lantern", "a@b.cn", f).is_ok());
    }
}
