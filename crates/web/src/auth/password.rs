//! Password hashing with argon2id. Hashing takes tens of milliseconds of CPU on purpose, so it
//! always runs on the blocking pool, never on the async threads.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use std::sync::OnceLock;
use tokio::sync::Semaphore;

/// Hashes running at once: one per core. Each argon2id hash takes about 19 MiB and a core for
/// tens of milliseconds, so a burst of logins (the deadline rush) waits here instead of
/// starting hundreds of hashes on the blocking pool and growing memory by 19 MiB for each.
fn hashing_permits() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS
        .get_or_init(|| Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())))
}

pub async fn hash_password(password: String) -> Result<String, String> {
    let _permit = hashing_permits().acquire().await.ok();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| format!("密码哈希失败：{e}"))
    })
    .await
    .map_err(|e| format!("密码哈希任务失败：{e}"))?
}

/// True when `password` matches the stored hash; a malformed hash never matches.
pub async fn verify_password(password: String, hash: String) -> bool {
    let _permit = hashing_permits().acquire().await.ok();
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A random password of 16 characters without look-alikes (no 0/O, 1/l/I).
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_differ_by_salt() {
        let a = hash_password("correct horse".into()).await.unwrap();
        let b = hash_password("correct horse".into()).await.unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$"));
        assert!(verify_password("correct horse".into(), a.clone()).await);
        assert!(!verify_password("wrong horse".into(), a).await);
        assert!(!verify_password("x".into(), "not a hash".into()).await);
    }

    #[test]
    fn generated_passwords_are_long_and_distinct() {
        let a = generate_password();
        assert_eq!(a.len(), 16);
        assert_ne!(a, generate_password());
    }
}
