//! The file sync of the `sync_orders` example: reading JSONL or CSV orders, checking them
//! against a property catalog, the bulk run, and the failures file a resume reads.

pub mod catalog;
pub mod sync;
