#!/usr/bin/env python3
"""Canonical answers of the bench workloads, to check that the gateway and the PostGraphile peers
return the same data. Standard library only; importable and a CLI.

    from canonical import canonicalize
    canonicalize("pg5", "agent_walk", answer)   # answer: the response JSON (dict, str or bytes)

    canonical.py check --gateway URL --token TOKEN [--pg4 URL] [--pg5 URL]
                       [--workloads agent_walk,by_id ...] [--out DIR] [--fraction 0.75] [--wait 60]
        Waits (up to --wait seconds) for servers that are still starting, fetches the workloads'
        parameters, posts each workload to each server, canonicalises the answers, writes
        DIR/<server>.<workload>.json (the exact request body, for wrk) and
        DIR/<server>.<workload>.canonical.json, prints one line per workload and exits 1 naming
        the first differing path when a peer disagrees with the gateway (2 on any other failure).
    canonical.py canon SERVER WORKLOAD ANSWER.json
        Prints the canonical form of a saved answer.

Servers: `gateway` (queries from bench/queries/, except the wide list: queries/gateway/), `pg4`
and `pg5` (queries/v4/, queries/v5/). Workloads: agent_walk, domain_hierarchy, wide_list,
deep_page, by_id, vector_search (gateway only: see README.md).

Canonical forms (lists keep the server's order):
  agent_walk        [{id, name, tenant: {id, name} | null, prompts: [{isPrimary, id, name, roleType}],
                      knowledgeSources: [{id, name, chunks: [{id, chunkIndex}]}], industries: [{id, name}]}]
  domain_hierarchy  [{id, name, capabilities: [{id, name, jtbds: [{relevanceScore, id, name,
                      personas: [{id, name, roles: [{id, name}]}]}]}]}]
  wide_list         [{id, uniqueId, slug, name, displayName, agentType, status, tier, isActive, createdAt}]
  deep_page         {rows: [{id, name, slug, tier, status, updatedAt}], hasNextPage}
  by_id             {id, uniqueId, slug, name, status, tier, isActive, updatedAt}
  vector_search     [{chunkId, chunkIndex, sourceId, sourceName, score}]
Timestamps: UTC `YYYY-MM-DDTHH:MM:SS.ffffffZ`; UUIDs lower case; enum values upper case;
relevanceScore: the decimal as a string, normalised (`str(Decimal(x).normalize())`); score
rounded to 5 decimals.
"""

import argparse
import datetime as dt
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request
from decimal import Decimal, InvalidOperation

PEERS_DIR = os.path.dirname(os.path.abspath(__file__))
BENCH_DIR = os.path.dirname(PEERS_DIR)

SERVERS = ("gateway", "pg4", "pg5")
WORKLOADS = ("agent_walk", "domain_hierarchy", "wide_list", "deep_page", "by_id", "vector_search")
# Workloads a server cannot express (README.md says why).
UNSUPPORTED = {"pg4": {"vector_search"}, "pg5": {"vector_search"}}
ALIASES = {"v4": "pg4", "v5": "pg5", "postgraphile4": "pg4", "postgraphile5": "pg5"}


class CheckError(Exception):
    pass


class Unreachable(CheckError):
    """No connection to a server (not listening yet, or not there)."""


# --- value normalisers ------------------------------------------------------------------------

_TS = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$"
)


def ts(v):
    """Any ISO 8601 / PostgreSQL timestamp text -> UTC `YYYY-MM-DDTHH:MM:SS.ffffffZ` (None stays)."""
    if v is None:
        return None
    m = _TS.match(str(v).strip())
    if not m:
        raise CheckError(f"not a timestamp: {v!r}")
    y, mo, d, h, mi, s, frac, tz = m.groups()
    micro = int((frac or "0")[:6].ljust(6, "0"))
    if tz is None or tz in ("Z", "z"):
        offset = dt.timedelta(0)
    else:
        sign = -1 if tz[0] == "-" else 1
        digits = tz[1:].replace(":", "")
        offset = sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
    t = dt.datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), micro, tzinfo=dt.timezone(offset))
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def uid(v):
    return None if v is None else str(v).lower()


