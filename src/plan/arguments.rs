//! Field arguments as constant values: literals, variables (with their declared defaults) and
//! `@skip`/`@include`, resolved once while planning.

use async_graphql::parser::types::{Directive, Field};
use async_graphql::{Name, Positioned, Value as ConstValue};
use indexmap::IndexMap;

/// The operation's variables: the request's values, else the declared defaults.
pub type Variables = IndexMap<Name, ConstValue>;

/// `field`'s arguments with variables substituted (an absent variable is null, as in async-graphql).
pub fn resolve(field: &Field, variables: &Variables) -> IndexMap<Name, ConstValue> {
    field
        .arguments
        .iter()
        .map(|(name, value)| {
            let v = value
                .node
                .clone()
                .into_const_with(|var| {
                    Ok::<_, std::convert::Infallible>(variables.get(&var).cloned().unwrap_or_default())
                })
                .unwrap_or_default();
            (name.node.clone(), v)
        })
        .collect()
}

/// Whether `@skip(if: true)` or `@include(if: false)` removes the selection.
pub fn skipped(directives: &[Positioned<Directive>], variables: &Variables) -> bool {
    directives.iter().any(|d| {
        let name = d.node.name.node.as_str();
        if name != "skip" && name != "include" {
            return false;
        }
        let condition = d.node.get_argument("if").map(|v| {
            let v = v.node.clone().into_const_with(|var| {
                Ok::<_, std::convert::Infallible>(variables.get(&var).cloned().unwrap_or_default())
            });
            matches!(v, Ok(ConstValue::Boolean(true)))
        });
        match name {
            "skip" => condition == Some(true),
            _ => condition == Some(false),
        }
    })
}
