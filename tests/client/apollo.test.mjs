// Real-client tests: Apollo Client (HttpLink, BatchHttpLink, the persisted-query link) against a
// running gateway. tests/api/apollo_client.rs starts the gateway and runs this file with
// `node --test`, passing GATEWAY_URL (the /graphql endpoint) and GATEWAY_TOKEN (a platform token).

import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { test } from "node:test";

import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { BatchHttpLink } from "@apollo/client/link/batch-http";
import { createPersistedQueryLink } from "@apollo/client/link/persisted-queries";

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run this file through tests/api/apollo_client.rs (cargo test --test api apollo_client)`);
  }
  return value;
}

const GATEWAY_URL = requiredEnv("GATEWAY_URL");
const GATEWAY_TOKEN = requiredEnv("GATEWAY_TOKEN");
const headers = { authorization: `Bearer ${GATEWAY_TOKEN}` };

const sha256 = (text) => createHash("sha256").update(text).digest("hex");

// A fetch that records each HTTP call (its parsed request body and, once read, its response body).
function recordingFetch() {
  const calls = [];
  const fetchImpl = async (uri, init) => {
    const call = { uri: String(uri), method: init?.method ?? "GET", body: JSON.parse(init.body), response: undefined };
    calls.push(call);
    const response = await fetch(uri, init);
    call.response = await response.clone().json();
    return response;
  };
  return { calls, fetch: fetchImpl };
}

function httpClient(fetchImpl = fetch) {
  return new ApolloClient({
    link: new HttpLink({ uri: GATEWAY_URL, headers, fetch: fetchImpl }),
    cache: new InMemoryCache(),
  });
}

const AGENT_CARD = gql`
  fragment AgentCard on Agent {
    id
    name
    slug
    status
    tier
  }
`;

const PROMPT_SUMMARY = gql`
  fragment PromptSummary on Prompt {
    id
    name
    roleType
  }
`;

const AGENTS_WITH_PROMPTS = gql`
  query AgentsWithPrompts($first: Int, $filter: AgentFilter) {
    agents(first: $first, filter: $filter, orderBy: [NAME_ASC]) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        cursor
        node {
          ...AgentCard
          prompts(first: 5) {
            totalCount
            edges {
              isPrimary
              node {
                ...PromptSummary
              }
            }
          }
        }
      }
    }
  }
  ${AGENT_CARD}
  ${PROMPT_SUMMARY}