def enum(v):
    return None if v is None else str(v).upper()


def dec(v):
    if v is None:
        return None
    try:
        return str(Decimal(str(v)).normalize())
    except InvalidOperation:
        raise CheckError(f"not a decimal: {v!r}") from None


def integer(v):
    return None if v is None else int(v)


def boolean(v):
    return None if v is None else bool(v)


# --- per-server shapes ------------------------------------------------------------------------


def _pk(server):
    """The field holding a table's `id` column: v5 names it rowId (its `id` is the Node ID)."""
    return "rowId" if server == "pg5" else "id"


def _nodes(conn):
    """The rows of a connection (`nodes`, else `edges[].node`)."""
    if conn is None:
        return []
    if "nodes" in conn:
        return conn["nodes"]
    return [e["node"] for e in conn["edges"]]


def _data(answer):
    if isinstance(answer, (bytes, bytearray)):
        answer = answer.decode("utf-8")
    if isinstance(answer, str):
        answer = json.loads(answer)
    if not isinstance(answer, dict):
        raise CheckError("the answer is not a JSON object")
    if answer.get("errors"):
        raise CheckError(f"the answer has errors: {json.dumps(answer['errors'])[:600]}")
    return answer["data"] if "data" in answer else answer


def _id_name(server, o):
    if o is None:
        return None
    return {"id": uid(o[_pk(server)]), "name": o["name"]}


def _agent_walk(server, data):
    pk = _pk(server)
    out = []
    for a in _nodes(data["agents"]):
        if server == "gateway":
            prompts = [
                {"isPrimary": boolean(e["isPrimary"]), "id": uid(e["node"]["id"]), "name": e["node"]["name"],
                 "roleType": enum(e["node"]["roleType"])}
                for e in a["prompts"]["edges"]
            ]
            sources = [(s, _nodes(s["knowledgeChunks"])) for s in _nodes(a["knowledgeSources"])]
            industries = _nodes(a["industries"])
        else:
            prompts = []
            for j in _nodes(a["agentPrompts"]):
                p = j["prompt"] or {}
                prompts.append({"isPrimary": boolean(j["isPrimary"]), "id": uid(p.get(pk)), "name": p.get("name"),
                                "roleType": enum(p.get("roleType"))})
            sources = []
            for j in _nodes(a["agentKnowledges"]):
                s = j["knowledgeSource"]
                sources.append((s, _nodes(s["knowledgeChunksBySourceId"]) if s else []))
            industries = [j["industry"] for j in _nodes(a["agentIndustryMappings"])]
        out.append({
            "id": uid(a[pk]),
            "name": a["name"],
            "tenant": _id_name(server, a["tenant"]),
            "prompts": prompts,
            "knowledgeSources": [
                None if s is None else {
                    "id": uid(s[pk]),
                    "name": s["name"],
                    "chunks": [{"id": uid(c[pk]), "chunkIndex": integer(c["chunkIndex"])} for c in chunks],
                }
                for s, chunks in sources
            ],
            "industries": [_id_name(server, i) for i in industries],
        })
    return out


