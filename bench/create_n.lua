-- wrk script: exactly N_CREATES creates in all (split over the threads), unique names over 100
-- tenants; after its share, a thread only sends GET /healthz until wrk is stopped.
local next_thread = 0
local threads_total = 0

function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_no", next_thread)
  threads_total = next_thread
end

function init(args)
  local total = tonumber(os.getenv("N_CREATES") or "20000")
  local nthreads = tonumber(os.getenv("WRK_THREADS") or "2")
  share = math.floor(total / nthreads)
  if thread_no == nthreads then share = total - share * (nthreads - 1) end
  sent = 0
  prefix = string.format("e%d-%d", thread_no, os.time() % 100000)
end

function request()
  if sent >= share then
    return wrk.format("GET", "/healthz")
  end
  sent = sent + 1
  local body = string.format(
    '{"name": "vm-%s-%d", "flavor": "small", "spec": {"instance_type": "t3.small", "tags": {"purpose": "bench"}}}',
    prefix, sent)
  return wrk.format("POST", "/api/v1/vm/create",
    {["Content-Type"] = "application/json", ["X-Tenant-ID"] = "t" .. (sent % 100)}, body)
end
