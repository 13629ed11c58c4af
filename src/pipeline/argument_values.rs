//! The one part of validation that depends on a request's variables: whether the values given for
//! them fit the arguments they are passed to.
//!
//! async-graphql checks an argument's value (`ArgumentsOfCorrectType`) with the request's
//! variables put in, and skips an argument whose variables were not given. Everything else it
//! validates depends on the document alone. So a document that passed once is not validated again
//! ([`super::validate`]); only the arguments that take variables are checked here, by the same
//! rules and with the same messages, for the selected operation and every fragment. Measured reason
//! (bench/README.md, "Validation of operations with variables"): running all of async-graphql's
//! validation was about a tenth of the gateway's CPU on a lookup by id, and Apollo Client sends
//! every operation with variables.

use std::collections::HashSet;

use async_graphql::parser::types::{
    Directive, ExecutableDocument, OperationDefinition, OperationType, Selection, SelectionSet,
};
use async_graphql::registry::{MetaInputValue, MetaType, MetaTypeName, Registry};
use async_graphql::{Name, Positioned, ServerError, Value as ConstValue, Variables};
use async_graphql_value::Value;
use indexmap::IndexMap;

/// The errors of the arguments of `op` (and of every fragment) whose values hold variables.
pub fn check(
    registry: &Registry,
    doc: &ExecutableDocument,
    op: &OperationDefinition,
    variables: &Variables,
) -> Vec<ServerError> {
    let mut checker = Checker { registry, variables, errors: Vec::new() };
    let root = match op.ty {
        OperationType::Query => Some(registry.query_type.as_str()),
        OperationType::Mutation => registry.mutation_type.as_deref(),
        OperationType::Subscription => registry.subscription_type.as_deref(),
    };
    checker.directives(&op.directives);
    checker.selection_set(root, &op.selection_set.node);
    for fragment in doc.fragments.values() {
        let fragment = &fragment.node;
        checker.directives(&fragment.directives);
        checker.selection_set(Some(fragment.type_condition.node.on.node.as_str()), &fragment.selection_set.node);
    }
    checker.errors
}

struct Checker<'a> {
    registry: &'a Registry,
    variables: &'a Variables,
    errors: Vec<ServerError>,
}

impl Checker<'_> {
    fn selection_set(&mut self, parent: Option<&str>, set: &SelectionSet) {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    self.directives(&field.directives);
                    let def =
                        parent.and_then(|p| self.registry.types.get(p)).and_then(|t| t.field_by_name(&field.name.node));
                    if let Some(def) = def {
                        self.arguments(&def.args, &field.arguments);
                    }
                    let child = def.map(|d| MetaTypeName::concrete_typename(&d.ty));
                    self.selection_set(child, &field.selection_set.node);
                }
                Selection::InlineFragment(inline) => {
                    let inline = &inline.node;
                    self.directives(&inline.directives);
                    let here = inline.type_condition.as_ref().map_or(parent, |c| Some(c.node.on.node.as_str()));
                    self.selection_set(here, &inline.selection_set.node);
                }
                // The fragment itself is checked once, from its definition.
                Selection::FragmentSpread(spread) => self.directives(&spread.node.directives),
            }
        }
    }

    fn directives(&mut self, directives: &[Positioned<Directive>]) {
        for directive in directives {
            if let Some(def) = self.registry.directives.get(directive.node.name.node.as_str()) {
                self.arguments(&def.args, &directive.node.arguments);
            }
        }
    }

    /// Checks each argument whose value holds a variable, once every variable in it was given.
    fn arguments(&mut self, defs: &IndexMap<String, MetaInputValue>, given: &[(Positioned<Name>, Positioned<Value>)]) {
        for (name, value) in given {
            let Some(def) = defs.get(name.node.as_str()) else { continue };
            if !holds_variable(&value.node) {
                continue;
            }
            // A bare variable (the usual case) is checked where it is, not copied: an embedding
            // is 1,536 numbers.
            let owned;
            let value = match &value.node {
                Value::Variable(v) => match self.variables.get(v) {
                    Some(given) => given,
                    None => continue,
                },
                other => match other.clone().into_const_with(|v| self.variables.get(&v).cloned().ok_or(())) {
                    Ok(v) => {
                        owned = v;
                        &owned
                    }
                    Err(()) => continue,
                },
            };
            if let Some(reason) = invalid(self.registry, &def.ty, value, name.node.as_str()) {
                self.errors.push(ServerError::new(format!("Invalid value for argument {reason}"), Some(name.pos)));
            }
        }
    }
}

