// Closed-loop driver of bench/mutations: CONCURRENCY workers send mutations for DURATION seconds
// and report requests/s and latency percentiles as one JSON line. A "request" is one mutation as a
// client sees it: for PostGraphile v5's nested create that is its create plus one request with a
// create per link (it has no nested writes), timed together.
//
//   node drive.mjs TARGET WORKLOAD URL TOKEN CONCURRENCY DURATION PARAMS_JSON
//   TARGET: gateway | pg5; WORKLOAD: create_nested | update_one
//   PARAMS_JSON: {"prompts": [5 ids], "sources": [3 ids], "agents": [an id per worker]}

const [target, workload, url, token, concurrencyArg, durationArg, paramsArg] = process.argv.slice(2);
const concurrency = Number(concurrencyArg);
const durationMs = Number(durationArg) * 1000;
const params = JSON.parse(paramsArg);
const headers = { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) };
const run = `${process.pid}-${Date.now().toString(36)}`;

async function post(query, variables) {
  const r = await fetch(url, { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  const doc = await r.json();
  if (doc.errors) throw new Error(JSON.stringify(doc.errors).slice(0, 300));
  return doc.data;
}

const agent = (slug) => ({
  uniqueId: slug, slug, name: `Bench ${slug}`, agentType: "SPECIALIST", domainExpertise: "REGULATORY", tier: 2, status: "DEVELOPMENT",
});

const GATEWAY_CREATE = `mutation($input: AgentInput!) { createAgent(input: $input) { id version } }`;
const GATEWAY_UPDATE = `mutation($id: UUID!, $t: String!) { updateAgent(id: $id, patch: { tagline: $t }) { id version } }`;
const PG5_CREATE = `mutation($agent: AgentInput!) { createAgent(input: { agent: $agent }) { agent { rowId } } }`;
const PG5_UPDATE = `mutation($id: UUID!, $t: String!) { updateAgent(input: { rowId: $id, patch: { tagline: $t } }) { agent { rowId } } }`;

function pg5Links(agentId) {
  const parts = [];
  params.prompts.forEach((p, i) =>
    parts.push(`p${i}: createAgentPrompt(input: { agentPrompt: { agentId: "${agentId}", promptId: "${p}", isPrimary: ${i === 0}, priority: ${i} } }) { clientMutationId }`));
  params.sources.forEach((k, i) =>
    parts.push(`k${i}: createAgentKnowledge(input: { agentKnowledge: { agentId: "${agentId}", knowledgeSourceId: "${k}" } }) { clientMutationId }`));
  return `mutation { ${parts.join(" ")} }`;
}

async function once(worker, i) {
  const slug = `bench-${run}-${worker}-${i}`;
  if (workload === "create_nested" && target === "gateway") {
    const input = agent(slug);
    input.prompts = { attach: params.prompts.map((id, k) => ({ id, isPrimary: k === 0, priority: k })) };
    input.knowledgeSources = { attach: params.sources.map((id) => ({ id })) };
    await post(GATEWAY_CREATE, { input });
  } else if (workload === "create_nested") {
    const data = await post(PG5_CREATE, { agent: agent(slug) });
    await post(pg5Links(data.createAgent.agent.rowId), {});
  } else if (target === "gateway") {
    await post(GATEWAY_UPDATE, { id: params.agents[worker], t: slug });
  } else {
    await post(PG5_UPDATE, { id: params.agents[worker], t: slug });
  }
}

if (process.env.ONCE) {
  await once(0, Number(process.env.ONCE));
  process.exit(0);
}

const latencies = [];
let errors = 0;
let firstError = null;
const start = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async (_, worker) => {
    for (let i = 0; performance.now() - start < durationMs; i++) {
      const t = performance.now();
      try {
        await once(worker, i);
        latencies.push(performance.now() - t);
      } catch (e) {
        errors++;
        firstError ??= String(e);
      }
    }
  }),
);
const elapsed = (performance.now() - start) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] : 0);
console.log(JSON.stringify({ target, workload, concurrency, requests: latencies.length, errors, firstError,
  rps: latencies.length / elapsed, p50_ms: pct(50), p99_ms: pct(99) }));
