//! Derived ids: an event's (and a lead's, a response's) id is a function of the recipient's
//! key, a slot number and its time, so a replay gives the same ids and no id needs a random
//! source.
//!
//! Layout (UUID v8, RFC 9562 §5.8): bits 0–47 the time in Unix milliseconds, big-endian, so
//! ids sort by time like v7 and append to btree indexes; then version and variant, and 74
//! bits of `hash(key, slot)`. For a given key the hash is a bijection of the slot, so one
//! recipient's ids differ even in the same millisecond; across recipients the keys differ.

use uuid::Uuid;

use super::outcome::EventType;
use super::seed::mix64;

/// What an id is for, so each gets its own slot in the hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdSlot {
    /// The `n`-th event of a kind for the recipient.
    Event(EventType, u8),
    Lead,
    FormResponse,
}

impl IdSlot {
    fn number(self) -> u64 {
        match self {
            IdSlot::Event(kind, n) => ((kind as u64) << 8) | u64::from(n),
            IdSlot::Lead => 0x1_0000,
            IdSlot::FormResponse => 0x1_0001,
        }
    }
}

/// Makes one recipient's ids from its key (`RecipientKey::id_key`).
#[derive(Clone, Copy, Debug)]
pub struct IdMaker {
    key: [u64; 2],
}

impl IdMaker {
    pub fn new(key: [u64; 2]) -> IdMaker {
        IdMaker { key }
    }

    /// The id of `slot` at `unix_ms`.
    pub fn id(&self, slot: IdSlot, unix_ms: i64) -> Uuid {
        let n = slot.number();
        let low = mix64(self.key[0] ^ mix64(n ^ 0x5555_5555_5555_5555));
        let high = mix64(self.key[1] ^ mix64(n ^ 0xAAAA_AAAA_AAAA_AAAA));
        let mut bytes = [0u8; 16];
        bytes[..6].copy_from_slice(&(unix_ms as u64).to_be_bytes()[2..]);
        bytes[6..8].copy_from_slice(&high.to_be_bytes()[..2]);
        bytes[8..].copy_from_slice(&low.to_be_bytes());
        Uuid::new_v8(bytes)
    }
}

/// The Unix milliseconds an id made here carries.
pub fn id_millis(id: Uuid) -> i64 {
    let b = id.as_bytes();
    let mut ms = [0u8; 8];
    ms[2..].copy_from_slice(&b[..6]);
    i64::from_be_bytes(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_v8_and_carry_their_time() {
        let maker = IdMaker::new([1, 2]);
        let ms = 1_741_078_800_123;
        let id = maker.id(IdSlot::Event(EventType::Open, 0), ms);
        assert_eq!(id.get_version_num(), 8);
        assert_eq!(id.get_variant(), uuid::Variant::RFC4122);
        assert_eq!(id_millis(id), ms);
    }

    #[test]
    fn slots_give_different_ids_at_the_same_time() {
        let maker = IdMaker::new([3, 4]);
        let mut ids: Vec<Uuid> = [IdSlot::Lead, IdSlot::FormResponse]
            .into_iter()
            .chain(
                EventType::ALL
                    .into_iter()
                    .flat_map(|k| (0..8).map(move |n| IdSlot::Event(k, n))),
            )
            .map(|s| maker.id(s, 5))
            .collect();
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n);
    }

    #[test]
    fn ids_sort_by_time() {
        let maker = IdMaker::new([5, 6]);
        let a = maker.id(IdSlot::Event(EventType::Sent, 0), 1_000);
        let b = maker.id(IdSlot::Event(EventType::Delivered, 0), 1_001);
        assert!(a < b);
    }
}
