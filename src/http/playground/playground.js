// The registry gateway's playground: GraphiQL 3 with the Explorer plugin, every file served by the
// gateway itself (src/http/playground.rs). React, ReactDOM, GraphiQL and GraphiQLPluginExplorer are
// the globals of the UMD bundles loaded before this file; the settings (endpoint, default query,
// header template) come from the page's JSON data block.
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("playground-config").textContent);
  const h = React.createElement;

  // Header names starting with "#" are the template's switched-off lines (JSON has no comments):
  // they are not sent, so the page works anonymously until one is switched on.
  function sentHeaders(headers) {
    if (!headers) return headers;
    return Object.fromEntries(Object.entries(headers).filter(([name]) => !name.startsWith("#")));
  }

  const send = GraphiQL.createFetcher({
    url: new URL(config.endpoint, window.location.origin).toString(),
    enableIncrementalDelivery: false,
  });

  // GraphiQL's introspection query is valid against every schema that serves introspection, so a
  // validation error in its answer (GRAPHQL_VALIDATION_FAILED, the gateway's code for an unknown
  // field such as `__schema`) means the gateway refuses this caller introspection. Other failures
  // (a refused token, a network error) are left to GraphiQL, which shows them.
  function introspectionRefused(result) {
    return (
      result !== null &&
      typeof result === "object" &&
      !(result.data && result.data.__schema) &&
      Array.isArray(result.errors) &&
      result.errors.some((e) => e && e.extensions && e.extensions.code === "GRAPHQL_VALIDATION_FAILED")
    );
  }

  const INTROSPECTION_OFF =
    "Introspection is disabled for this caller on this gateway, so the Explorer and the Docs cannot show the schema. " +
    "Queries typed into the editor still run.";

  function IntrospectionOff() {
    return h(
      "div",
      { className: "playground-introspection-off" },
      h("h2", null, "Introspection is disabled"),
      h("p", null, INTROSPECTION_OFF),
      h(
        "p",
        null,
        "The schema is in schema.graphql in the gateway's repository (printed by ",
        h("code", null, "registry-gateway schema"),
        ").",
      ),
    );
  }

  function Playground() {
    // "unknown" until GraphiQL's introspection is refused; then "refused".
    const [introspection, setIntrospection] = React.useState("unknown");
    const [attempt, setAttempt] = React.useState(0);
    const explorer = React.useMemo(() => GraphiQLPluginExplorer.explorerPlugin({ showAttribution: false }), []);
    const explorerOff = React.useMemo(() => ({ title: explorer.title, icon: explorer.icon, content: IntrospectionOff }), [explorer]);

    const fetcher = React.useCallback(async (params, options) => {
      const result = await send(params, { ...options, headers: sentHeaders(options && options.headers) });
      if (params.operationName === "IntrospectionQuery" && introspectionRefused(result)) setIntrospection("refused");
      return result;
    }, []);

    const refused = introspection === "refused";
    // playground.css adds the reason to the Docs' "No GraphQL schema available".
    React.useEffect(() => {
      document.getElementById("playground").classList.toggle("playground-introspection-refused", refused);
    }, [refused]);
    const graphiql = h(GraphiQL, {
      // A new GraphiQL when introspection turns out refused: it starts without the failed
      // introspection's error, with no schema (schema: null stops it introspecting) and the
      // notice in place of the Explorer. The tabs and the query are kept in localStorage.
      key: `${attempt}-${introspection}`,
      fetcher,
      schema: refused ? null : undefined,
      plugins: [refused ? explorerOff : explorer],
      visiblePlugin: refused ? explorerOff : explorer,
      defaultQuery: config.defaultQuery,
      defaultHeaders: config.defaultHeaders,
      defaultEditorToolsVisibility: "headers",
      shouldPersistHeaders: false,
    });
    if (!refused) return graphiql;
    const notice = h(
      "div",
      { className: "playground-notice", role: "alert" },
      h("p", null, INTROSPECTION_OFF),
      h(
        "button",
        {
          type: "button",
          onClick: () => {
            setIntrospection("unknown");
            setAttempt((n) => n + 1);
          },
        },
        "Try introspection again",
      ),
    );
    return h(React.Fragment, null, notice, graphiql);
  }

  ReactDOM.createRoot(document.getElementById("playground")).render(h(Playground));
})();
