//! From a catalog to the [`PropertySet`]: the one place where the typed properties' names
//! and types are decided.
//!
//! - Properties are sorted by internal name, so that a re-export listing them in another
//!   order generates the same code.
//! - Types: `string` and `phone_number` → `String`; `number` → an exact decimal; `date` →
//!   `NaiveDate`; `datetime` → `DateTime<Utc>`; `bool` → `bool`; `enumeration` → an open
//!   enum of its options, or a `Vec` of it when its `fieldType` is `checkbox` (multi-select).
//!   A `type` the generator does not know is kept as `String` (nothing is lost), with a
//!   warning that names it.
//! - Writable: neither `calculated` nor `modificationMetadata.readOnlyValue`. Read-only
//!   properties are fields of the answer type only.
//! - Unique keys: writable properties with `hasUniqueValue` (a read-only one cannot key an
//!   upsert, which may create the record).
//! - Names: fields are the internal names in snake_case, type and variant names in
//!   UpperCamelCase (the generator's usual [`naming`] rule: other characters break words, a
//!   leading digit gets a `_`, keywords become raw). Enum types are named after their
//!   property (`hs_currency_code` → `HsCurrencyCode`), variants after the option's internal
//!   value (what HubSpot stores, which a relabelling in the UI does not change). Where two
//!   names come out the same, the later one (in sorted order) gets `_2`, `_3`… (fields) or
//!   `2`, `3`… (types and variants). `other` (the field of unlisted properties), `Unknown`
//!   (the variant of unlisted options), the generated type names, `Decimal`, `Update`, the
//!   names the module imports (`BTreeMap`, `DateTime`, `TypedProperties`…: see
//!   [`IMPORTED`](super::emit::IMPORTED)) and the prelude names the code uses (`String`,
//!   `Option`, `Vec`, `Result`, `Ok`, `Some`…) are taken first, so a property named `vec`
//!   gets the enum `Vec2`.
//! - Two properties with the same internal name, or one without a name, are errors naming
//!   the node by JSON pointer; an option listed twice is a warning, and only its first
//!   listing counts.

use std::collections::{BTreeMap, BTreeSet};

use super::OTHER_FIELD;
use super::ir::{Object, OptionEnum, OptionVariant, Property, PropertySet, UniqueKey, ValueTy};
use super::load::{self, Catalog};
use crate::error::Error;
use crate::naming;

/// The variant of an option enum that keeps options the catalog does not list.
pub const OTHER_VARIANT: &str = "Unknown";

/// Lowers `catalog` (read from the file named `source`). Warnings go to `warnings`.
pub fn lower(
    catalog: &Catalog,
    source: &str,
    object: &Object,
    warnings: &mut Vec<Error>,
) -> Result<PropertySet, Error> {
    let mut first_at: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, p) in catalog.results.iter().enumerate() {
        let pointer = format!("/results/{i}/name");
        if p.name.is_empty() {
            return Err(Error::at(pointer, "a property needs a non-empty `name`"));
        }
        if let Some(first) = first_at.insert(&p.name, i) {
            return Err(Error::at(
                pointer,
                format!(
                    "property `{}` is listed twice (first at /results/{first})",
                    p.name
                ),
            ));
        }
    }
    let mut order: Vec<usize> = (0..catalog.results.len()).collect();
    order.sort_by(|a, b| catalog.results[*a].name.cmp(&catalog.results[*b].name));

    let mut fields = Names::new([OTHER_FIELD], Case::Snake);
    // The generated types, the two names the module imports, and the prelude names the
    // emitted code uses unqualified.
    let (properties_type, input_type, key_type) = (
        object.properties_type(),
        object.input_type(),
        object.key_type(),
    );
    let mut types = Names::new(
        [
            properties_type.as_str(),
            input_type.as_str(),
            key_type.as_str(),
            "Decimal",
            "Update",
            "String",
            "Option",
            "Vec",
            "Result",
            "Ok",
            "Err",
            "Some",
            "None",
            "Self",
        ],
        Case::Camel,
    );
    for name in super::emit::IMPORTED {
        types.reserve(name);
    }
    let mut key_names = Names::new([], Case::Camel);
    let mut set = PropertySet {
        source: source.to_owned(),
        object: object.clone(),
        properties: Vec::new(),
        enums: Vec::new(),
        keys: Vec::new(),
    };
    for i in order {
        let p = &catalog.results[i];
        let pointer = format!("/results/{i}");
        let writable = !p.calculated && !p.modification_metadata.read_only_value;
        let unique = p.has_unique_value && writable;
        let ty = match p.kind.as_str() {
            "string" | "phone_number" => ValueTy::Text,
            "number" => ValueTy::Decimal,
            "date" => ValueTy::Date,
            "datetime" => ValueTy::DateTime,
            "bool" => ValueTy::Bool,
            "enumeration" => {
                let name = types.claim(&p.name);
                set.enums
                    .push(option_enum(p, &name, &pointer, &set.source, warnings));
                if p.field_type == "checkbox" {
                    ValueTy::MultiEnum(name)
                } else {
                    ValueTy::Enum(name)
                }
            }
            other => {
                warnings.push(Error::at(
                    format!("{pointer}/type"),
                    format!(
                        "property `{}` has type `{other}`, which the generator does not know: \
                         its value is kept as text",
                        p.name
                    ),
                ));
                ValueTy::Text
            }
        };
        let key = unique.then(|| key_names.claim(&p.name));
        let doc = property_doc(p, writable, key.as_deref(), object);
        if let Some(name) = key {
            set.keys.push(UniqueKey {
                name,
                wire: p.name.clone(),
                ty: ty.clone(),
                doc: format!(
                    "The {} whose `{}`{} has this value.",
                    object.noun,
                    p.name,
                    label_suffix(&p.label)
                ),
            });
        }
        set.properties.push(Property {
            wire: p.name.clone(),
            field: fields.claim(&p.name),
            doc,
            ty,
            writable,
        });
    }
    Ok(set)
}

