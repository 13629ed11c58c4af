#!/usr/bin/env python3
"""Helpers for bench/run. Standard library only (no pip packages).

    tools.py jwt SECRET TENANT_ID ROLE            -> prints an HS256 JWT valid for 6 hours
    tools.py wait-ready T0_NS LOG PID TIMEOUT_S   -> waits for "listening" and /readyz; prints
                                                     `port listen_ms ready_ms`
    tools.py body QUERY.graphql OUT.json [VARS_JSON]
    tools.py post URL BODY.json                   -> POSTs with BENCH_TOKEN, fails on errors,
                                                     prints the response JSON
    tools.py check NAME URL BODY.json OUT_DIR     -> like post; records extensions.sqlStatements
                                                     in OUT_DIR/NAME.check.json
    tools.py deep-cursor URL CURSOR_QUERY FRACTION
    tools.py pick-id URL WIDE_BODY.json
    tools.py pick-embedding URL                   -> variables {"e": [...]} of a stored chunk
    tools.py wrk-parse WRK_OUTPUT [K=V...]        -> JSON of the `BENCH key=value` lines
    tools.py cpu-snap GW_PID POSTMASTER_PID TIMES_FILE -> JSON of CPU seconds used so far: the
                                                     machine, the gateway, the cluster, this shell's
                                                     reaped children (wrk); TIMES_FILE is bash `times`
    tools.py cpu-delta BEFORE_JSON AFTER_JSON     -> K=V pairs for wrk-parse
    tools.py report META.json OUT_DIR RESULTS.md
    tools.py target-dir ROOT                      -> cargo's target directory for the clone at ROOT
                                                     (CARGO_TARGET_DIR when set, else its target/)
"""

import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request


def die(msg):
    print(f"bench: {msg}", file=sys.stderr)
    sys.exit(1)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(secret, tenant, role):
    header = {"alg": "HS256", "typ": "JWT"}
    claims = {
        "sub": "bench",
        "role": "authenticated",
        "tenant_id": tenant,
        "tenant_role": role,
        "exp": int(time.time()) + 6 * 3600,
    }
    signed = b64url(json.dumps(header, separators=(",", ":")).encode()) + "." + b64url(
        json.dumps(claims, separators=(",", ":")).encode()
    )
    sig = hmac.new(secret.encode(), signed.encode(), hashlib.sha256).digest()
    return signed + "." + b64url(sig)


def gateway_ready(t0_ns, log, pid, timeout_s):
    """Polls the log for the "listening" line (which names the port) and then GET /readyz;
    returns `(port, listen_ms, ready_ms)`, both times counted from `t0_ns`."""
    t0 = int(t0_ns)
    deadline = time.time() + float(timeout_s)
    port = None
    listen_ms = None
    pat = re.compile(r"listening on http://127\.0\.0\.1:(\d+)")
    while time.time() < deadline:
        if not os.path.exists(f"/proc/{pid}"):
            die(f"the gateway (pid {pid}) exited during start-up; see {log}")
        if port is None:
            try:
                with open(log, encoding="utf-8", errors="replace") as f:
                    m = pat.search(f.read())
            except FileNotFoundError:
                m = None
            if m:
                listen_ms = (time.time_ns() - t0) / 1e6
                port = int(m.group(1))
        if port is not None:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/readyz")
                status = conn.getresponse().status
                conn.close()
                if status == 200:
                    return port, listen_ms, (time.time_ns() - t0) / 1e6
            except OSError:
                pass
        time.sleep(0.002)
    die(f"the gateway was not ready within {timeout_s} s; see {log}")


def wait_ready(t0_ns, log, pid, timeout_s):
    port, listen_ms, ready_ms = gateway_ready(t0_ns, log, pid, timeout_s)
    print(port, f"{listen_ms:.1f}", f"{ready_ms:.1f}")


