//! The HubSpot CRM client generator: OpenAPI 3.0 documents in, the Rust source of a typed
//! client crate out.
//!
//! Four stages, each a module, data flowing one way:
//! [`load`] (JSON or YAML into openapiv3's model) → [`lower`] (into the plain-data [`ir`], where
//! every naming and typing decision is made) → [`emit`] (IR into tokens) → [`write`](mod@write) (prettyplease,
//! header, atomic write or freshness check).
//!
//! A crate holds one or more documents, each a module (`src/generated/orders/`, named after
//! its file) with a handle type that carries its operations on the runtime's shared `Client`;
//! types that several documents define identically are written once ([`share`]). A second,
//! optional input per document, a portal's property catalog, goes through [`properties`] (its
//! own load, lower, emit) into typed properties beside the document's files.
//!
//! Everything hand-written (the client, pacing, retries, bulk upsert, paging, the fake
//! HubSpot) lives in the `hubspot-runtime` crate, which names no document's type; the
//! generated code implements the runtime's small traits where its document has the operations
//! they drive.

pub mod diff;
pub mod emit;
pub mod error;
pub mod ir;
pub mod load;
pub mod lower;
pub mod naming;
pub mod properties;
pub mod share;
pub mod write;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub use error::Error;
pub use write::{GeneratedFile, WriteMode};

/// One document of a crate: the module it becomes, where it is read from, and its property
/// catalog if it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The module's name ([`naming::module_name`] of the file name).
    pub module: String,
    /// The OpenAPI document.
    pub spec: PathBuf,
    /// The property catalog that types the document's record properties.
    pub catalog: Option<PathBuf>,
}

impl Source {
    /// The document at `spec`, its module named after the file, without a catalog.
    ///
    /// # Errors
    ///
    /// When the file name gives no module name ([`naming::module_name`]).
    pub fn new(spec: &Path) -> Result<Source, Error> {
        let stem = spec
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let module = naming::module_name(stem).map_err(|e| Error::msg(e).in_file(spec))?;
        Ok(Source {
            module,
            spec: spec.to_path_buf(),
            catalog: None,
        })
    }

    /// The same document with the property catalog at `catalog`.
    pub fn with_catalog(mut self, catalog: Option<PathBuf>) -> Source {
        self.catalog = catalog;
        self
    }

    /// Every OpenAPI document of `dir` ([`is_document`]), sorted by path, each with the
    /// property catalog beside it ([`properties::beside`]): the documents of one crate, as
    /// `cargo xtask codegen` reads `spec/`.
    ///
    /// # Errors
    ///
    /// When `dir` cannot be read, holds no document, or a file name gives no module name.
    pub fn all_in(dir: &Path) -> Result<Vec<Source>, Error> {
        let entries = std::fs::read_dir(dir).map_err(|e| {
            Error::msg(format!(
                "cannot read the documents of {}: {e}",
                dir.display()
            ))
        })?;
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && is_document(p))
            .collect();
        paths.sort();
        if paths.is_empty() {
            return Err(Error::msg(format!(
                "{} holds no OpenAPI document (.yaml, .yml or .json)",
                dir.display()
            )));
        }
        paths
            .iter()
            .map(|spec| Source::new(spec).map(|s| s.with_catalog(properties::beside(spec))))
            .collect()
    }
}

/// Whether `path` is an OpenAPI document by its name: `.yaml`, `.yml` or `.json`, and not a
/// property catalog (`…-properties.json`).
pub fn is_document(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    matches!(extension, "yaml" | "yml" | "json") && !name.ends_with("-properties.json")
}

/// One document's part of a generated crate.
#[derive(Debug, Clone)]
pub struct Document {
    /// Its module (`orders`).
    pub module: String,
    /// Its handle type (`Orders`).
    pub handle: String,
    /// The IR its files were emitted from.
    pub api: ir::Api,
    /// Its types that another document of the crate defines too, but otherwise, so that this
    /// one has its own (the types naming them included), by name. Empty for a crate of one
    /// document, and where every document agrees.
    pub apart: BTreeSet<String>,
}

