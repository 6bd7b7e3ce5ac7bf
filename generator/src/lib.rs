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

pub mod emit;
pub mod error;
pub mod ir;
pub mod load;
pub mod lower;
pub mod naming;
pub mod write;

use std::path::{Path, PathBuf};

use quote::quote;

pub use error::Error;
pub use write::{GeneratedFile, WriteMode};

/// The generator's output for one document.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The IR the files were emitted from.
    pub api: ir::Api,
    /// The files, relative to the crate directory.
    pub files: Vec<GeneratedFile>,
    /// Each item formatted on its own (`module/Name`, code), for per-item snapshots.
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

/// Generates the client source for a loaded document.
pub fn generate_from(doc: &load::Document) -> Result<Generated, Error> {
    let api = lower::lower(doc)?;
    let header = write::header(&api.title, &api.version);
    let types = emit::types(&api);
    let operations = emit::operations(&api);

    let mut items = Vec::new();
    for item in types.iter().chain(&operations) {
        items.push((
            item.name.clone(),
            write::format(item.tokens.clone(), &item.name)?,
        ));
    }

    let types_doc = emit::inner_doc(&format!(
        "The document's schemas as Rust types: one type a schema of {:?} {}, plus the enums and \
         objects written inline in them.",
        api.title, api.version
    ));
    let type_tokens = types.iter().map(|i| &i.tokens);
    let types_file = quote!(#types_doc #(#type_tokens)*);

    let ops_doc = emit::inner_doc(
        "The operations of the document: a method of [`Client`](crate::Client) each, with the \
         structs of their query parameters and the enums of their answers.",
    );
    let op_tokens = operations.iter().map(|i| &i.tokens);
    let ops_file = quote!(#ops_doc #(#op_tokens)*);

    let mod_doc = emit::inner_doc(
        "Code written by the generator from the OpenAPI document. Never edited by hand: rerun\n\
         `cargo xtask codegen` instead.",
    );
    let mod_file = quote! {
        #mod_doc
        pub mod operations;
        pub mod types;
    };

    let dir = Path::new("src/generated");
    let files = vec![
        GeneratedFile {
            path: dir.join("mod.rs"),
            contents: format!("{header}{}", write::format(mod_file, "mod.rs")?),
        },
        GeneratedFile {
            path: dir.join("operations.rs"),
            contents: format!("{header}{}", write::format(ops_file, "operations.rs")?),
        },
        GeneratedFile {
            path: dir.join("types.rs"),
            contents: format!("{header}{}", write::format(types_file, "types.rs")?),
        },
    ];
    Ok(Generated { api, files, items })
}