def read_query(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def op_name(query):
    m = re.search(r"^\s*query\s+(\w+)", re.sub(r"#[^\n]*", "", query), re.M)
    return m.group(1) if m else None


def body(query_path, out, variables="{}"):
    query = read_query(query_path)
    doc = {"query": query, "operationName": op_name(query), "variables": json.loads(variables)}
    with open(out, "w", encoding="utf-8") as f:
        json.dump(doc, f, separators=(",", ":"))


def post_raw(url, data: bytes):
    token = os.environ.get("BENCH_TOKEN") or die("BENCH_TOKEN is not set")
    req = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={"Content-Type": "application/json", "Accept": "application/json", "Authorization": f"Bearer {token}"},
    )
    try:
        # Straight to 127.0.0.1, whatever http_proxy says.
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req, timeout=60) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    try:
        doc = json.loads(raw)
    except ValueError:
        die(f"HTTP {status}, not JSON: {raw[:300]!r}")
    if status != 200 or doc.get("errors"):
        die(f"HTTP {status} with errors: {json.dumps(doc.get('errors'))[:800]}")
    if not doc.get("data"):
        die(f"no data in the answer: {raw[:300]!r}")
    return doc, len(raw)


def post_file(url, body_path):
    with open(body_path, "rb") as f:
        return post_raw(url, f.read())


def count_rows(v):
    """Rows in a response: every object under a `nodes` or `edges` list, at any depth."""
    n = 0
    if isinstance(v, dict):
        for k, x in v.items():
            if k in ("nodes", "edges") and isinstance(x, list):
                n += len(x)
            n += count_rows(x)
    elif isinstance(v, list):
        n += sum(count_rows(x) for x in v)
    return n


def check(name, url, body_path, out_dir):
    doc, size = post_file(url, body_path)
    data = doc["data"]
    stmts = (doc.get("extensions") or {}).get("sqlStatements")
    if stmts is None:
        die(f"{name}: no extensions.sqlStatements (is REGISTRY_EXPOSE_SQL_STATS=true?)")
    # Root fields that answer a plain list (searchKnowledge) count their items too.
    rows = count_rows(data) + sum(len(x) for x in data.values() if isinstance(x, list))
    if rows == 0 and name != "by_id":
        die(f"{name}: the answer has no rows: {json.dumps(data)[:300]}")
    if name == "by_id" and not (data.get("agent") or {}).get("id"):
        die(f"by_id: no agent in the answer: {json.dumps(data)[:300]}")
    rec = {"name": name, "sql_statements": stmts, "rows": rows if name != "by_id" else 1, "response_bytes": size}
    with open(os.path.join(out_dir, f"{name}.check.json"), "w", encoding="utf-8") as f:
        json.dump(rec, f)
    print(f"  {name}: ok, {rec['rows']} rows, {size} bytes, {stmts} SQL statements")


def deep_cursor(url, query_path, fraction):
    """The cursor after which DeepPage starts: `fraction` of the way through the matching rows."""
    query = read_query(query_path)
    after = None
    cursors = []
    total = None
    for _ in range(10_000):
        doc, _ = post_raw(
            url, json.dumps({"query": query, "operationName": op_name(query), "variables": {"after": after}}).encode()
        )
        conn = doc["data"]["agents"]
        total = conn["totalCount"]
        cursors += [e["cursor"] for e in conn["edges"]]
        target = int(total * float(fraction))
        if len(cursors) > target or not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    if total is None or total < 40:
        die(f"the DeepPage filter matches only {total} rows; it needs at least 40")
    index = min(int(total * float(fraction)), len(cursors) - 1)
    print(json.dumps({"after": cursors[index], "position": index + 1, "total": total}))


