//! Email address validation: normalization, syntax, flags and classification (pure logic).
