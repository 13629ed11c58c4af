// The GraphiQL playground in a real browser: headless Chromium, driven by puppeteer-core, against
// running gateways. tests/api/playground.rs starts them and runs this file with `node --test`,
// passing:
//   GATEWAY_URL                   a gateway's base URL (introspection on)
//   GATEWAY_NO_INTROSPECTION_URL  a gateway started with --introspection false
//   GATEWAY_TOKEN                 a platform token (JWT) both accept
//   CHROMIUM                      the Chromium binary
//   SCREENSHOT                    where to save the screenshot of the rendered page

import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import puppeteer from "puppeteer-core";

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run this file through tests/api/playground.rs (cargo test --test api playground)`);
  }
  return value;
}

const GATEWAY_URL = requiredEnv("GATEWAY_URL");
const GATEWAY_NO_INTROSPECTION_URL = requiredEnv("GATEWAY_NO_INTROSPECTION_URL");
const GATEWAY_TOKEN = requiredEnv("GATEWAY_TOKEN");
const CHROMIUM = requiredEnv("CHROMIUM");
const SCREENSHOT = requiredEnv("SCREENSHOT");

const QUERY_EDITOR = ".graphiql-query-editor .CodeMirror";
// The editor tools' section shows one editor at a time; the page opens it on the headers.
const HEADERS_EDITOR = 'section.graphiql-editor-tool[aria-label="Headers"] .graphiql-editor:not(.hidden) .CodeMirror';
const RESULT_EDITOR = ".graphiql-response .CodeMirror";
const TYPED_QUERY = "{ industries(first: 3, orderBy: [NAME_ASC]) { totalCount nodes { name slug } } }";

// graphiql-explorer 0.9 (inside the Explorer plugin) logs this for list-valued arguments such as
// `orderBy: [NAME_ASC]`, and shows and edits them all the same.
const HARMLESS_CONSOLE_ERRORS = [/^arg mismatch between arg and selection /];

let browser;

before(async () => {
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    // Chromium's sandbox refuses to run as root (CI runs as root).
    args: process.getuid?.() === 0 ? ["--no-sandbox"] : [],
    headless: true,
  });
});

after(async () => {
  await browser?.close();
});

/** POSTs `query` to the gateway's /graphql directly (not through the page) and returns the JSON. */
async function direct(baseUrl, query, token) {
  const headers = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(new URL("/graphql", baseUrl), {
    method: "POST",
    headers,
    body: JSON.stringify({ query }),
  });
  assert.equal(response.status, 200, `direct ${query}`);
  return response.json();
}

/**
 * Opens the playground at `baseUrl` in a new page that records every request it makes, every
 * failed or refused one, uncaught errors, console errors and Content-Security-Policy violations.
 */
async function openPlayground(baseUrl) {
  const page = await browser.newPage();
  await page.setViewport({ width: 1600, height: 1000 });
  const log = { requests: [], failures: [], errors: [] };
  page.on("request", (request) => {
    log.requests.push({ url: request.url(), method: request.method(), headers: request.headers(), body: request.postData() });
  });
  page.on("requestfailed", (request) => log.failures.push(`${request.url()}: ${request.failure()?.errorText}`));
  page.on("response", (response) => {
    if (response.status() >= 400) log.failures.push(`${response.url()}: HTTP ${response.status()}`);
  });
  page.on("pageerror", (error) => log.errors.push(`uncaught: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error" && !HARMLESS_CONSOLE_ERRORS.some((known) => known.test(message.text()))) {
      log.errors.push(`console: ${message.text()}`);
    }
  });
  await page.evaluateOnNewDocument(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  const response = await page.goto(new URL("/", baseUrl).toString(), { waitUntil: "networkidle0" });
  assert.equal(response.status(), 200);
  await page.waitForSelector(".graphiql-container", { timeout: 20_000 });
  return { page, log };
}

/** The text of the CodeMirror editor matching `selector`. */
function editorText(page, selector) {
  return page.$eval(selector, (element) => element.CodeMirror.getValue());
}

/** Types `query` into the query editor with the keyboard, in place of what it holds. */
async function typeQuery(page, query) {
  await page.click(QUERY_EDITOR);
  await page.keyboard.down("Control");
  await page.keyboard.press("a");
  await page.keyboard.up("Control");
  await page.keyboard.press("Backspace");
  // CodeMirror closes brackets as they open and types over the closing ones, so typing the whole
  // query leaves exactly the query.
  await page.keyboard.type(query);
  assert.equal(await editorText(page, QUERY_EDITOR), query, "the query editor holds what was typed");
}

/**
 * Types `query` and runs it. GraphiQL creates its query editor a moment before it attaches the
 * listener that keeps the operation's name in step with the text; text typed in between runs under
 * the old name ("Unknown operation named …"). The page has just been (re)built when the tests type,
 * so that answer is retried a few times; any other answer is returned.
 */
