//! Path templates: split into literal text and parameters, checked against the declared path
//! parameters.

use super::*;

impl Lowerer<'_> {
    /// Whether the path parameter `name` appears in `path`. One the template lacks could never
    /// be sent, so it is dropped with a warning (HubSpot's documents have declared such
    /// parameters for weeks at a time) rather than refused.
    pub(super) fn keep_path_param(&mut self, path: &str, name: &str, at: &str) -> bool {
        let present = naming::segments(path).contains(&naming::Segment::Param(name));
        if !present {
            self.warnings.push(Error::at(
                at.to_owned(),
                format!("path parameter `{name}` is not in the path `{path}`; it is left out"),
            ));
        }
        present
    }

    /// Splits `path` into literal text and parameters. A template variable that no parameter
    /// declares is an error: the request could not be built.
    pub(super) fn path_template(
        &self,
        path: &str,
        pointer: &str,
        path_params: &[PathParam],
    ) -> Result<Vec<PathPart>, Error> {
        let mut path_parts = Vec::new();
        let mut literal = String::new();
        let mut in_template = BTreeSet::new();
        for segment in path.split('/').skip(1) {
            literal.push('/');
            match naming::segments(segment).first() {
                Some(naming::Segment::Param(name))
                    if segment.starts_with('{') && segment.ends_with('}') =>
                {
                    let param = path_params
                        .iter()
                        .find(|p| p.wire_name == *name)
                        .ok_or_else(|| {
                            Error::at(
                                pointer.to_owned(),
                                format!(
                                    "the path names `{{{name}}}` but no path parameter `{name}` is declared"
                                ),
                            )
                        })?;
                    in_template.insert(param.wire_name.clone());
                    path_parts.push(PathPart::Literal(std::mem::take(&mut literal)));
                    path_parts.push(PathPart::Param(param.name.clone()));
                }
                _ if segment.contains('{') => {
                    return Err(Error::at(
                        pointer.to_owned(),
                        format!(
                            "the path segment `{segment}` mixes text and a parameter; that is not supported"
                        ),
                    ));
                }
                _ => literal.push_str(segment),
            }
        }
        if !literal.is_empty() {
            path_parts.push(PathPart::Literal(literal));
        }
        path_parts.retain(|p| !matches!(p, PathPart::Literal(l) if l.is_empty()));
        Ok(path_parts)
    }
}
