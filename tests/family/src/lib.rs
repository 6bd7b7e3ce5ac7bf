//! The clients generated from our own test documents (`tests/family/spec/`), one module a
//! document, all on the `hubspot-runtime` crate as any generated crate is. Types that several
//! documents define identically are one type here (in the private `common` module, re-exported
//! by each document's `types`).
//!
//! Regenerate with `cargo xtask codegen` (every document of `spec/` here is one module);
//! `tests/tests/family.rs` checks the files are fresh and drives the clients end to end.
//!
//! | module | what its document exercises |
//! |---|---|
//! | `actions` | Operations the naming rule would name alike (a definitions listing and a functions listing, both `get_page`), told apart by their paths' words (`functions_get_page`). |
//! | `actors` | Small document of ours with HubSpot's polymorphism: variants that list, with `allOf`, the union they belong to, told apart by a one-value `type` enum. |
//! | `catalog` | Typed properties from a property catalog with every oddity a portal's export may hold: names with digits, uppercase letters and keywords, names that collide once converted, option values with spaces and punctuation, duplicate labels and values, hidden options, an enumeration without options, unique properties of several types, and types the generator does not know. |
//! | `client` | Schemas named like what generated code imports (`Error`, `Result`, `Value`, `DateTime`, `BTreeMap`, `Serialize`, `Request`, `Method`, `Page`, `Record`, `Default`) and a handle named `Client`. |
//! | `contacts` | Contacts-like document: the usual operations of a CRM object plus `gdpr_delete`, which erases a contact for good. |
//! | `coverage` | Document that uses every OpenAPI construct the generator supports. Exercised by `tests/tests/coverage.rs`. |
//! | `dated` | Date-versioned document: paths under `/crm/objects/2026-03/{objectType}` that serve every object type, operationIds that repeat the whole path, nullable property values, security lists of over a hundred alternatives, and association endpoints with inline array bodies. |
//! | `deals` | Deals-like document: the object named by its type id (`/crm/v3/objects/0-3`), operationIds with HubSpot's `_getPage`-style suffixes, and a `merge` operation. |
//! | `defaults` | Small document of ours with operations whose only answer is `default` (it is then the success answer, on any 2xx status). |
//! | `exports` | Small document of ours with answers in `text/csv`, `text/plain` and `application/vnd.ms-excel`: a `String` or bytes by content type. |
//! | `journal` | A scalar parameter schema with another type's keywords (`type: integer` with a string's `pattern`/`maxLength`): generated from its `type`, with a warning. |
//! | `pages` | Two collections under one path (`site-pages`, `landing-pages`) whose operations the naming rule names alike, told apart by their paths' words (`site_pages_get_page`). |
//! | `params` | Small document of ours with enum path parameters (inline and by `$ref`), a `$ref` enum and a date-time query parameter, and object query parameters exploded into keys. |
//! | `timeline` | Small document of ours with operations the path rule names alike, told apart by their operationIds' actions (`_getAll`, `_getById`), an operation that would take the handle's own method name `new` (it becomes `create_new`), and one named like a method of the runtime's `Client` (`metrics`, free to take since operations live on the handle). |
//! | `typeid` | Small document of ours with paths named by an object type id (`/crm/objects/2026-03/0-3`): the id is part of the collection, so the methods are `get_page`, `get_by_id`, …. |
//! | `unions` | Small document of ours with `oneOf`/`anyOf` beside `properties: {}` and `type: object`, and a struct holding an untagged union of an object and a string (it must not derive `Eq` unless the union does). |
//! | `uploads` | Small document of ours with `multipart/form-data` bodies (a `format: binary` field is a file part) and an `application/x-www-form-urlencoded` body. |
//! | `upsert_bodiless` | A batch upsert whose 201 and 207 answers have no body. |
//! | `upsert_multi` | A batch upsert answering 200, or 207 with the failures, as orders does. |
//! | `upsert_no_new` | A batch upsert whose results do not say whether the record was created (no `new`). |
//! | `upsert_none` | An object without batch upsert: no bulk upsert for it, and the crate compiles. |
//! | `upsert_ok` | A batch upsert answering 200 only. |
//! | `upsert_optional` | A batch upsert whose results leave `archived`, `createdAt` and `new` optional. |
//! | `webhooks` | Operations named alike with no shared collection path, told apart by their paths' words (`settings_get_all`, `subscriptions_get_all`). |

#![deny(missing_docs)]

// The generated files are laid out by prettyplease, not rustfmt: `cargo fmt` leaves them be.
#[rustfmt::skip]
mod generated;

pub use generated::*;
pub use hubspot_runtime::*;
