-- wrk script: POSTs one GraphQL request body to /graphql with the bench's bearer token, and
-- counts answers that are not clean (HTTP status other than 200, or a body with GraphQL `errors`).
--
--   BENCH_TOKEN=<jwt or empty> wrk -s bench/post.lua http://127.0.0.1:PORT/graphql -- BODY.json
--
-- The gateway puts `errors` first in the JSON it writes, so an answer with errors starts with
-- `{"errors":`. `done` prints machine-readable `BENCH key=value` lines that bench/run parses.

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   local path = args[1]
   if path == nil then
      error("usage: wrk -s post.lua URL -- BODY.json (token in BENCH_TOKEN)")
   end
   local f = assert(io.open(path, "rb"))
   local body = f:read("*a")
   f:close()
   -- BENCH_TOKEN empty: no Authorization header (the PostGraphile peers of bench/compare).
   local token = os.getenv("BENCH_TOKEN")
   local headers = {
      ["Content-Type"] = "application/json",
      ["Accept"] = "application/json",
   }
   if token ~= nil and token ~= "" then
      headers["Authorization"] = "Bearer " .. token
   end
   request_bytes = wrk.format("POST", nil, headers, body)
   graphql_errors = 0
   bad_status = 0
   first_bad = ""
end

function request()
   return request_bytes
end

function response(status, headers, body)
   if status ~= 200 then
      bad_status = bad_status + 1
      if first_bad == "" then first_bad = "HTTP " .. status .. ": " .. string.sub(body, 1, 200) end
   elseif string.sub(body, 1, 10) == '{"errors":' then
      graphql_errors = graphql_errors + 1
      if first_bad == "" then first_bad = string.sub(body, 1, 300) end
   end
end

function done(summary, latency, requests)
   local errs, bad, sample = 0, 0, ""
   for _, t in ipairs(threads) do
      errs = errs + t:get("graphql_errors")
      bad = bad + t:get("bad_status")
      local s = t:get("first_bad")
      if sample == "" and s ~= nil then sample = s end
   end
   local e = summary.errors
   io.write(string.format("BENCH requests=%d\n", summary.requests))
   io.write(string.format("BENCH duration_us=%d\n", summary.duration))
   io.write(string.format("BENCH bytes=%d\n", summary.bytes))
   io.write(string.format("BENCH graphql_errors=%d\n", errs))
   io.write(string.format("BENCH bad_status=%d\n", bad))
   io.write(string.format("BENCH socket_errors=%d\n", e.connect + e.read + e.write))
   io.write(string.format("BENCH timeouts=%d\n", e.timeout))
   io.write(string.format("BENCH latency_mean_us=%.1f\n", latency.mean))
   io.write(string.format("BENCH latency_max_us=%d\n", latency.max))
   for _, p in ipairs({ 50, 90, 99 }) do
      io.write(string.format("BENCH p%d_us=%d\n", p, latency:percentile(p)))
   end
   if sample ~= "" then
      io.write("BENCH first_bad=" .. string.gsub(sample, "\n", " ") .. "\n")
   end
end
