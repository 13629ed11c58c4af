//! Relay global ids (`nodeId`): one opaque string naming a row of any table, so that Apollo Client
//! and Relay can normalise their caches by one key and refetch any object with `node(nodeId:)`.
//!
//! A node id is the base64url (no padding) of `<table>:<uuid>`. The *table* name, not the GraphQL
//! type name, is encoded: a rename in `schema-names.toml` changes the schema but not the ids clients
//! have stored. The id is not signed: it grants nothing, as every lookup by it still applies the
//! caller's visibility, so a forged id of a row the caller cannot see reads `null`.
//!
//! Decoding tells two failures apart: a string that is not a node id at all (`BAD_USER_INPUT`) and a
//! well-formed id of a table that does not exist (forged; read as an invisible row).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use crate::catalog::{Catalog, TableId};
use crate::error::AppError;

/// The interface every table's type implements.
pub const NODE: &str = "Node";
/// The global id field on every object type, and `node`'s argument.
pub const NODE_ID: &str = "nodeId";
/// `nodes`' argument.
pub const NODE_IDS: &str = "nodeIds";
/// Most ids one `nodes` call takes (the largest page); a longer list is refused.
pub const MAX_NODE_IDS: usize = 100;

/// Writes the node id of row `id` of table `table` into `out` (as a JSON string's contents: the
/// alphabet of base64url needs no escaping).
pub fn encode_into(table: &str, id: Uuid, out: &mut Vec<u8>) {
    let mut raw = Vec::with_capacity(table.len() + 37);
    raw.extend_from_slice(table.as_bytes());
    raw.push(b':');
    raw.extend_from_slice(id.hyphenated().encode_lower(&mut Uuid::encode_buffer()).as_bytes());
    let start = out.len();
    out.resize(start + base64::encoded_len(raw.len(), false).unwrap_or_default(), 0);
    let written = URL_SAFE_NO_PAD.encode_slice(&raw, &mut out[start..]).unwrap_or_default();
    out.truncate(start + written);
}

/// The node id of row `id` of table `table`.
pub fn encode(table: &str, id: Uuid) -> String {
    let mut out = Vec::new();
    encode_into(table, id, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// What a node id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoded {
    Row(TableId, Uuid),
    /// Well-formed, but of no table of this registry: nothing anybody can see.
    NoSuchTable,
}

/// Decodes `raw`; `BAD_USER_INPUT` names the argument when it is not a node id.
pub fn decode(catalog: &Catalog, raw: &str, argument: &str) -> Result<Decoded, AppError> {
    let malformed = || AppError::bad_input(format!("argument `{argument}` is not a node id: {raw:?}"));
    let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| malformed())?;
    let text = std::str::from_utf8(&bytes).map_err(|_| malformed())?;
    let (table, id) = text.rsplit_once(':').ok_or_else(malformed)?;
    let id = Uuid::try_parse(id).map_err(|_| malformed())?;
    if table.is_empty() {
        return Err(malformed());
    }
    Ok(catalog.table(table).map_or(Decoded::NoSuchTable, |t| Decoded::Row(t.id, id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_round_trips_and_does_not_show_its_parts() {
        let catalog = Catalog::try_from_entities().unwrap();
        let agents = catalog.table("agents").unwrap();
        let id = Uuid::new_v4();
        let node = encode("agents", id);
        assert!(!node.contains("agents") && !node.contains(&id.to_string()), "{node}");
        assert!(node.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{node}");
        assert_eq!(decode(&catalog, &node, "nodeId").unwrap(), Decoded::Row(agents.id, id));
    }

    #[test]
    fn malformed_ids_are_bad_input_and_unknown_tables_are_nothing() {
        let catalog = Catalog::try_from_entities().unwrap();
        for bad in ["", "not base64!", &URL_SAFE_NO_PAD.encode("agents"), &URL_SAFE_NO_PAD.encode("agents:42")] {
            let e = decode(&catalog, bad, "nodeId").unwrap_err();
            assert_eq!(e.code().as_str(), "BAD_USER_INPUT", "{bad:?}");
            assert!(e.client_message().contains("nodeId"), "{e}");
        }
        let forged = encode("no_such_table", Uuid::new_v4());
        assert_eq!(decode(&catalog, &forged, "nodeId").unwrap(), Decoded::NoSuchTable);
    }
}