def _domain_hierarchy(server, data):
    pk = _pk(server)
    gw = server == "gateway"

    def roles(p):
        if gw:
            return [_id_name(server, r) for r in _nodes(p["roles"])]
        return [_id_name(server, m["role"]) for m in _nodes(p["personaRoleMappings"])]

    def personas(j):
        ps = _nodes(j["personas"]) if gw else [m["persona"] for m in _nodes(j["jtbdPersonasByJtbdId"])]
        return [None if p is None else {"id": uid(p[pk]), "name": p["name"], "roles": roles(p)} for p in ps]

    def jtbds(c):
        if gw:
            pairs = [(e["relevanceScore"], e["node"]) for e in c["jobsToBeDone"]["edges"]]
        else:
            pairs = [(m["relevanceScore"], m["jtbd"]) for m in _nodes(c["capabilityJtbdMappings"])]
        return [
            {"relevanceScore": dec(score), "id": uid(j[pk]) if j else None, "name": j["name"] if j else None,
             "personas": personas(j) if j else []}
            for score, j in pairs
        ]

    return [
        {
            "id": uid(d[pk]),
            "name": d["name"],
            "capabilities": [{"id": uid(c[pk]), "name": c["name"], "jtbds": jtbds(c)} for c in _nodes(d["capabilities"])],
        }
        for d in _nodes(data["domains"])
    ]


def _wide_list(server, data):
    pk = _pk(server)
    return [
        {
            "id": uid(a[pk]),
            "uniqueId": a["uniqueId"],
            "slug": a["slug"],
            "name": a["name"],
            "displayName": a["displayName"],
            "agentType": enum(a["agentType"]),
            "status": enum(a["status"]),
            "tier": integer(a["tier"]),
            "isActive": boolean(a["isActive"]),
            "createdAt": ts(a["createdAt"]),
        }
        for a in _nodes(data["agents"])
    ]


def _page_row(server, a):
    return {
        "id": uid(a[_pk(server)]),
        "name": a["name"],
        "slug": a["slug"],
        "tier": integer(a["tier"]),
        "status": enum(a["status"]),
        "updatedAt": ts(a["updatedAt"]),
    }


def _deep_page(server, data):
    conn = data["agents"]
    return {"rows": [_page_row(server, a) for a in _nodes(conn)], "hasNextPage": bool(conn["pageInfo"]["hasNextPage"])}


def _by_id(server, data):
    a = data["agent"]
    if a is None:
        return None
    return {
        "id": uid(a[_pk(server)]),
        "uniqueId": a["uniqueId"],
        "slug": a["slug"],
        "name": a["name"],
        "status": enum(a["status"]),
        "tier": integer(a["tier"]),
        "isActive": boolean(a["isActive"]),
        "updatedAt": ts(a["updatedAt"]),
    }


def _vector_search(server, data):
    if server != "gateway":
        raise CheckError(f"vector_search is not supported on {server} (see bench/peers/README.md)")
    return [
        {
            "chunkId": uid(h["chunk"]["id"]),
            "chunkIndex": integer(h["chunk"]["chunkIndex"]),
            "sourceId": uid(h["source"]["id"]),
            "sourceName": h["source"]["name"],
            "score": round(float(h["score"]), 5),
        }
        for h in data["searchKnowledge"]
    ]


_CANON = {
    "agent_walk": _agent_walk,
    "domain_hierarchy": _domain_hierarchy,
    "wide_list": _wide_list,
    "deep_page": _deep_page,
    "by_id": _by_id,
    "vector_search": _vector_search,
}


def canonicalize(server, workload, answer_json):
    """The canonical form of `server`'s answer to `workload` (see the module doc).

    `answer_json`: the response as a dict (with or without the `data` envelope), str or bytes.
    Raises CheckError on GraphQL errors or values it cannot read."""
    server = ALIASES.get(server, server)
    if server not in SERVERS:
        raise ValueError(f"unknown server {server!r} (one of {', '.join(SERVERS)})")
    if workload not in _CANON:
        raise ValueError(f"unknown workload {workload!r} (one of {', '.join(WORKLOADS)})")
    data = _data(answer_json)
    try:
        return _CANON[workload](server, data)
    except (KeyError, TypeError) as e:
        raise CheckError(f"{server} {workload}: unexpected answer shape ({type(e).__name__}: {e}): "
                         f"{json.dumps(data)[:300]}") from None