async function typeAndRun(page, query) {
  await page.waitForNetworkIdle({ idleTime: 500, timeout: 20_000 });
  for (let attempt = 1; ; attempt += 1) {
    await typeQuery(page, query);
    const answer = await run(page);
    const stale = answer.errors?.length === 1 && /^Unknown operation named /.test(answer.errors[0].message);
    if (!stale || attempt === 3) return answer;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Clicks the run button and returns the result pane's JSON once it shows a new answer. */
async function run(page) {
  await page.$eval(RESULT_EDITOR, (element) => element.CodeMirror.setValue(""));
  await page.click(".graphiql-execute-button");
  await page.waitForFunction((selector) => document.querySelector(selector).CodeMirror.getValue().length > 0, { timeout: 20_000 }, RESULT_EDITOR);
  const text = await editorText(page, RESULT_EDITOR);
  try {
    return JSON.parse(text);
  } catch {
    assert.fail(`the result pane does not hold JSON: ${text}`);
  }
}

/** Every request went to `baseUrl`'s origin (data: URLs are GraphiQL's inlined fonts, no request). */
function assertOnlyOwnOrigin(log, baseUrl) {
  const origin = new URL(baseUrl).origin;
  const network = log.requests.filter(({ url }) => !url.startsWith("data:"));
  const elsewhere = network.filter(({ url }) => new URL(url).origin !== origin);
  assert.deepEqual(elsewhere.map(({ url }) => url), [], `requests to another origin than ${origin}`);
  const paths = network.map(({ url }) => new URL(url).pathname);
  // Not vacuous: the page, its scripts and styles, and GraphQL requests were all seen.
  assert.ok(paths.includes("/"), paths.join("\n"));
  for (const file of ["react.production.min.js", "react-dom.production.min.js", "graphiql.min.js", "graphiql-plugin-explorer.umd.js", "playground.js", "graphiql.min.css"]) {
    assert.ok(paths.some((p) => p.startsWith("/playground/") && p.endsWith(`/${file}`)), `${file} was not loaded: ${paths.join("\n")}`);
  }
  assert.ok(paths.includes("/graphql"), paths.join("\n"));
  assert.deepEqual(log.failures, [], "failed requests");
  assert.deepEqual(log.errors, [], "errors in the page");
}

/** The POSTs to /graphql the page made, with their parsed bodies. */
function graphqlRequests(log) {
  return log.requests
    .filter(({ url, method }) => new URL(url).pathname === "/graphql" && method === "POST")
    .map((request) => ({ ...request, body: JSON.parse(request.body) }));
}

test("the playground renders GraphiQL with the Explorer, runs queries, and requests only its own origin", async () => {
  const { page, log } = await openPlayground(GATEWAY_URL);

  // The default tab: the commented agent walk and the header template.
  const defaultQuery = await editorText(page, QUERY_EDITOR);
  assert.match(defaultQuery, /query AgentsWithPromptsAndKnowledge/);
  assert.match(defaultQuery, /prompts\(first: 3\)/);
  const headers = await editorText(page, HEADERS_EDITOR);
  assert.deepEqual(Object.keys(JSON.parse(headers)), ["#Authorization", "#X-API-Key"]);

  // The Explorer lists the schema's root fields.
  await page.waitForSelector(".graphiql-explorer-root .graphiql-explorer-agents", { timeout: 20_000 });
  // A node per root field, named in its class. The Explorer renders the query's selected fields
  // (`agents` here) inside wrappers, and the rest as the operation's children.
  const schema = await direct(GATEWAY_URL, "{ __schema { queryType { fields { name } } } }");
  const rootFields = schema.data.__schema.queryType.fields.map((f) => f.name);
  assert.ok(rootFields.includes("agents") && rootFields.length > 100, JSON.stringify(rootFields));
  const explorer = await page.$$eval(".graphiql-explorer-root [id^='query-']", (operations) => {
    const named = (node) => [...node.classList].find((c) => c.startsWith("graphiql-explorer-") && c !== "graphiql-explorer-node");
    const [operation] = operations;
    return {
      operations: operations.length,
      classes: [...operation.querySelectorAll(".graphiql-explorer-node")].map(named).filter(Boolean),
      children: [...operation.children].map(named).filter(Boolean),
      // The Explorer's class of a field named `node` is its generic class: find it by its text.
      unnamed: [...operation.querySelectorAll(".graphiql-explorer-node")].filter((n) => !named(n)).map((n) => n.textContent.trim()),
    };
  });
  assert.equal(explorer.operations, 1);
  assert.ok(explorer.unnamed.some((text) => /^\W*node\b/.test(text)), `no \`node\` field: ${JSON.stringify(explorer.unnamed)}`);
  const missing = rootFields.filter((name) => name !== "node" && !explorer.classes.includes(`graphiql-explorer-${name}`));
  assert.deepEqual(missing, [], "root fields missing from the Explorer");
  const children = explorer.children.map((c) => c.slice("graphiql-explorer-".length));
  assert.deepEqual(children.filter((name) => !rootFields.includes(name)), [], "the Explorer's top level holds other fields");
  assert.ok(children.length >= rootFields.length - 1, `${children.length} of ${rootFields.length} root fields at the top level`);
  assert.equal(await page.$(".playground-notice"), null, "no introspection notice while introspection is served");

  // The default query runs as it is (anonymously: the template's headers are switched off).
  const walk = await run(page);
  assert.equal(walk.errors, undefined, JSON.stringify(walk.errors));
  assert.ok(walk.data.agents.totalCount > 0);
  assert.ok(walk.data.agents.edges.length > 0 && walk.data.agents.edges.length <= 5);
  const sentAnonymously = graphqlRequests(log).at(-1);
  assert.equal(sentAnonymously.body.operationName, "AgentsWithPromptsAndKnowledge");
  assert.equal(sentAnonymously.headers.authorization, undefined);
  assert.deepEqual(Object.keys(sentAnonymously.headers).filter((name) => name.startsWith("#")), [], "switched-off headers were sent");

  // The screenshot: the Explorer, the default query and its answer.
  await page.$$eval(".graphiql-plugin, .graphiql-plugin *", (elements) => {
    for (const element of elements) element.scrollTop = 0;
  });
  await page.screenshot({ path: SCREENSHOT });

  // A query typed into the editor returns the gateway's answer in the result pane.
  const typed = await typeAndRun(page, TYPED_QUERY);
  assert.deepEqual(typed, await direct(GATEWAY_URL, TYPED_QUERY));
  assert.equal(typed.data.industries.nodes.length, 3);

  // Switching a header on (removing its "#") sends it: the platform token sees more agents.
  const countAgents = "{ agents { totalCount } }";
  const anonymous = await direct(GATEWAY_URL, countAgents);
  const platform = await direct(GATEWAY_URL, countAgents, GATEWAY_TOKEN);
  assert.notDeepEqual(platform, anonymous, "the platform token should see tenant agents the public registry lacks");
  await page.$eval(
    HEADERS_EDITOR,
    (element, token) => element.CodeMirror.setValue(JSON.stringify({ Authorization: `Bearer ${token}`, "#X-API-Key": "<rgk_… key>" }, null, 2)),
    GATEWAY_TOKEN,
  );
  assert.deepEqual(await typeAndRun(page, countAgents), platform);
  const sentWithToken = graphqlRequests(log).at(-1);
  assert.equal(sentWithToken.headers.authorization, `Bearer ${GATEWAY_TOKEN}`);
  assert.deepEqual(Object.keys(sentWithToken.headers).filter((name) => name.startsWith("#")), []);

  assertOnlyOwnOrigin(log, GATEWAY_URL);
  await page.close();
});

test("with introspection disabled the page says so, and typed queries still run", async () => {
  const { page, log } = await openPlayground(GATEWAY_NO_INTROSPECTION_URL);

  // The gateway refused GraphiQL's introspection query...
  const introspection = graphqlRequests(log).find(({ body }) => body.operationName === "IntrospectionQuery");
  assert.ok(introspection, "GraphiQL did not ask for the schema");
  const refused = await direct(GATEWAY_NO_INTROSPECTION_URL, introspection.body.query);
  assert.equal(refused.errors[0].extensions.code, "GRAPHQL_VALIDATION_FAILED", JSON.stringify(refused));

  // ...and the page says so, above GraphiQL and in the Explorer's place, with no broken Explorer.
  const notice = await page.waitForSelector(".playground-notice[role=alert]", { timeout: 20_000 });
  assert.match(await notice.evaluate((e) => e.textContent), /Introspection is disabled/);
  const panel = await page.$eval(".graphiql-plugin", (e) => e.textContent);
  assert.match(panel, /Introspection is disabled/);
  assert.equal(await page.$(".graphiql-explorer-root"), null, "an Explorer without a schema");
  assert.equal(await editorText(page, RESULT_EDITOR), "", "the refused introspection's error in the result pane");
  await page.click('button[aria-label="Show Documentation Explorer"]');
  const docs = await page.waitForSelector(".graphiql-doc-explorer-error");
  const reason = await docs.evaluate((e) => `${e.textContent} ${getComputedStyle(e, "::after").content}`);
  assert.match(reason, /No GraphQL schema available.*Introspection is disabled for this caller/);

  // A query typed in still runs.
  const typed = await typeAndRun(page, TYPED_QUERY);
  assert.deepEqual(typed, await direct(GATEWAY_NO_INTROSPECTION_URL, TYPED_QUERY));
  assert.equal(typed.data.industries.nodes.length, 3);

  assertOnlyOwnOrigin(log, GATEWAY_NO_INTROSPECTION_URL);
  await page.close();
});