/// The generator's output for one crate.
#[derive(Debug, Clone)]
pub struct Generated {
    /// Each document, in input order.
    pub documents: Vec<Document>,
    /// The files, relative to the crate directory.
    pub files: Vec<GeneratedFile>,
    /// Faults of the documents and catalogs that do not change the client (a declared path
    /// parameter the path lacks, ...), each located by file and pointer. Generation went on
    /// past them.
    pub warnings: Vec<Error>,
    /// Each item formatted on its own (`orders/types/Name`, `common/Name`, code), for
    /// per-item snapshots, each module's `use` prelude first (`orders/types/use`). The files
    /// are these, in this order, under their module's header, except that a module's methods
    /// (each an item `impl Handle { … }` here) are one `impl` block in its file.
    pub items: Vec<(String, String)>,
}

impl Generated {
    /// The document of module `module`.
    pub fn document(&self, module: &str) -> Option<&Document> {
        self.documents.iter().find(|d| d.module == module)
    }
}

/// Where generated files go, relative to the crate directory.
pub const GENERATED_DIR: &str = "src/generated";

/// Generates a crate of the one document at `spec` (its module named after the file).
pub fn generate(spec: &Path) -> Result<Generated, Error> {
    generate_crate(&[Source::new(spec)?])
}

/// Generates a crate of the documents `sources`, each a module, in that order.
pub fn generate_crate(sources: &[Source]) -> Result<Generated, Error> {
    let mut inputs = Vec::new();
    for source in sources {
        let doc = load::load(&source.spec)?;
        inputs.push(Input {
            module: source.module.clone(),
            doc,
            file: Some(source.spec.clone()),
            catalog: source.catalog.clone(),
        });
    }
    generate_inputs(inputs)
}

/// Generates a crate of one document given as text, in the module `api` (for tests and tools).
pub fn generate_from_text(text: &str, syntax: load::Syntax) -> Result<Generated, Error> {
    let (raw, api) = load::parse(text, syntax)?;
    generate_from(&load::Document {
        file: PathBuf::from("<text>"),
        raw,
        api,
    })
}

/// Generates a crate of one loaded document, in the module `api`.
pub fn generate_from(doc: &load::Document) -> Result<Generated, Error> {
    generate_inputs(vec![Input {
        module: lower::DEFAULT_MODULE.to_owned(),
        doc: doc.clone(),
        file: None,
        catalog: None,
    }])
}

/// A loaded document on its way into a crate.
struct Input {
    module: String,
    doc: load::Document,
    /// The file its messages name: none for a document given as text or already loaded.
    file: Option<PathBuf>,
    catalog: Option<PathBuf>,
}

/// Formatted items (module, name, code, whether a method), or why they could not be made.
type Formatted = Result<Vec<(emit::Module, String, String, bool)>, Error>;

/// Emits and formats items, in order, on this thread. Formatting (syn's parse, then
/// prettyplease) is most of the generator's time, but a pool of worker threads bought nothing
/// on two cores: `cargo xtask codegen --check` over the 13 documents of the workspace, 20 runs
/// of release builds, took 1.5 s of CPU and 3.5 to 4.3 s of wall time on one thread against
/// 1.6 to 2.1 s of CPU and 3.7 to 6.7 s with the pool.
fn format_items(items: Vec<emit::Item>) -> Formatted {
    items
        .into_iter()
        .map(|item| {
            let code = write::format(item.tokens, &item.name)?;
            Ok((item.module, item.name, code, item.method))
        })
        .collect()
}

/// A generated file: the header, the module's rustdoc, then its parts (declarations, the
/// `use` prelude, items), a blank line between them.
fn file(header: &str, module_doc: &str, parts: &[&str]) -> Result<String, Error> {
    let doc = write::format(emit::inner_doc(module_doc), "module docs")?;
    let mut contents = format!("{header}{doc}");
    for part in parts.iter().filter(|p| !p.is_empty()) {
        contents.push('\n');
        contents.push_str(part);
    }
    Ok(contents)
}

/// A module's formatted code: its `use` prelude (empty when it imports nothing) and its items.
/// The handle's methods are formatted one by one (each `impl Handle { … }`, for snapshots) and
/// joined into one `impl` block in the file, where the first of them stands.
struct ModuleFiles {
    prelude: String,
    items: Vec<(emit::Module, String, String, bool)>,
}

impl ModuleFiles {
    fn of(code: emit::ModuleCode) -> Result<ModuleFiles, Error> {
        Ok(ModuleFiles {
            prelude: write::format_uses(&code.prelude)?,
            items: format_items(code.items)?,
        })
    }

