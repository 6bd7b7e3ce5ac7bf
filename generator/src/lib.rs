//! The HubSpot CRM client generator: an OpenAPI 3.0 document in, the Rust source of a typed
//! client out.
//!
//! Four stages, each a module, data flowing one way:
//! [`load`] (JSON or YAML into openapiv3's model) → [`lower`] (into the plain-data [`ir`], where
//! every naming and typing decision is made) → [`emit`] (IR into tokens) → [`write`](mod@write) (prettyplease,
//! header, atomic write or freshness check).
//!
//! The generated crate keeps its hand-written runtime (`src/runtime/`, `src/lib.rs`) next to
//! the files written here (`src/generated/`).

pub mod diff;
pub mod emit;
pub mod error;
pub mod ir;
pub mod load;
pub mod lower;
pub mod naming;
pub mod write;

use std::path::{Path, PathBuf};

pub use error::Error;
pub use write::{GeneratedFile, WriteMode};

/// The generator's output for one document.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The IR the files were emitted from.
    pub api: ir::Api,
    /// The files, relative to the crate directory.
    pub files: Vec<GeneratedFile>,
    /// Each item formatted on its own (`module/Name`, code), for per-item snapshots. The files
    /// are these, in this order, under their module's header.
    pub items: Vec<(String, String)>,
}

/// Generates the client source for the document at `spec`.
pub fn generate(spec: &Path) -> Result<Generated, Error> {
    let doc = load::load(spec)?;
    generate_from(&doc).map_err(|e| e.in_file(spec))
}

/// Generates the client source for a document given as text (for tests and tools).
pub fn generate_from_text(text: &str, syntax: load::Syntax) -> Result<Generated, Error> {
    let (raw, api) = load::parse(text, syntax)?;
    generate_from(&load::Document {
        file: PathBuf::from("<text>"),
        raw,
        api,
    })
}

/// Formatted items (`module/Name`, code), or why they could not be made.
type Formatted = Result<Vec<(String, String)>, Error>;

/// A piece of work for [`format_units`]: one type, the base URL, or one operation.
#[derive(Clone, Copy)]
enum Unit<'a> {
    Type(&'a ir::TypeDef),
    BaseUrl(&'a ir::Api),
    Operation(&'a ir::Operation),
}

impl Unit<'_> {
    fn items(self) -> Vec<emit::Item> {
        match self {
            Unit::Type(t) => vec![emit::type_item(t)],
            Unit::BaseUrl(api) => vec![emit::base_url_item(api)],
            Unit::Operation(op) => emit::operation_items(op),
        }
    }
}

/// Emits and formats every unit, on as many threads as there are cores (at most four): the
/// work is independent, and formatting (syn's parse, then prettyplease) is most of the
/// generator's time. Token streams stay on the thread that made them; results keep unit order.
fn format_units(units: &[Unit<'_>]) -> Formatted {
    let work = |unit: Unit<'_>| -> Formatted {
        unit.items()
            .into_iter()
            .map(|item| Ok((item.name.clone(), write::format(item.tokens, &item.name)?)))
            .collect()
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    if threads < 2 || units.len() < 8 {
        return units
            .iter()
            .map(|u| work(*u))
            .collect::<Result<Vec<_>, _>>()
            .map(|v| v.concat());
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<Vec<(usize, Formatted)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(unit) = units.get(i) else { break done };
                        done.push((i, work(*unit)));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut slots: Vec<Option<Formatted>> = (0..units.len()).map(|_| None).collect();
    for (i, result) in results.into_iter().flatten() {
        if let Some(slot) = slots.get_mut(i) {
            *slot = Some(result);
        }
    }
    let mut items = Vec::new();
    for slot in slots {
        // A unit with no result means its thread panicked: report it rather than drop code.
        let result = slot
            .ok_or_else(|| Error::msg("a formatting thread stopped before finishing its work"))?;
        items.extend(result?);
    }
    Ok(items)
}

/// A generated file: the header, the module's rustdoc, then its items.
fn file(header: &str, module_doc: &str, items: &[&str]) -> Result<String, Error> {
    let doc = write::format(emit::inner_doc(module_doc), "module docs")?;
    let mut contents = format!("{header}{doc}");
    for item in items {
        contents.push('\n');
        contents.push_str(item);
    }
    Ok(contents)
}

/// Generates the client source for a loaded document.
pub fn generate_from(doc: &load::Document) -> Result<Generated, Error> {
    let api = lower::lower(doc)?;
    let header = write::header(&api.title, &api.version);

    let mut units: Vec<Unit<'_>> = api.types.iter().map(Unit::Type).collect();
    units.push(Unit::BaseUrl(&api));
    units.extend(api.operations.iter().map(Unit::Operation));
    let items = format_units(&units)?;
    let (type_items, op_items): (Vec<_>, Vec<_>) = items
        .iter()
        .partition(|(name, _)| name.starts_with("types/"));

    let types_file = file(
        &header,
        &format!(
            "The document's schemas as Rust types: one type a schema of {:?} {}, plus the enums and \
             objects written inline in them.",
            api.title, api.version
        ),
        &type_items
            .iter()
            .map(|(_, code)| code.as_str())
            .collect::<Vec<_>>(),
    )?;
    let ops_file = file(
        &header,
        "The operations of the document: a method of [`Client`](crate::Client) each, with the \
         structs of their query parameters and the enums of their answers.",
        &op_items
            .iter()
            .map(|(_, code)| code.as_str())
            .collect::<Vec<_>>(),
    )?;
    let mod_file = file(
        &header,
        "Code written by the generator from the OpenAPI document. Never edited by hand: rerun\n\
         `cargo xtask codegen` instead.",
        &["pub mod operations;\n", "pub mod types;\n"],
    )?;

    let dir = Path::new("src/generated");
    let files = vec![
        GeneratedFile {
            path: dir.join("mod.rs"),
            contents: mod_file,
        },
        GeneratedFile {
            path: dir.join("operations.rs"),
            contents: ops_file,
        },
        GeneratedFile {
            path: dir.join("types.rs"),
            contents: types_file,
        },
        // What callers see of this crate, for `cargo xtask codegen`'s summary of a run.
        GeneratedFile {
            path: PathBuf::from(diff::MANIFEST),
            contents: diff::manifest(&api)?,
        },
    ];
    Ok(Generated { api, files, items })
}
