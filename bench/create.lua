-- wrk script: POST /api/v1/vm/create with a unique name per request, spread over 100 tenants.
local counter = 0
local next_thread = 0

-- Runs in the main Lua state: give each thread its own number (a global of its state).
function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_no", next_thread)
end

function init(args)
  prefix = string.format("w%d-%d", thread_no, os.time() % 100000)
end

function request()
  counter = counter + 1
  local tenant = "t" .. (counter % 100)
  local body = string.format(
    '{"name": "vm-%s-%d", "flavor": "small", "spec": {"instance_type": "t3.small", "tags": {"purpose": "bench"}}}',
    prefix, counter)
  return wrk.format("POST", "/api/v1/vm/create",
    {["Content-Type"] = "application/json", ["X-Tenant-ID"] = tenant}, body)
end

done = function(summary, latency, requests)
  io.write(string.format("wrk: %d requests, %d non-2xx/3xx, p50 %.2f ms, p99 %.2f ms, %.0f req/s\n",
    summary.requests, summary.errors.status, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.requests / (summary.duration / 1e6)))
end
