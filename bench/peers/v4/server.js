#!/usr/bin/env node
// PostGraphile v4 serving the registry database, for the bench comparisons (see ../README.md).
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/registry PORT=18081 [HOST=127.0.0.1] \
//     NODE_ENV=production node server.js
//
// Started by ../start v4. Production settings ("library usage" recommendations of the v4 docs):
// queries only (default CRUD mutations off), no GraphiQL, no watch mode, no query log.
//
// It connects as DATABASE_URL's user. The bench uses the database owner `postgres`, a superuser:
// row-level security (the registry's `tenant_isolation` policies) does not apply to it, so the
// peer sees every tenant's rows, as the gateway does for the platform tenant. No pgSettings, no
// JWT: every request runs as that one role.
"use strict";

const http = require("http");
const { postgraphile } = require("postgraphile");
const PgSimplifyInflectorPlugin = require("@graphile-contrib/pg-simplify-inflector");
const ConnectionFilterPlugin = require("postgraphile-plugin-connection-filter");

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error("DATABASE_URL is not set");
  process.exit(2);
}
const port = Number(process.env.PORT || 18081);
const host = process.env.HOST || "127.0.0.1";
// pg.Pool size (postgraphile's default is 10).
const poolMax = Number(process.env.PG_POOL_MAX || 10);

const t0 = process.hrtime.bigint();

const middleware = postgraphile(
  { connectionString: databaseUrl, max: poolMax },
  "public",
  {
    // Production, read-only API.
    watchPg: false,
    graphiql: false,
    enhanceGraphiql: false,
    disableQueryLog: true,
    disableDefaultMutations: true,
    subscriptions: false,
    enableQueryBatching: false,
    retryOnInitFail: false,
    showErrorStack: false,
    extendedErrors: ["errcode"],
    // Schema shape.
    dynamicJson: true,
    setofFunctionsContainNulls: false,
    ignoreRBAC: false,
    legacyRelations: "omit",
    appendPlugins: [PgSimplifyInflectorPlugin, ConnectionFilterPlugin],
    graphileBuildOptions: {
      // The plugin's defaults otherwise. connectionFilterRelations (default false) is not
      // needed: the deep_page filter is on agents' own columns.
      connectionFilterRelations: false,
    },
  },
);

const server = http.createServer(middleware);
server.on("error", (e) => {
  console.error(`server error: ${e.message}`);
  process.exit(1);
});

// Build the schema (introspection) before announcing readiness, then listen.
middleware
  .getGraphQLSchema()
  .then(() => {
    server.listen(port, host, () => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      console.log(`listening on http://${host}:${port}/graphql`);
      console.error(`postgraphile v4: schema built and listening ${ms.toFixed(0)} ms after start`);
    });
  })
  .catch((e) => {
    console.error(`postgraphile v4 failed to build its schema: ${e && e.stack ? e.stack : e}`);
    process.exit(1);
  });

for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    server.close();
    process.exit(0);
  });
}