def first_diff(a, b, path="$"):
    """The first path where `a` and `b` differ, with both values, or None when equal."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in list(a) + [k for k in b if k not in a]:
            if k not in a or k not in b:
                return f"{path}.{k}", a.get(k, "<missing>"), b.get(k, "<missing>")
            d = first_diff(a[k], b[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list):
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_diff(x, y, f"{path}[{i}]")
            if d:
                return d
        if len(a) != len(b):
            n = min(len(a), len(b))
            return (f"{path}[{n}] (lengths {len(a)} and {len(b)})",
                    a[n] if n < len(a) else "<missing>", b[n] if n < len(b) else "<missing>")
        return None
    if type(a) is not type(b) or a != b:
        return path, a, b
    return None


def count_objects(v):
    """Objects (rows at any depth) in a canonical value."""
    if isinstance(v, dict):
        return 1 + sum(count_objects(x) for x in v.values())
    if isinstance(v, list):
        return sum(count_objects(x) for x in v)
    return 0


# --- requests ---------------------------------------------------------------------------------


def query_path(server, name):
    """The query file a server runs for workload (or helper) `name`."""
    if server == "gateway":
        override = os.path.join(PEERS_DIR, "queries", "gateway", f"{name}.graphql")
        return override if os.path.exists(override) else os.path.join(BENCH_DIR, "queries", f"{name}.graphql")
    return os.path.join(PEERS_DIR, "queries", {"pg4": "v4", "pg5": "v5"}[server], f"{name}.graphql")


def op_name(query):
    m = re.search(r"^\s*query\s+(\w+)", re.sub(r"#[^\n]*", "", query), re.M)
    return m.group(1) if m else None


def make_body(server, name, variables=None):
    with open(query_path(server, name), encoding="utf-8") as f:
        query = f.read()
    doc = {"query": query, "operationName": op_name(query), "variables": variables or {}}
    return json.dumps(doc, separators=(",", ":")).encode()


class Server:
    def __init__(self, name, url, token=None):
        self.name, self.url, self.token = name, url, token

    def post(self, body: bytes):
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        req = urllib.request.Request(self.url, data=body, method="POST", headers=headers)
        try:
            # Straight to the address given, whatever http_proxy says.
            with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req, timeout=120) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        except OSError as e:
            raise Unreachable(f"{self.name}: cannot reach {self.url}: {e}") from None
        try:
            doc = json.loads(raw)
        except ValueError:
            raise CheckError(f"{self.name}: HTTP {status}, not JSON: {raw[:300]!r}") from None
        if status != 200 or doc.get("errors"):
            raise CheckError(f"{self.name}: HTTP {status} with errors: {json.dumps(doc.get('errors'))[:800]}")
        if not doc.get("data"):
            raise CheckError(f"{self.name}: no data in the answer: {raw[:300]!r}")
        return doc

    def run(self, name, variables=None):
        return self.post(make_body(self.name, name, variables))


def wait_until_up(servers, seconds):
    """Waits while a server refuses connections (the peers listen only once their schema is
    built), up to `seconds` in all."""
    deadline = time.monotonic() + seconds
    probe = json.dumps({"query": "{ __typename }"}).encode()
    for s in servers:
        while True:
            try:
                s.post(probe)
                break
            except Unreachable:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.25)


# --- parameters -------------------------------------------------------------------------------


def gateway_deep_cursor(gw, fraction, position=None):
    """(total, P, cursor): the gateway's cursor after the first P rows of the DeepPage ordering,
    P = int(total * fraction) + 1, paging with bench/queries/deep_page_cursor.graphql (as
    bench/tools.py deep-cursor does)."""
    after, cursors, total = None, [], None
    for _ in range(10_000):
        conn = gw.run("deep_page_cursor", {"after": after})["data"]["agents"]
        total = conn["totalCount"]
        cursors += [e["cursor"] for e in conn["edges"]]
        wanted = int(total * fraction) if position is None else position
        if len(cursors) > wanted or not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    if total is None or total < 40:
        raise CheckError(f"the DeepPage filter matches only {total} rows on the gateway; it needs at least 40")
    index = min(int(total * fraction) if position is None else position - 1, len(cursors) - 1)
    return total, index + 1, cursors[index]


def peer_deep_cursor(peer, position):
    """(total, cursor): the peer's own cursor after its first `position` rows of the ordering."""
    conn = peer.run("deep_page_cursor", {"first": position})["data"]["agents"]
    return conn["totalCount"], conn["pageInfo"]["endCursor"]