fn label_suffix(label: &str) -> String {
    if label.is_empty() {
        String::new()
    } else {
        format!(" ({label})")
    }
}

fn property_doc(p: &load::Property, writable: bool, key: Option<&str>, object: &Object) -> String {
    let mut doc = match (p.label.is_empty(), p.description.trim().is_empty()) {
        (true, true) => format!("`{}`.", p.name),
        (false, true) => format!("{}.", p.label.trim_end_matches('.')),
        (true, false) => p.description.trim().to_owned(),
        (false, false) => format!("{}: {}", p.label, p.description.trim()),
    };
    let mut facts = vec![format!("`{}`, type `{}`", p.name, p.kind)];
    if p.kind == "enumeration" && p.field_type == "checkbox" {
        facts.push("several options at once".to_owned());
    }
    if !writable {
        facts.push(if p.calculated {
            "calculated by HubSpot, read-only".to_owned()
        } else {
            "read-only".to_owned()
        });
    }
    if let Some(key) = key {
        facts.push(format!(
            "unique: each value identifies one {} ([`{}::{key}`])",
            object.noun,
            object.key_type()
        ));
    }
    if p.hidden {
        facts.push("hidden in HubSpot's UI".to_owned());
    }
    doc.push_str(&format!("\n\n{}.", facts.join("; ")));
    doc
}

fn option_enum(
    p: &load::Property,
    name: &str,
    pointer: &str,
    source: &str,
    warnings: &mut Vec<Error>,
) -> OptionEnum {
    let mut names = Names::new([OTHER_VARIANT], Case::Camel);
    let mut seen = BTreeSet::new();
    let mut variants = Vec::new();
    for (j, option) in p.options.iter().enumerate() {
        if !seen.insert(option.value.as_str()) {
            warnings.push(Error::at(
                format!("{pointer}/options/{j}/value"),
                format!(
                    "option `{}` of `{}` is listed twice: only its first listing counts",
                    option.value, p.name
                ),
            ));
            continue;
        }
        if p.field_type == "checkbox" && option.value.contains(';') {
            warnings.push(Error::at(
                format!("{pointer}/options/{j}/value"),
                format!(
                    "option `{}` of the multi-select `{}` holds `;`, which separates the \
                     options on the wire: HubSpot cannot tell it apart from two options",
                    option.value, p.name
                ),
            ));
        }
        let mut doc = format!("`{}`", option.value);
        if !option.label.is_empty() && option.label != option.value {
            doc.push_str(&format!(": {}", option.label));
        }
        if !option.description.trim().is_empty() {
            doc.push_str(&format!(". {}", option.description.trim()));
        }
        if option.hidden {
            doc.push_str(" (hidden in HubSpot's forms)");
        }
        variants.push(OptionVariant {
            name: names.claim(&option.value),
            wire: option.value.clone(),
            doc,
        });
    }
    OptionEnum {
        name: name.to_owned(),
        doc: format!(
            "The options of `{}`{}, as listed in `{source}`.",
            p.name,
            label_suffix(&p.label)
        ),
        variants,
        other: OTHER_VARIANT.to_owned(),
    }
}

#[derive(Clone, Copy)]
enum Case {
    Snake,
    Camel,
}

/// Names handed out in one namespace, each once.
struct Names {
    taken: BTreeSet<String>,
    case: Case,
}

impl Names {
    fn new<const N: usize>(reserved: [&str; N], case: Case) -> Names {
        Names {
            taken: reserved.iter().map(|r| (*r).to_owned()).collect(),
            case,
        }
    }

    /// Keeps `name` from being handed out.
    fn reserve(&mut self, name: &str) {
        self.taken.insert(name.to_owned());
    }

    /// The identifier for `source`, made different from every one handed out before.
    fn claim(&mut self, source: &str) -> String {
        let base = match self.case {
            Case::Snake => naming::snake(source),
            Case::Camel => naming::camel(source),
        };
        let mut name = base.clone();
        let mut n = 2;
        while self.taken.contains(naming::bare(&name)) {
            name = match self.case {
                Case::Snake => format!("{}_{n}", naming::bare(&base)),
                Case::Camel => format!("{}{n}", naming::bare(&base)),
            };
            n += 1;
        }
        self.taken.insert(naming::bare(&name).to_owned());
        name
    }
}
