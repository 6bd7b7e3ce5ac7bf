//! Helpers named in the `#[serde(...)]` attributes of generated types (through
//! [`crate::codegen`]).

use serde::{Deserialize, Deserializer};

/// Deserializes `null` as `T::default()`.
///
/// Generated response types put this on collection fields the document calls required:
/// `#[serde(default)]` covers a missing field, this covers an explicit `null`, so that a
/// server that leaves out an empty list does not make the whole response undecodable.
/// Called by generated code.
pub fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Option::<T>::deserialize(deserializer).map(Option::unwrap_or_default)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Page {
        #[serde(default, deserialize_with = "super::null_as_default")]
        results: Vec<u32>,
    }

    fn results(json: &str) -> Vec<u32> {
        match serde_json::from_str::<Page>(json) {
            Ok(page) => page.results,
            Err(error) => panic!("{json} should decode: {error}"),
        }
    }

    #[test]
    fn null_missing_and_present_values() {
        assert_eq!(results(r#"{"results":null}"#), Vec::<u32>::new());
        assert_eq!(results("{}"), Vec::<u32>::new());
        assert_eq!(results(r#"{"results":[1,2]}"#), vec![1, 2]);
        assert!(serde_json::from_str::<Page>(r#"{"results":"x"}"#).is_err());
    }
}
