//! The HubSpot CRM client generator: an OpenAPI 3.0 document in, the Rust source of a typed
//! client out.
//!
//! Four stages, each a module, data flowing one way:
//! [`load`] (JSON or YAML into openapiv3's model) → [`lower`] (into the plain-data [`ir`], where
//! every naming and typing decision is made) → [`emit`] (IR into tokens) → [`write`](mod@write) (prettyplease,
//! header, atomic write or freshness check).
//!
//! A second, optional input, a portal's property catalog, goes through [`properties`] (its own
//! load, lower, emit) into typed order properties beside the document's files.
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
pub mod properties;
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
    /// Faults of the document that do not change the client (a declared path parameter the
    /// path lacks, ...), each located by pointer. Generation went on past them.
    pub warnings: Vec<Error>,
    /// Each item formatted on its own (`module/Name`, code), for per-item snapshots. The files
    /// are these, in this order, under their module's header.
    pub items: Vec<(String, String)>,
}

/// Generates the client source for the document at `spec`.
pub fn generate(spec: &Path) -> Result<Generated, Error> {
    let doc = load::load(spec)?;
    let mut generated = generate_from(&doc).map_err(|e| e.in_file(spec))?;
    generated.warnings = generated
        .warnings
        .into_iter()
        .map(|w| w.in_file(spec))
        .collect();
    Ok(generated)
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

/// Formatted items (module, name, code), or why they could not be made.
type Formatted = Result<Vec<(emit::Module, String, String)>, Error>;

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

/// Emits and formats every unit, in order, on this thread. Formatting (syn's parse, then
/// prettyplease) is most of the generator's time, but a pool of worker threads bought nothing
/// on two cores: `cargo xtask codegen --check` over the 13 documents of the workspace, 20 runs
/// of release builds, took 1.5 s of CPU and 3.5 to 4.3 s of wall time on one thread against
/// 1.6 to 2.1 s of CPU and 3.7 to 6.7 s with the pool.
fn format_units(units: &[Unit<'_>]) -> Formatted {
    let mut items = Vec::new();
    for unit in units {
        for item in unit.items() {
            let code = write::format(item.tokens, &item.name)?;
            items.push((item.module, item.name, code));
        }
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
    let (api, warnings) = lower::lower_with_warnings(doc)?;
    let header = write::header(&api.title, &api.version);

    let mut units: Vec<Unit<'_>> = api.types.iter().map(Unit::Type).collect();
    units.push(Unit::BaseUrl(&api));
    units.extend(api.operations.iter().map(Unit::Operation));
    let formatted = format_units(&units)?;
    let in_module = |module: emit::Module| -> Vec<&str> {
        formatted
            .iter()
            .filter(|(m, _, _)| *m == module)
            .map(|(_, _, code)| code.as_str())
            .collect()
    };
    let type_items = in_module(emit::Module::Types);
    let op_items = in_module(emit::Module::Operations);

    let types_file = file(
        &header,
        &format!(
            "The document's schemas as Rust types: one type a schema of {:?} {}, plus the enums and \
             objects written inline in them.",
            api.title, api.version
        ),
        &type_items,
    )?;
    let ops_file = file(
        &header,
        "The operations of the document: a method of [`Client`](crate::Client) each, with the \
         structs of their query parameters and the enums of their answers.",
        &op_items,
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
    let items = formatted
        .into_iter()
        .map(|(module, name, code)| (format!("{}/{name}", module.as_str()), code))
        .collect();
    Ok(Generated {
        api,
        files,
        warnings,
        items,
    })
}
