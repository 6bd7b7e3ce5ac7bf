//! The code of the example programs that the workspace's tests drive too: the file sync of
//! `sync_orders`, the typed-property walk-throughs of `typed_orders` and `typed_bulk` (the
//! README shows both), and the inputs and measure of `two_objects`. Each program in
//! `examples/` is a thin `main` around it.

pub mod sync_orders;
pub mod two_objects;
pub mod typed_bulk;
pub mod typed_orders;
