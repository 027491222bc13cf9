//! Contact-list import: reading uploaded CSV files as real CRM exports come.
