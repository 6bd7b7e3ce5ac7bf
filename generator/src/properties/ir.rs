//! The typed properties as plain data: every name and type decided, nothing left to emit but
//! spelling.

/// Everything generated from one catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertySet {
    /// The catalog's file name, for the header and the docs.
    pub source: String,
    /// The object the catalog describes, which names the generated types.
    pub object: Object,
    /// Every property, sorted by internal name (a re-export in another order changes nothing).
    pub properties: Vec<Property>,
    /// The open enums of the enumeration properties, in the order of their properties.
    pub enums: Vec<OptionEnum>,
    /// The variants of the unique-key enum: writable properties with `hasUniqueValue`.
    pub keys: Vec<UniqueKey>,
}

/// One property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    /// Internal name, as on the wire.
    pub wire: String,
    /// Field name in the generated structs (an identifier; may be raw, `r#type`).
    pub field: String,
    /// Rustdoc of the field.
    pub doc: String,
    /// The Rust type of a value.
    pub ty: ValueTy,
    /// Whether callers may write it: not calculated, not read-only.
    pub writable: bool,
}

/// The Rust type of one property's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueTy {
    /// `String`: `string`, `phone_number`, and types the generator does not know.
    Text,
    /// An exact decimal: `number`.
    Decimal,
    /// `chrono::NaiveDate`: `date`.
    Date,
    /// `chrono::DateTime<Utc>`: `datetime`.
    DateTime,
    /// `bool`: `bool`.
    Bool,
    /// The named generated enum: a single-choice `enumeration`.
    Enum(String),
    /// A `Vec` of the named generated enum: an `enumeration` shown as checkboxes.
    MultiEnum(String),
}

/// The open enum of an enumeration property's options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionEnum {
    /// Type name.
    pub name: String,
    /// Rustdoc of the type.
    pub doc: String,
    /// One a known option, in the catalog's order.
    pub variants: Vec<OptionVariant>,
    /// The variant that keeps an option the catalog does not list.
    pub other: String,
}

/// One option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionVariant {
    /// Variant name.
    pub name: String,
    /// The option's internal value.
    pub wire: String,
    /// Rustdoc of the variant.
    pub doc: String,
}

/// One variant of the unique-key enum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UniqueKey {
    /// Variant name.
    pub name: String,
    /// The property's internal name.
    pub wire: String,
    /// The type of the value it carries.
    pub ty: ValueTy,
    /// Rustdoc of the variant.
    pub doc: String,
}

/// The CRM object a catalog describes, as the generated names and docs call it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    /// The prefix of the generated type names, e.g. `Order` (`OrderProperties`) or `LineItem`.
    pub prefix: String,
    /// The object in prose, e.g. `order` or `line item`.
    pub noun: String,
}

impl Object {
    /// The object of a document module: its name without one trailing `s` (`orders` →
    /// `Order`, `line_items` → `LineItem`; `address` keeps its `ss`).
    pub fn of_module(module: &str) -> Object {
        let singular = match module.strip_suffix('s') {
            Some(stem) if !stem.is_empty() && !stem.ends_with('s') => stem,
            _ => module,
        };
        Object {
            prefix: heck::ToUpperCamelCase::to_upper_camel_case(singular),
            noun: singular.replace('_', " "),
        }
    }

    /// The typed answer properties: `OrderProperties`.
    pub fn properties_type(&self) -> String {
        format!("{}Properties", self.prefix)
    }

    /// The typed write input: `OrderPropertiesInput`.
    pub fn input_type(&self) -> String {
        format!("{}PropertiesInput", self.prefix)
    }

    /// The typed unique key: `OrderUniqueKey`.
    pub fn key_type(&self) -> String {
        format!("{}UniqueKey", self.prefix)
    }

    /// The noun with its indefinite article: `an order`, `a line item`.
    pub fn a_noun(&self) -> String {
        let article = if self.noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        format!("{article} {}", self.noun)
    }
}
