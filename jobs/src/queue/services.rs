//! What jobs need from their worker process beyond the database (a DNS checker and its
//! cache, limits, a second pool), injected by the worker and found by type: the queue
//! plumbing carries them without knowing what they are.

use std::any::{Any, TypeId, type_name};
use std::collections::HashMap;

/// The worker process's shared helpers for jobs, one per type.
#[derive(Default)]
pub struct Services {
    by_type: HashMap<TypeId, (&'static str, Box<dyn Any + Send + Sync>)>,
}

impl Services {
    /// Adds (or replaces) the helper of type `T`.
    pub fn with<T: Any + Send + Sync>(mut self, service: T) -> Self {
        self.by_type
            .insert(TypeId::of::<T>(), (type_name::<T>(), Box::new(service)));
        self
    }

    /// The helper of type `T`, if the worker provided one.
    pub fn get<T: Any>(&self) -> Option<&T> {
        self.by_type
            .get(&TypeId::of::<T>())
            .and_then(|(_, service)| service.downcast_ref())
    }
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&str> = self.by_type.values().map(|(name, _)| *name).collect();
        names.sort_unstable();
        f.debug_tuple("Services").field(&names).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::Services;

    #[derive(Debug, PartialEq)]
    struct Limit(u32);

    #[test]
    fn found_by_type_and_absent_when_not_provided() {
        let services = Services::default().with(Limit(3)).with(Limit(4));
        assert_eq!(services.get::<Limit>(), Some(&Limit(4)));
        assert_eq!(services.get::<String>(), None);
        assert!(format!("{services:?}").contains("Limit"));
    }
}