def chunk_embedding(gw, chunk_id):
    """The embedding of the chunk `chunk_id`."""
    body = json.dumps({"query": "query($id: UUID!) { knowledgeChunk(id: $id) { embedding } }",
                       "variables": {"id": chunk_id}}).encode()
    return gw.post(body)["data"]["knowledgeChunk"]["embedding"]


def pick_embedding(gw):
    """One stored chunk's embedding (the middle of the first 21 chunks), as bench/tools.py does."""
    body = json.dumps({"query": "{ knowledgeChunks(first: 21) { nodes { embedding } } }"}).encode()
    nodes = gw.post(body)["data"]["knowledgeChunks"]["nodes"]
    if not nodes:
        raise CheckError("no knowledge chunks; cannot pick an embedding")
    return nodes[len(nodes) // 2]["embedding"]


# --- check ------------------------------------------------------------------------------------


def write_json(path, value, compact=False):
    with open(path, "w", encoding="utf-8") as f:
        if compact:
            json.dump(value, f, separators=(",", ":"), ensure_ascii=False)
        else:
            json.dump(value, f, indent=1, ensure_ascii=False)
            f.write("\n")


def short(v, n=160):
    s = json.dumps(v, ensure_ascii=False)
    return s if len(s) <= n else s[: n - 3] + "..."


def check(args):
    servers = [Server("gateway", args.gateway, args.token)]
    if args.pg4:
        servers.append(Server("pg4", args.pg4))
    if args.pg5:
        servers.append(Server("pg5", args.pg5))
    gw = servers[0]
    workloads = []
    for w in args.workloads or list(WORKLOADS):
        workloads += [x for x in w.split(",") if x]
    for w in workloads:
        if w not in WORKLOADS:
            raise CheckError(f"unknown workload {w!r} (one of {', '.join(WORKLOADS)})")
    os.makedirs(args.out, exist_ok=True)
    wait_until_up(servers, args.wait)

    # Parameters, fetched once.
    params = {}  # (server, workload) -> variables
    notes = {}
    given = json.loads(args.params) if args.params else {}
    if "by_id" in workloads and given.get("ID"):
        for s in servers:
            params[(s.name, "by_id")] = {"id": given["ID"]}
        notes["by_id"] = f"id {given['ID']}"
    elif "by_id" in workloads:
        nodes = canonicalize("gateway", "wide_list", gw.run("wide_list"))
        if not nodes:
            raise CheckError("the gateway's wide list is empty; cannot pick an id")
        agent_id = nodes[len(nodes) // 2]["id"]
        for s in servers:
            params[(s.name, "by_id")] = {"id": agent_id}
        notes["by_id"] = f"id {agent_id}"
    if "deep_page" in workloads:
        given_p = int(given["DEEP_P"]) if given.get("DEEP_P") else None
        total, position, cursor = gateway_deep_cursor(gw, args.fraction, given_p)
        params[("gateway", "deep_page")] = {"after": cursor}
        for s in servers[1:]:
            peer_total, peer_cursor = peer_deep_cursor(s, position)
            if peer_total != total:
                raise CheckError(f"deep_page: the filter matches {total} rows on the gateway but {peer_total} on {s.name}")
            params[(s.name, "deep_page")] = {"after": peer_cursor}
        notes["deep_page"] = f"after row {position} of {total}"
    if "vector_search" in workloads:
        e = chunk_embedding(gw, given["CHUNK_ID"]) if given.get("CHUNK_ID") else pick_embedding(gw)
        params[("gateway", "vector_search")] = {"e": e}

    failed = False
    for w in workloads:
        results = {}
        skipped = []
        for s in servers:
            if w in UNSUPPORTED.get(s.name, ()):
                skipped.append(s.name)
                continue
            body = make_body(s.name, w, params.get((s.name, w)))
            with open(os.path.join(args.out, f"{s.name}.{w}.json"), "wb") as f:
                f.write(body)
            canon = canonicalize(s.name, w, s.post(body))
            write_json(os.path.join(args.out, f"{s.name}.{w}.canonical.json"), canon)
            results[s.name] = canon
        ref = results["gateway"]
        rows = len(ref) if isinstance(ref, list) else len(ref["rows"]) if w == "deep_page" else int(ref is not None)
        if rows == 0:
            print(f"{w}: the gateway's answer has no rows", file=sys.stderr)
            failed = True
        diffs = []
        for name, canon in results.items():
            if name == "gateway":
                continue
            d = first_diff(ref, canon)
            if d:
                diffs.append((name, d))
        peers = [n for n in results if n != "gateway"]
        extra = f"; {notes[w]}" if w in notes else ""
        skip = f"; {', '.join(skipped)}: not supported (README.md)" if skipped else ""
        size = f"{rows} rows, {count_objects(ref)} objects{extra}"
        if diffs:
            failed = True
            same = [n for n in peers if n not in dict(diffs)]
            print(f"{w}: DIFFERENT ({size}){skip}" + (f"; {', '.join(same)} equal to the gateway" if same else ""))
            for name, (path, a, b) in diffs:
                print(f"  {name} differs from the gateway first at {path}: gateway {short(a)} != {name} {short(b)}")
        elif peers:
            print(f"{w}: equal ({size}): {' = '.join(['gateway'] + peers)}{skip}")
        else:
            print(f"{w}: gateway only ({size}){skip}")
    print(f"canonical answers and request bodies in {args.out}")
    return 1 if failed else 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check", help="post every workload to every server and compare the canonical answers")
    c.add_argument("--gateway", required=True, help="the gateway's /graphql URL")
    c.add_argument("--token", default=os.environ.get("BENCH_TOKEN"), help="the gateway's bearer token (default $BENCH_TOKEN)")
    c.add_argument("--pg4", help="PostGraphile v4's /graphql URL")
    c.add_argument("--pg5", help="PostGraphile v5's /graphql URL")
    c.add_argument("--workloads", nargs="+", help=f"workloads (space or comma separated; default all: {' '.join(WORKLOADS)})")
    c.add_argument("--out", default="/tmp/peers-check", help="output directory (default /tmp/peers-check)")
    c.add_argument("--wait", type=float, default=60, help="seconds to wait for servers still starting (default 60)")
    c.add_argument("--params", help="JSON object of bench/floor/params values (ID, DEEP_P, CHUNK_ID) to use instead of picking")
    c.add_argument("--fraction", type=float, default=0.75, help="where deep_page starts in the filtered list (default 0.75)")
    k = sub.add_parser("canon", help="print the canonical form of a saved answer")
    k.add_argument("server", choices=SERVERS + tuple(ALIASES))
    k.add_argument("workload", choices=WORKLOADS)
    k.add_argument("answer", help="the answer's JSON file ('-' for stdin)")
    args = ap.parse_args(argv)
    try:
        if args.cmd == "check":
            if not args.token:
                raise CheckError("no gateway token: pass --token or set BENCH_TOKEN")
            return check(args)
        raw = sys.stdin.read() if args.answer == "-" else open(args.answer, encoding="utf-8").read()
        print(json.dumps(canonicalize(args.server, args.workload, raw), indent=1, ensure_ascii=False))
        return 0
    except CheckError as e:
        print(f"canonical: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