fn holds_variable(value: &Value) -> bool {
    match value {
        Value::Variable(_) => true,
        Value::List(items) => items.iter().any(holds_variable),
        Value::Object(fields) => fields.values().any(holds_variable),
        _ => false,
    }
}

/// Why `value` does not fit the input type `ty`, as async-graphql words it (`"path", reason`).
fn invalid(registry: &Registry, ty: &str, value: &ConstValue, path: &str) -> Option<String> {
    let fail = |reason: String| Some(format!("\"{path}\", {reason}"));
    match MetaTypeName::create(ty) {
        MetaTypeName::NonNull(inner) => match value {
            ConstValue::Null => fail(format!("expected type \"{inner}\"")),
            _ => invalid(registry, inner, value, path),
        },
        MetaTypeName::List(inner) => match value {
            ConstValue::List(items) => match scalar_items(registry, inner) {
                // A list of scalars (an embedding is 1,536 of them) resolves its item type once
                // and names an item's path only when it fails (in the words of the general case).
                Some((non_null, is_valid)) => items
                    .iter()
                    .position(|item| match item {
                        ConstValue::Null => non_null,
                        item => !is_valid(item),
                    })
                    .and_then(|i| invalid(registry, inner, &items[i], &format!("{path}.{i}"))),
                None => items
                    .iter()
                    .enumerate()
                    .find_map(|(i, item)| invalid(registry, inner, item, &format!("{path}.{i}"))),
            },
            ConstValue::Null => None,
            _ => invalid(registry, inner, value, path),
        },
        MetaTypeName::Named(name) => {
            if matches!(value, ConstValue::Null) {
                return None;
            }
            match registry.types.get(name)? {
                MetaType::Scalar { is_valid: Some(is_valid), .. } => {
                    if is_valid(value) {
                        None
                    } else {
                        fail(format!("expected type \"{name}\""))
                    }
                }
                MetaType::Enum { enum_values, name: enum_name, .. } => {
                    let given = match value {
                        ConstValue::Enum(v) => v.as_str(),
                        ConstValue::String(v) => v.as_str(),
                        _ => return fail(format!("expected type \"{name}\"")),
                    };
                    if enum_values.contains_key(given) {
                        None
                    } else {
                        fail(format!("enumeration type \"{enum_name}\" does not contain the value \"{given}\""))
                    }
                }
                MetaType::InputObject { input_fields, name: object_name, oneof, .. } => {
                    let ConstValue::Object(values) = value else { return None };
                    if *oneof {
                        if values.len() != 1 {
                            return fail("Oneof input objects requires have exactly one field".to_owned());
                        }
                        if values.values().next().is_some_and(|v| matches!(v, ConstValue::Null)) {
                            return fail(
                                "Oneof Input Objects require that exactly one field must be supplied and that field must not be null"
                                    .to_owned(),
                            );
                        }
                    }
                    let mut unknown: HashSet<&str> = values.keys().map(Name::as_str).collect();
                    for field in input_fields.values() {
                        unknown.remove(field.name.as_str());
                        match values.get(field.name.as_str()) {
                            Some(v) => {
                                if let Some(reason) = invalid(registry, &field.ty, v, &format!("{path}.{}", field.name))
                                {
                                    return Some(reason);
                                }
                            }
                            None if MetaTypeName::create(&field.ty).is_non_null() && field.default_value.is_none() => {
                                return fail(format!(
                                    "field \"{}\" of type \"{}\" is required but not provided",
                                    field.name, field.ty
                                ));
                            }
                            None => {}
                        }
                    }
                    unknown.iter().next().and_then(|n| fail(format!("unknown field \"{n}\" of type \"{object_name}\"")))
                }
                _ => None,
            }
        }
    }
}

/// For a list whose items are a scalar (`[Float!]`, `[ID]`): whether an item may be null, and the
/// scalar's check. An item they refuse is one [`invalid`] refuses.
fn scalar_items<'r>(
    registry: &'r Registry,
    ty: &'r str,
) -> Option<(bool, &'r (dyn Fn(&ConstValue) -> bool + Send + Sync))> {
    let (non_null, named) = match MetaTypeName::create(ty) {
        MetaTypeName::NonNull(inner) => (true, inner),
        _ => (false, ty),
    };
    let MetaTypeName::Named(name) = MetaTypeName::create(named) else { return None };
    match registry.types.get(name)? {
        MetaType::Scalar { is_valid: Some(is_valid), .. } => Some((non_null, is_valid.as_ref())),
        _ => None,
    }
}