    /// The file's parts after the declarations: the prelude, then the items.
    fn parts(&self) -> Result<Vec<String>, Error> {
        let mut parts = vec![self.prelude.clone()];
        let methods: Vec<&str> = self
            .items
            .iter()
            .filter(|(.., method)| *method)
            .map(|(_, _, code, _)| code.as_str())
            .collect();
        let mut joined = false;
        for (_, _, code, method) in &self.items {
            if !method {
                parts.push(code.clone());
            } else if !joined {
                parts.push(write::join_impl(&methods)?);
                joined = true;
            }
        }
        Ok(parts)
    }

    /// The items for snapshots, `prefix/name`, the prelude first as `prefix/use`.
    fn snapshot_items(&self, prefix: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if !self.prelude.is_empty() {
            out.push((format!("{prefix}/use"), self.prelude.clone()));
        }
        out.extend(
            self.items
                .iter()
                .map(|(_, name, code, _)| (format!("{prefix}/{name}"), code.clone())),
        );
        out
    }
}

fn generate_inputs(inputs: Vec<Input>) -> Result<Generated, Error> {
    let mut documents = Vec::new();
    let mut warnings = Vec::new();
    let mut catalogs = Vec::new();
    for input in &inputs {
        if documents
            .iter()
            .any(|d: &Document| d.module == input.module)
        {
            return Err(Error::msg(format!(
                "two documents would both be the module `{}`: rename one",
                input.module
            ))
            .in_file(&input.doc.file));
        }
        let located = |e: Error| match &input.file {
            Some(file) => e.in_file(file),
            None => e,
        };
        let (api, doc_warnings) =
            lower::lower_module(&input.doc, &input.module).map_err(located)?;
        warnings.extend(doc_warnings.into_iter().map(located));
        let catalog = match &input.catalog {
            Some(path) => {
                let object = properties::ir::Object::of_module(&input.module);
                let output = properties::generate(path, &object)?;
                warnings.extend(output.warnings.iter().map(|w| w.clone().in_file(path)));
                Some(output)
            }
            None => None,
        };
        catalogs.push(catalog);
        documents.push(Document {
            module: input.module.clone(),
            handle: api.handle.clone(),
            api,
            apart: BTreeSet::new(),
        });
    }

    let mut sharing = share::share(&documents.iter().map(|d| &d.api).collect::<Vec<_>>());
    for (document, apart) in documents.iter_mut().zip(std::mem::take(&mut sharing.apart)) {
        document.apart = apart;
    }
    let mut files = Vec::new();
    let mut items = Vec::new();
    let dir = Path::new(GENERATED_DIR);
    let crate_header = write::crate_header(
        &documents
            .iter()
            .map(|d| (d.api.title.as_str(), d.api.version.as_str()))
            .collect::<Vec<_>>(),
    );

    if !sharing.common.is_empty() {
        let types: Vec<(&ir::Api, &ir::TypeDef)> = sharing
            .common
            .iter()
            .map(|(doc, t)| (&documents[*doc].api, t))
            .collect();
        let code = ModuleFiles::of(emit::common_module(&types, &sharing.imports))?;
        let parts = code.parts()?;
        files.push(GeneratedFile {
            path: dir.join("common.rs"),
            contents: file(
                &crate_header,
                "The types that several documents of this crate define, written once. Each \
                 document's `types` module re-exports the ones it shares; one that defines a type \
                 otherwise has its own.",
                &parts.iter().map(String::as_str).collect::<Vec<_>>(),
            )?,
        });
        items.extend(code.snapshot_items("common"));
    }

    for ((document, catalog), shared) in documents.iter().zip(&catalogs).zip(&sharing.shared) {
        let api = &document.api;
        let header = write::header(&api.title, &api.version);
        let module_dir = dir.join(&document.module);
        let prefix = &document.module;

        let types = ModuleFiles::of(emit::types_module(api, shared))?;
        let mut type_parts = Vec::new();
        if !shared.is_empty() {
            // In the document's order, as the names would stand in its own `types`, one a
            // line: a type that leaves or joins `common` is one line of the diff.
            let names = api
                .types
                .iter()
                .map(|t| t.name())
                .filter(|name| shared.contains(*name))
                .map(emit::ident);
            let reexport = write::format(
                quote::quote!(#(pub use super::super::common::#names;)*),
                "the re-export of shared types",
            )?;
            type_parts.push(reexport);
        }
        type_parts.extend(types.parts()?);
        files.push(GeneratedFile {
            path: module_dir.join("types.rs"),
            contents: file(
                &header,
                &format!(
                    "The schemas of {:?} {} as Rust types: one type a schema, plus the enums and \
                     objects written inline in them.",
                    api.title, api.version
                ),
                &type_parts.iter().map(String::as_str).collect::<Vec<_>>(),
            )?,
        });
        items.extend(types.snapshot_items(&format!("{prefix}/types")));

        let operations = ModuleFiles::of(emit::operations_module(api))?;
        files.push(GeneratedFile {
            path: module_dir.join("operations.rs"),
            contents: file(
                &header,
                &emit::operations_doc(api),
                &operations
                    .parts()?
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
            )?,
        });
        items.extend(operations.snapshot_items(&format!("{prefix}/operations")));

        let own = ModuleFiles::of(emit::document_module(api))?;
        let mut declarations = "pub mod operations;\npub mod types;\n".to_owned();
        if let Some(catalog) = catalog {
            declarations.push_str("pub mod properties;\n");
            files.push(GeneratedFile {
                path: module_dir.join("properties.rs"),
                contents: catalog.contents.clone(),
            });
        }
        let mut mod_parts = vec![declarations];
        mod_parts.extend(own.parts()?);
        files.push(GeneratedFile {
            path: module_dir.join("mod.rs"),
            contents: file(
                &header,
                &document_doc(document, catalog.is_some()),
                &mod_parts.iter().map(String::as_str).collect::<Vec<_>>(),
            )?,
        });
        items.extend(own.snapshot_items(&format!("{prefix}/mod")));
        // What callers see of this document, for `cargo xtask codegen`'s summary of a run.
        files.push(GeneratedFile {
            path: module_dir.join(diff::MANIFEST_FILE),
            contents: diff::manifest(api)?,
        });
        if let Some(catalog) = catalog {
            items.extend(
                catalog
                    .items
                    .iter()
                    .map(|(name, code)| (format!("{prefix}/{name}"), code.clone())),
            );
        }
    }

    let mut root = String::new();
    if !sharing.common.is_empty() {
        root.push_str("mod common;\n");
    }
    for document in &documents {
        root.push_str(&format!("pub mod {};\n", document.module));
    }
    let ext = documents
        .iter()
        .map(|d| (d.module.as_str(), d.handle.as_str(), d.api.title.as_str()))
        .collect::<Vec<_>>();
    let (uses, client_ext) = emit::client_ext(&ext);
    let uses = write::format_uses(&[uses])?;
    let client_ext = write::format(client_ext, "ClientExt")?;
    files.insert(
        0,
        GeneratedFile {
            path: dir.join("mod.rs"),
            contents: file(
                &crate_header,
                "Code written by the generator from the OpenAPI documents, one module a document. \
                 Never edited by hand: rerun `cargo xtask codegen` instead.",
                &[root.as_str(), uses.as_str(), client_ext.as_str()],
            )?,
        },
    );

    Ok(Generated {
        documents,
        files,
        warnings,
        items,
    })
}

/// The rustdoc of a document's module.
fn document_doc(document: &Document, typed_properties: bool) -> String {
    let api = &document.api;
    let mut text = format!(
        "The {:?} document ({}): [`{handle}`] carries its operations (`operations`), on the \
         shared client; `types` holds its schemas.",
        api.title,
        api.version,
        handle = document.handle
    );
    if typed_properties {
        text.push_str(" `properties` types its records' properties from a property catalog.");
    }
    let helpers = &api.helpers;
    let mut drives = Vec::new();
    if helpers.upsert.is_some() {
        drives.push("bulk upsert (`hubspot_runtime::bulk::BulkUpsert`)");
    }
    if helpers.list.is_some() {
        drives.push("paging (`hubspot_runtime::paging::pages`)");
    }
    if helpers.search.is_some() {
        drives.push("search past the result cap (`hubspot_runtime::paging::search_all`)");
    }
    if !drives.is_empty() {
        text.push_str(&format!(
            "\n\nThe handle drives the runtime's {}.",
            drives.join(", ")
        ));
    }
    text
}