`;

const AGENT_IDS_PAGE = gql`
  query AgentIdsPage($filter: AgentFilter, $after: String) {
    agents(first: 50, after: $after, filter: $filter, orderBy: [ID_ASC]) {
      nodes {
        id
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

test("a query with fragments and variables through HttpLink + InMemoryCache", async () => {
  const client = httpClient();
  const filter = { prompts: { some: {} } };
  const { data, error } = await client.query({ query: AGENTS_WITH_PROMPTS, variables: { first: 3, filter } });
  assert.equal(error, undefined);
  const agents = data.agents;
  assert.equal(agents.__typename, "AgentConnection");
  assert.ok(agents.totalCount > 0, `no agent has prompts: ${JSON.stringify(agents)}`);
  assert.equal(agents.edges.length, Math.min(3, agents.totalCount));
  assert.equal(agents.pageInfo.hasNextPage, agents.totalCount > 3);
  assert.equal(agents.pageInfo.endCursor, agents.edges.at(-1).cursor);

  for (const { cursor, node } of agents.edges) {
    assert.equal(typeof cursor, "string");
    assert.ok(cursor.length > 0);
    // AgentCard's fields.
    assert.equal(node.__typename, "Agent");
    assert.match(node.id, UUID);
    assert.equal(typeof node.name, "string");
    assert.ok(node.name.length > 0);
    assert.equal(typeof node.slug, "string");
    assert.ok(node.slug.length > 0);
    assert.equal(typeof node.status, "string");
    assert.ok(Number.isInteger(node.tier));
    // The filter asked for agents with prompts: each has some, and PromptSummary's fields.
    const prompts = node.prompts;
    assert.ok(prompts.totalCount > 0, `${node.name} has no prompts`);
    assert.equal(prompts.edges.length, Math.min(5, prompts.totalCount));
    for (const edge of prompts.edges) {
      assert.equal(typeof edge.isPrimary, "boolean");
      assert.equal(edge.node.__typename, "Prompt");
      assert.match(edge.node.id, UUID);
      assert.equal(typeof edge.node.name, "string");
      assert.ok(edge.node.name.length > 0);
      assert.equal(typeof edge.node.roleType, "string");
      assert.ok(edge.node.roleType.length > 0);
    }
  }
  assert.equal(new Set(agents.edges.map((e) => e.node.id)).size, agents.edges.length, "an agent twice");

  // The cache normalised the agents: each can be read back by its id, with its fragment's fields.
  for (const { node } of agents.edges) {
    const cached = client.cache.readFragment({
      id: client.cache.identify(node),
      fragment: AGENT_CARD,
    });
    assert.deepEqual(
      { id: cached.id, name: cached.name, slug: cached.slug, status: cached.status, tier: cached.tier },
      { id: node.id, name: node.name, slug: node.slug, status: node.status, tier: node.tier },
    );
  }

  // totalCount equals the number of rows another query pages through with the same filter.
  const ids = new Set();
  let after = null;
  for (let page = 0; page < 100; page += 1) {
    const { data: pageData } = await client.query({
      query: AGENT_IDS_PAGE,
      variables: { filter, after },
      fetchPolicy: "network-only",
    });
    for (const { id } of pageData.agents.nodes) ids.add(id);
    if (!pageData.agents.pageInfo.hasNextPage) break;
    after = pageData.agents.pageInfo.endCursor;
  }
  assert.equal(agents.totalCount, ids.size);
  for (const { node } of agents.edges) assert.ok(ids.has(node.id), `${node.id} is missing from the paged ids`);
});

const INDUSTRIES = gql`
  query BatchIndustries {
    industries(first: 10, orderBy: [NAME_ASC]) {
      totalCount
      nodes {
        id
        name
      }
    }
  }
`;

const ONE_AGENT = gql`
  query BatchAgent($id: UUID!) {
    agent(id: $id) {
      id
      name
      slug
    }
  }
`;

test("two queries batched by BatchHttpLink go in one HTTP request", async () => {
  // The expected answers, each asked alone.
  const plain = httpClient();
  const { data: expectedIndustries } = await plain.query({ query: INDUSTRIES });
  assert.ok(expectedIndustries.industries.totalCount > 0);
  const { data: firstAgent } = await plain.query({
    query: gql`
      query FirstAgent {
        agents(first: 1, orderBy: [NAME_ASC]) {
          nodes {
            id
            name
            slug
          }
        }
      }
    `,
  });
  const agent = firstAgent.agents.nodes[0];
  assert.ok(agent, "no agents at all");

  const recorder = recordingFetch();
  const client = new ApolloClient({
    link: new BatchHttpLink({ uri: GATEWAY_URL, headers, fetch: recorder.fetch, batchMax: 5, batchInterval: 20 }),
    cache: new InMemoryCache(),
  });
  const [industries, one] = await Promise.all([
    client.query({ query: INDUSTRIES }),
    client.query({ query: ONE_AGENT, variables: { id: agent.id } }),
  ]);

  assert.equal(recorder.calls.length, 1, `expected one HTTP request, got ${JSON.stringify(recorder.calls, null, 2)}`);
  const [call] = recorder.calls;
  assert.equal(call.method, "POST");
  assert.ok(Array.isArray(call.body), `the body is not a JSON array: ${JSON.stringify(call.body)}`);
  assert.equal(call.body.length, 2);
  assert.deepEqual(call.body.map((op) => op.operationName).sort(), ["BatchAgent", "BatchIndustries"]);
  const sentAgent = call.body.find((op) => op.operationName === "BatchAgent");
  assert.deepEqual(sentAgent.variables, { id: agent.id });
  assert.match(sentAgent.query, /agent\(id: \$id\)/);
  assert.ok(Array.isArray(call.response) && call.response.length === 2, JSON.stringify(call.response));

  assert.equal(industries.error, undefined);
  assert.equal(one.error, undefined);
  assert.deepEqual(industries.data, expectedIndustries);
  assert.equal(industries.data.industries.nodes.length, Math.min(10, industries.data.industries.totalCount));
  assert.deepEqual(one.data.agent, agent);
  assert.equal(one.data.agent.__typename, "Agent");
});

test("automatic persisted queries: hash, PersistedQueryNotFound, query text, then hash only", async () => {
  const recorder = recordingFetch();
  const client = new ApolloClient({
    link: createPersistedQueryLink({ sha256 }).concat(new HttpLink({ uri: GATEWAY_URL, headers, fetch: recorder.fetch })),
    cache: new InMemoryCache(),
  });
  // A run-unique alias, so the gateway cannot have this query's hash registered already.
  const alias = `apq_${randomBytes(6).toString("hex")}`;
  const query = gql`
    query PersistedIndustries {
      ${alias}: industries(first: 3, orderBy: [NAME_ASC]) {
        totalCount
        nodes {
          id
          name
        }
      }
    }
  `;
  const first = await client.query({ query });
  assert.equal(first.error, undefined);
  const rows = first.data[alias];
  assert.ok(rows.totalCount > 0);
  assert.equal(rows.nodes.length, Math.min(3, rows.totalCount));

  const second = await client.query({ query, fetchPolicy: "network-only" });
  assert.equal(second.error, undefined);
  assert.deepEqual(second.data, first.data);

  const calls = recorder.calls;
  assert.equal(calls.length, 3, `expected 3 HTTP requests, got ${JSON.stringify(calls, null, 2)}`);
  const [hashOnly, withText, hashAgain] = calls;
  // The hash Apollo sends is the sha256 of the query text it sends (its own printing, with __typename).
  assert.equal(typeof withText.body.query, "string");
  assert.match(withText.body.query, new RegExp(`${alias}: industries`));
  const hash = sha256(withText.body.query);
  for (const call of calls) {
    assert.equal(call.method, "POST");
    assert.deepEqual(call.body.extensions.persistedQuery, { version: 1, sha256Hash: hash });
  }
  // 1: the hash alone, which the gateway does not know yet.
  assert.equal(hashOnly.body.query, undefined);
  assert.equal(hashOnly.response.data ?? null, null);
  assert.equal(hashOnly.response.errors[0].message, "PersistedQueryNotFound");
  assert.equal(hashOnly.response.errors[0].extensions.code, "PERSISTED_QUERY_NOT_FOUND");
  // 2: the same hash with the query text; the gateway answers and keeps it.
  assert.equal(withText.response.errors, undefined);
  const idsAndNames = (nodes) => nodes.map(({ id, name }) => ({ id, name }));
  assert.deepEqual(idsAndNames(withText.response.data[alias].nodes), idsAndNames(rows.nodes));
  // 3: the second execution sends the hash alone again, and the gateway answers from it.
  assert.equal(hashAgain.body.query, undefined);
  assert.equal(hashAgain.response.errors, undefined);
  assert.deepEqual(hashAgain.response.data, withText.response.data);
});

// Relay global ids: one type policy per type normalises by `nodeId`, and `node`/`nodes` land on the
// same cache entries as the lists that first brought the objects.
const NODE_POLICIES = {
  possibleTypes: { Node: ["Agent", "Prompt"] },
  typePolicies: { Agent: { keyFields: ["nodeId"] }, Prompt: { keyFields: ["nodeId"] } },
};

const AGENTS_BY_NODE_ID = gql`
  query AgentsByNodeId {
    agents(first: 3, orderBy: [NAME_ASC], filter: { prompts: { some: {} } }) {
      nodes {
        nodeId
        id
        name
        prompts(first: 2) {
          nodes {
            nodeId
            id
            name
          }
        }
      }
    }
  }
`;

const NODES = gql`
  query Nodes($ids: [ID!]!) {
    nodes(nodeIds: $ids) {
      nodeId
      ... on Agent {
        name
        status
      }
      ... on Prompt {
        name
        roleType
      }
    }
  }
`;

const ONE_NODE = gql`
  query OneNode($id: ID!) {
    node(nodeId: $id) {
      nodeId
      ... on Agent {
        name
        slug
      }
    }
  }
`;

test("Relay global ids: InMemoryCache normalises by nodeId through typePolicies", async () => {
  const client = new ApolloClient({
    link: new HttpLink({ uri: GATEWAY_URL, headers }),
    cache: new InMemoryCache(NODE_POLICIES),
  });
  const { data } = await client.query({ query: AGENTS_BY_NODE_ID });
  const agents = data.agents.nodes;
  assert.ok(agents.length > 0);
  const prompts = agents.flatMap((a) => a.prompts.nodes);
  assert.ok(prompts.length > 0);
  for (const o of [...agents, ...prompts]) {
    assert.equal(typeof o.nodeId, "string");
    assert.ok(!o.nodeId.includes(o.id), "a node id shows its uuid");
  }
  assert.equal(new Set([...agents, ...prompts].map((o) => o.nodeId)).size, agents.length + new Set(prompts.map((p) => p.id)).size);

  // The cache keys the objects by nodeId, not by id.
  const snapshot = client.cache.extract();
  for (const a of agents) {
    const key = client.cache.identify({ __typename: "Agent", nodeId: a.nodeId });
    assert.equal(key, `Agent:${JSON.stringify({ nodeId: a.nodeId })}`);
    assert.equal(snapshot[key].name, a.name);
  }

  // nodes(): both types in one request, in the order asked, including an id twice.
  const ids = [prompts[0].nodeId, agents[0].nodeId, prompts[0].nodeId, ...agents.slice(1).map((a) => a.nodeId)];
  const { data: batch } = await client.query({ query: NODES, variables: { ids } });
  assert.deepEqual(batch.nodes.map((n) => n.nodeId), ids);
  assert.equal(batch.nodes[0].__typename, "Prompt");
  assert.equal(batch.nodes[0].name, prompts[0].name);
  assert.equal(batch.nodes[1].__typename, "Agent");
  assert.equal(batch.nodes[1].name, agents[0].name);

  // node() merges into the entry the list created: the list's fields and node()'s together.
  const { data: one } = await client.query({ query: ONE_NODE, variables: { id: agents[0].nodeId } });
  assert.equal(one.node.name, agents[0].name);
  const key = client.cache.identify({ __typename: "Agent", nodeId: agents[0].nodeId });
  const entry = client.cache.extract()[key];
  assert.equal(entry.id, agents[0].id);
  assert.equal(entry.status, batch.nodes[1].status);
  assert.equal(entry.slug, one.node.slug);

  // A change written through node()'s entry shows in the list query read from the cache.
  client.cache.modify({ id: key, fields: { name: () => "Renamed in the cache" } });
  const again = client.readQuery({ query: AGENTS_BY_NODE_ID });
  assert.equal(again.agents.nodes[0].name, "Renamed in the cache");

  // An id of nothing reads null; a string that is not a node id is BAD_USER_INPUT.
  const { data: none } = await client.query({
    query: ONE_NODE,
    variables: { id: Buffer.from("agents:00000000-0000-0000-0000-000000000000").toString("base64url") },
  });
  assert.equal(none.node, null);
  const bad = await client.query({ query: ONE_NODE, variables: { id: "not-a-node-id" }, errorPolicy: "all" });
  // Apollo Client 4 reports GraphQL errors as one CombinedGraphQLErrors.
  assert.equal(bad.error?.errors?.[0]?.extensions?.code, "BAD_USER_INPUT", String(bad.error));
  assert.match(bad.error.errors[0].message, /nodeId/);
});

// Mutations from Apollo Client: the created row goes into a cached list through `update()`, the
// list is refetched, an update lands in the normalised entry by itself, and a delete evicts it.
const CURATED_AGENTS = gql`
  query CuratedAgents($prefix: String!) {
    agents(first: 20, orderBy: [SLUG_ASC], filter: { slug: { startsWith: $prefix } }) {
      totalCount
      nodes {
        nodeId
        id
        slug
        name
        version
      }
    }
  }
`;

const CREATE_CURATED = gql`
  mutation CreateCurated($input: AgentInput!) {
    createAgent(input: $input) {
      nodeId
      id
      slug
      name
      version
    }
  }
`;

const RENAME_CURATED = gql`
  mutation RenameCurated($id: UUID!, $name: String!, $version: Int) {
    updateAgent(id: $id, patch: { name: $name }, expectedVersion: $version) {
      nodeId
      name
      version
    }
  }
`;

const DELETE_CURATED = gql`
  mutation DeleteCurated($id: UUID!) {
    deleteAgent(id: $id) {
      nodeId
      id
    }
  }
`;

test("mutations: update() of the normalised cache, refetchQueries, and CONFLICT on a stale version", async () => {
  const client = new ApolloClient({
    link: new HttpLink({ uri: GATEWAY_URL, headers }),
    cache: new InMemoryCache({ typePolicies: { Agent: { keyFields: ["nodeId"] } } }),
  });
  const prefix = `apollo-${randomBytes(4).toString("hex")}-`;
  const { data: before } = await client.query({ query: CURATED_AGENTS, variables: { prefix } });
  assert.equal(before.agents.totalCount, 0);

  const input = {
    uniqueId: `${prefix}1`,
    slug: `${prefix}1`,
    name: "Curated by Apollo",
    agentType: "SPECIALIST",
    domainExpertise: "REGULATORY",
    tier: 2,
    status: "DEVELOPMENT",
  };
  let seenByUpdate = null;
  const created = await client.mutate({
    mutation: CREATE_CURATED,
    variables: { input },
    update(cache, { data }) {
      // Append the new agent to the cached list, as a curation screen does.
      cache.updateQuery({ query: CURATED_AGENTS, variables: { prefix } }, (list) => ({
        agents: { ...list.agents, totalCount: list.agents.totalCount + 1, nodes: [...list.agents.nodes, data.createAgent] },
      }));
      seenByUpdate = cache.readQuery({ query: CURATED_AGENTS, variables: { prefix } });
    },
    refetchQueries: [{ query: CURATED_AGENTS, variables: { prefix } }],
    awaitRefetchQueries: true,
  });
  const agent = created.data.createAgent;
  assert.equal(agent.name, "Curated by Apollo");
  assert.equal(agent.version, 1);
  assert.deepEqual(seenByUpdate.agents.nodes.map((a) => a.slug), [`${prefix}1`]);
  // The refetched list (from the server) has it too.
  const afterCreate = client.readQuery({ query: CURATED_AGENTS, variables: { prefix } });
  assert.equal(afterCreate.agents.totalCount, 1);
  assert.equal(afterCreate.agents.nodes[0].nodeId, agent.nodeId);

  // An update comes back with the same nodeId: the list's entry changes without a refetch.
  const renamed = await client.mutate({ mutation: RENAME_CURATED, variables: { id: agent.id, name: "Renamed by Apollo", version: 1 } });
  assert.equal(renamed.data.updateAgent.version, 2);
  const afterRename = client.readQuery({ query: CURATED_AGENTS, variables: { prefix } });
  assert.equal(afterRename.agents.nodes[0].name, "Renamed by Apollo");
  assert.equal(afterRename.agents.nodes[0].version, 2);

  // A stale version is CONFLICT, and nothing changes.
  const stale = await client.mutate({
    mutation: RENAME_CURATED,
    variables: { id: agent.id, name: "Lost update", version: 1 },
    errorPolicy: "all",
  });
  assert.equal(stale.error?.errors?.[0]?.extensions?.code, "CONFLICT", String(stale.error));
  const { data: fresh } = await client.query({ query: CURATED_AGENTS, variables: { prefix }, fetchPolicy: "network-only" });
  assert.equal(fresh.agents.nodes[0].name, "Renamed by Apollo");

  // A delete evicts the entry; the list reads without it.
  await client.mutate({
    mutation: DELETE_CURATED,
    variables: { id: agent.id },
    update(cache, { data }) {
      cache.evict({ id: cache.identify(data.deleteAgent) });
      cache.gc();
    },
    refetchQueries: [{ query: CURATED_AGENTS, variables: { prefix } }],
    awaitRefetchQueries: true,
  });
  const afterDelete = client.readQuery({ query: CURATED_AGENTS, variables: { prefix } });
  assert.equal(afterDelete.agents.totalCount, 0);
  assert.deepEqual(afterDelete.agents.nodes, []);
});
