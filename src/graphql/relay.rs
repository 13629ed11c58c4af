//! Relay's object identification: the `Node` interface every table's type implements, with
//! `nodeId: ID!` (an opaque global id, `plan/node_id.rs`), and the root fields `node(nodeId:)` and
//! `nodes(nodeIds:)`. `id` stays the row's UUID.
//!
//! Why: Apollo Client and Relay normalise their caches by one key per object; with `nodeId` one
//! type policy serves every type, and any object can be refetched without knowing its table's root
//! field. PostGraphile and pg_graphql offer the same (`nodeId`, `node`).

use async_graphql::dynamic::{Field, InputValue, Interface, InterfaceField, Object, TypeRef};

use crate::graphql::planned;
use crate::plan::node_id::{MAX_NODE_IDS, NODE, NODE_ID, NODE_IDS};

pub fn node_interface() -> Interface {
    Interface::new(NODE)
        .description("An object with a global id: any row of the registry.")
        .field(InterfaceField::new(NODE_ID, TypeRef::named_nn(TypeRef::ID)))
}

/// Adds `nodeId` to a table's object type and declares it a `Node`.
pub fn implement(object: Object) -> Object {
    object.implement(NODE).field(planned(NODE_ID, TypeRef::named_nn(TypeRef::ID)).description(
        "A global id of this row, unique across every type: for `node(nodeId:)` and client caches. `id` is the row's UUID.",
    ))
}

/// `node(nodeId:)` and `nodes(nodeIds:)`.
pub fn root_fields() -> [Field; 2] {
    [
        planned("node", TypeRef::named(NODE))
            .argument(InputValue::new(NODE_ID, TypeRef::named_nn(TypeRef::ID)))
            .description(
                "The row a global id names, or null when there is none you may see. A string that is not a node \
                 id is BAD_USER_INPUT.",
            ),
        planned("nodes", TypeRef::named_list_nn(NODE))
            .argument(InputValue::new(NODE_IDS, TypeRef::named_nn_list_nn(TypeRef::ID)))
            .description(format!(
                "The rows these global ids name, in the same order; null for each you may not see. At most \
                 {MAX_NODE_IDS} ids; one statement per type."
            )),
    ]
}