def pick_id(url, wide_body):
    doc, _ = post_file(url, wide_body)
    nodes = doc["data"]["agents"]["nodes"]
    if not nodes:
        die("the wide list is empty; cannot pick an id")
    print(nodes[len(nodes) // 2]["id"])


def pick_embedding(url):
    """Variables `{"e": [...]}`: the embedding of one stored chunk (the middle of the first 21)."""
    body = json.dumps({"query": "{ knowledgeChunks(first: 21) { nodes { embedding } } }"}).encode()
    doc, _ = post_raw(url, body)
    nodes = doc["data"]["knowledgeChunks"]["nodes"]
    if not nodes:
        die("no knowledge chunks; cannot pick an embedding")
    print(json.dumps({"e": nodes[len(nodes) // 2]["embedding"]}))


def normalise(q):
    q = re.sub(r"#[^\n]*", "", q)
    return re.sub(r"\s+", " ", q).strip()


def read_bench(path):
    """The `BENCH key=value` lines of a wrk output (see post.lua) as a dict (numbers parsed)."""
    out = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("BENCH "):
                k, _, v = line[6:].rstrip("\n").partition("=")
                try:
                    out[k] = float(v) if "." in v else int(v)
                except ValueError:
                    out[k] = v
    return out


def wrk_parse(path, *extra):
    """The `BENCH key=value` lines of a wrk output (see post.lua), plus `extra` key=value pairs."""
    out = read_bench(path)
    if "requests" not in out:
        die(f"no results in {path}")
    for kv in extra:
        k, _, v = kv.partition("=")
        try:
            out[k] = int(v) if v.isdigit() else float(v)
        except ValueError:
            out[k] = v
    print(json.dumps(out))


TICK = os.sysconf("SC_CLK_TCK")

# A cell counts as disturbed when other processes kept more than this share of the CPUs busy.
DISTURBED = 0.1

# RESULTS.md: bench/run rewrites everything above this line and keeps what follows it.
KEEP_MARKER = "<!-- Written by bench/run above this line; text below it is kept when bench/run rewrites the file. -->"


def proc_cpu(pid, with_children=False):
    """CPU seconds of process `pid` (all threads), plus its reaped children's when asked."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0, None
    # fields[0] is field 3 (state); utime, stime, cutime, cstime are fields 14-17; ppid is field 4.
    t = int(fields[11]) + int(fields[12])
    if with_children:
        t += int(fields[13]) + int(fields[14])
    return t / TICK, int(fields[1])


def machine_busy_s():
    """CPU seconds the whole machine has been busy (all CPUs), from /proc/stat."""
    with open("/proc/stat", encoding="ascii") as f:
        cpu = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal ...: busy excludes idle and iowait.
    return (sum(cpu[:8]) - cpu[3] - cpu[4]) / TICK


def cluster_cpu_s(pm_pid):
    """CPU seconds of a PostgreSQL cluster so far: the postmaster, its reaped children (backends that
    have exited, through its cutime/cstime) and its live children."""
    pg, _ = proc_cpu(pm_pid, with_children=True)
    for entry in os.listdir("/proc"):
        if entry.isdigit() and entry != str(pm_pid):
            t, ppid = proc_cpu(entry)
            if ppid == int(pm_pid):
                pg += t
    return pg


def cpu_snap(gw_pid, pm_pid, times_file):
    busy = machine_busy_s()
    gw, _ = proc_cpu(gw_pid)
    pg = cluster_cpu_s(pm_pid)
    shell = 0.0
    with open(times_file, encoding="ascii") as f:
        lines = f.read().split("\n")
    for part in lines[1].split():  # children of the shell: "0m1.234s 0m0.567s"
        m = re.fullmatch(r"(\d+)m([\d.]+)s", part)
        if m:
            shell += int(m.group(1)) * 60 + float(m.group(2))
    print(json.dumps({"t": time.time(), "busy": busy, "gw": gw, "pg": pg, "shell": shell}))


def cpu_delta(before, after):
    a, b = json.loads(before), json.loads(after)
    d = {k: b[k] - a[k] for k in a}
    other = max(0.0, d["busy"] - d["gw"] - d["pg"] - d["shell"])
    print(
        f"cpu_elapsed_s={d['t']:.3f} cpu_gw_s={d['gw']:.2f} cpu_pg_s={d['pg']:.2f} "
        f"cpu_wrk_s={d['shell']:.2f} cpu_other_s={other:.2f}"
    )


def git_head(root):
    """The commit checked out in `root`, read from .git without running git (best effort)."""
    try:
        with open(os.path.join(root, ".git", "HEAD"), encoding="ascii") as f:
            head = f.read().strip()
        if not head.startswith("ref: "):
            return head[:12]
        ref = head[5:]
        try:
            with open(os.path.join(root, ".git", ref), encoding="ascii") as f:
                return f"{f.read().strip()[:12]} ({ref.rsplit('/', 1)[-1]})"
        except FileNotFoundError:
            with open(os.path.join(root, ".git", "packed-refs"), encoding="ascii") as f:
                for line in f:
                    if line.rstrip().endswith(" " + ref):
                        return f"{line[:12]} ({ref.rsplit('/', 1)[-1]})"
    except OSError:
        pass
    return "unknown"


def target_dir(root):
    """The directory cargo builds into for the workspace at `root`, as cargo itself resolves it
    (CARGO_TARGET_DIR, a config's build.target-dir, else `target/` inside the clone)."""
    out = subprocess.run(["cargo", "metadata", "--format-version", "1", "--no-deps"], cwd=root, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)["target_directory"]


def fmt_ms(us):
    ms = us / 1000
    return f"{ms:.2f}" if ms < 10 else f"{ms:.1f}" if ms < 100 else f"{ms:.0f}"


def mib(kb):
    return f"{kb / 1024:.1f} MiB"


def report(meta_path, out_dir, results_path):
    with open(meta_path, encoding="utf-8") as f:
        meta = json.load(f)
    runs = []
    with open(os.path.join(out_dir, "runs.jsonl"), encoding="utf-8") as f:
        runs = [json.loads(line) for line in f if line.strip()]
    checks = {}
    for w in meta["workloads"]:
        with open(os.path.join(out_dir, f"{w['name']}.check.json"), encoding="utf-8") as f:
            checks[w["name"]] = json.load(f)
    peak_sampled = max((r["rss_peak_kb"] for r in runs), default=0)
    m = meta
    lines = [
        "# Load benchmark results",
        "",
        "Written by `bench/run`; see `bench/README.md` for what is measured and how.",
        "",
        "## Run",
        "",
        f"- Date: {m['date']}",
        f"- Command: `{m['command']}`",
        f"- Machine: {m['cpu_model']}, {m['nproc']} CPUs (nproc), {m['mem_total']} memory, Linux {m['kernel']}",
        f"- Gateway: `{m['gateway_version']}`, release build of the working tree at commit "
        f"{git_head(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))} (uncommitted changes "
        f"included, if any), {m['workers']} actix workers; {m['rustc']}",
        f"- PostgreSQL: {m['postgres']} (private cluster under `{m['data_dir']}`, reached over loopback TCP)",
        f"- Load generator: {m['wrk']}, on the same machine (it competes with the gateway and PostgreSQL for the CPUs)",
        f"- Data: `seed --scale {m['scale']}`: {m['seed_summary']}",
        f"- Machine load average (1, 5, 15 min): {m['load_before']} before the load phase, {m['load_after']} after it",
        f"- Each cell: `wrk -t min(c,2) -c c -d {m['duration']}s --latency --timeout {m['wrk_timeout']}s`, "
        "closed loop (a connection sends its next request when the answer arrives), one workload at a time, "
        "as the platform tenant (role owner), `REGISTRY_EXPOSE_SQL_STATS=true`, "
        f"`REGISTRY_RATE_LIMIT_PER_IP={m['rate_limit']}` (the per-address limit lifted: all load comes from "
        f"127.0.0.1), DB pool {m['pool_size']} connections",
        "",
        "## Gateway process",
        "",
        "| Measure | Value |",
        "|---|---|",
        f"| Cold start: process start → log line \"listening\" | {m['listen_ms']:.0f} ms |",
        f"| Cold start: process start → `/readyz` 200 | {m['ready_ms']:.0f} ms |",
        f"| RSS idle (after `/readyz`, before any query) | {mib(m['rss_idle_kb'])} |",
        f"| RSS peak under load (VmRSS sampled every {m['rss_interval']} s while wrk ran) | {mib(peak_sampled)} |",
        f"| RSS high-water mark at the end (VmHWM) | {mib(m['rss_hwm_kb'])} |",
        f"| RSS idle after all load | {mib(m['rss_after_kb'])} |",
        "",
        "## Throughput and latency",
        "",
        "Latency percentiles are wrk's (closed loop, so they do not include queueing a fixed-rate client would "
        "see). *SQL/req* is `extensions.sqlStatements` of one request of the workload (it does not vary between "
        "requests). *Errors* counts non-200 answers, answers with GraphQL `errors`, socket errors and timeouts.",
        "",
        "*CPU* is the average number of cores busy during the cell, from /proc: the gateway, the private "
        "PostgreSQL (postmaster and backends), wrk, and every other process on the machine (the machine's busy "
        "time minus the first three). *gw CPU/req* is the gateway's CPU time per answered request.",
        "",
        "| Workload | c | req/s | p50 ms | p90 ms | p99 ms | SQL/req | errors | peak RSS "
        "| CPU gateway / postgres / wrk / other | gw CPU/req |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    nproc = int(m["nproc"])
    disturbed = [r for r in runs if r["cpu_other_s"] / r["cpu_elapsed_s"] > DISTURBED * nproc]
    for r in runs:
        rps = r["requests"] / (r["duration_us"] / 1e6)
        errors = r["graphql_errors"] + r["bad_status"] + r["socket_errors"] + r["timeouts"]
        e = r["cpu_elapsed_s"]
        cpu = " / ".join(f"{r[k] / e:.2f}" for k in ("cpu_gw_s", "cpu_pg_s", "cpu_wrk_s", "cpu_other_s"))
        if r in disturbed:
            cpu += " ⚠"
        per_req = r["cpu_gw_s"] / max(r["requests"], 1) * 1e6
        lines.append(
            f"| {r['workload']} | {r['c']} | {rps:,.0f} | {fmt_ms(r['p50_us'])} | {fmt_ms(r['p90_us'])} | "
            f"{fmt_ms(r['p99_us'])} | {checks[r['workload']]['sql_statements']} | {errors} | {mib(r['rss_peak_kb'])} "
            f"| {cpu} | {fmt_ms(per_req)} ms |"
        )
    lines += ["", "## Workloads", "", "| Workload | Query | Rows per answer | Answer size |", "|---|---|--:|--:|"]
    for w in meta["workloads"]:
        c = checks[w["name"]]
        lines.append(f"| {w['name']} | {w['what']} | {c['rows']} | {c['response_bytes']:,} B |")
    notes = list(m.get("notes", []))
    if disturbed:
        cells = ", ".join(
            f"{r['workload']} c={r['c']} ({r['cpu_other_s'] / r['cpu_elapsed_s']:.2f} cores)" for r in disturbed
        )
        notes.append(
            f"⚠ The machine was not quiet during {len(disturbed)} of {len(runs)} cells: other processes "
            f"(builds, test runs, ...) kept more than {DISTURBED * nproc:.2f} of its {nproc} CPUs busy while wrk "
            f"ran: {cells}. Throughput and latency of those cells are pessimistic; *gw CPU/req* and "
            "*SQL/req* are the figures least affected. Re-run on a quiet machine to compare them."
        )
    for r in runs:
        bad = r["graphql_errors"] + r["bad_status"] + r["socket_errors"] + r["timeouts"]
        if bad:
            notes.append(
                f"{r['workload']} c={r['c']}: {bad} bad answers ({r['graphql_errors']} with GraphQL errors, "
                f"{r['bad_status']} non-200, {r['socket_errors']} socket errors, {r['timeouts']} timeouts); "
                f"first: `{str(r.get('first_bad', ''))[:200]}`"
            )
    if nproc <= 4:
        notes.append(
            f"wrk, the gateway and PostgreSQL share {nproc} CPUs, so at the higher concurrencies the figures show "
            "CPU saturation of the whole box (queueing), not the gateway's limit."
        )
    m["notes"] = notes
    if m.get("notes"):
        lines += ["", "## Notes", ""] + [f"- {n}" for n in m["notes"]]
    lines += ["", KEEP_MARKER, ""]
    # Hand-written text below the marker of the previous RESULTS.md survives the new run.
    try:
        with open(results_path, encoding="utf-8") as f:
            previous = f.read()
    except FileNotFoundError:
        previous = ""
    if KEEP_MARKER in previous:
        kept = previous.split(KEEP_MARKER, 1)[1].strip("\n")
        if kept:
            lines += [kept, ""]
    tmp = results_path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    os.replace(tmp, results_path)


def main(argv):
    if len(argv) < 2:
        die(__doc__)
    cmd, args = argv[1], argv[2:]
    table = {
        "jwt": lambda secret, tenant, role: print(jwt(secret, tenant, role)),
        "wait-ready": wait_ready,
        "body": body,
        "check": check,
        "post": lambda url, path: print(json.dumps(post_file(url, path)[0])),
        "deep-cursor": deep_cursor,
        "pick-id": pick_id,
        "pick-embedding": pick_embedding,
        "wrk-parse": wrk_parse,
        "cpu-snap": cpu_snap,
        "cpu-delta": cpu_delta,
        "report": report,
        "target-dir": lambda root: print(target_dir(root)),
    }
    if cmd not in table:
        die(f"unknown command {cmd}\n{__doc__}")
    table[cmd](*args)


if __name__ == "__main__":
    main(sys.argv)
