//! The deployment's secret that keys suppression entries, and the conversion of entries
//! written bare (a plain sha256) into keyed ones.

use crate::tenancy::TenantTx;

/// `REACHLY_SUPPRESSION_KEY`: an entry is HMAC-SHA256(key, sha256(lower(address))), so the
/// table cannot be reversed by hashing a dictionary of addresses. The key is never stored in
/// the database; its `Debug` does not print it.
#[derive(Clone, PartialEq, Eq)]
pub struct SuppressionKey(Vec<u8>);

impl SuppressionKey {
    /// Shortest secret accepted, in bytes.
    pub const MIN_BYTES: usize = 32;

    pub fn new(secret: &str) -> Result<Self, String> {
        if secret.len() < Self::MIN_BYTES {
            return Err(format!("must be at least {} bytes", Self::MIN_BYTES));
        }
        Ok(Self(secret.as_bytes().to_vec()))
    }

    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl Default for SuppressionKey {
    /// The development key of `.env.example` (set a real one in production).
    fn default() -> Self {
        Self(b"dev-only-suppression-key-change-me-0123456789".to_vec())
    }
}

impl std::fmt::Debug for SuppressionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SuppressionKey(..)")
    }
}

/// Keys the transaction's organization's bare entries (written before keys existed, or by an
/// older engine): a bare entry whose keyed twin exists is dropped, the others are keyed in
/// place. Run by every job that reads suppressions, before it reads them. `$1` organization,
/// `$2` key.
const KEY_BARE_ENTRIES: &str = "
with twins as (
    delete from suppressions b
     where b.organization_id = $1 and not b.keyed
       and exists (select 1 from suppressions k
                    where k.organization_id = $1 and k.keyed
                      and k.email_hash = encode(public.hmac(decode(b.email_hash, 'hex'), $2, 'sha256'), 'hex'))
    returning b.id)
update suppressions
   set email_hash = encode(public.hmac(decode(email_hash, 'hex'), $2, 'sha256'), 'hex'),
       keyed = true
 where organization_id = $1 and not keyed and id not in (select id from twins)";

/// Keys the organization's bare suppression entries (see [`KEY_BARE_ENTRIES`]).
pub async fn key_bare_entries(tx: &mut TenantTx, key: &SuppressionKey) -> Result<(), sqlx::Error> {
    let org = tx.org();
    let keyed = sqlx::query(KEY_BARE_ENTRIES).bind(org).bind(key.bytes());
    keyed.execute(&mut ***tx).await.map(drop)
}

#[cfg(test)]
mod tests {
    use super::SuppressionKey;

    #[test]
    fn short_keys_are_refused_and_the_key_is_never_printed() {
        assert!(
            SuppressionKey::new("short")
                .unwrap_err()
                .contains("at least 32 bytes")
        );
        let key = SuppressionKey::new("a-secret-that-is-long-enough-to-key-0001").unwrap();
        assert_eq!(format!("{key:?}"), "SuppressionKey(..)");
    }
}
