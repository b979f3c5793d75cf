-- wrk script: exactly N_CREATES creates in all (split over the threads), alternating between
-- the vm and osimage types (two repositories, so two workers can apply in parallel), unique
-- names over 100 tenants; after its share, a thread only sends GET /healthz, one per
-- connection per second (delay), so the load generator does not take the CPU the workers need.
local next_thread = 0

function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_no", next_thread)
end

function init(args)
  local total = tonumber(os.getenv("N_CREATES") or "5000")
  local nthreads = tonumber(os.getenv("WRK_THREADS") or "2")
  share = math.floor(total / nthreads)
  if thread_no == nthreads then share = total - share * (nthreads - 1) end
  sent = 0
  prefix = string.format("p%d-%d", thread_no, os.time() % 100000)
end

function request()
  if sent >= share then
    return wrk.format("GET", "/healthz")
  end
  sent = sent + 1
  local headers = {["Content-Type"] = "application/json", ["X-Tenant-ID"] = "t" .. (sent % 100)}
  if sent % 2 == 0 then
    return wrk.format("POST", "/api/v1/vm/create", headers, string.format(
      '{"name": "vm-%s-%d", "flavor": "small", "spec": {"instance_type": "t3.small"}}',
      prefix, sent))
  end
  return wrk.format("POST", "/api/v1/osimage/create", headers, string.format(
    '{"name": "img-%s-%d", "flavor": "ubuntu-small", "spec": {}}', prefix, sent))
end

function delay()
  if sent >= share then return 1000 end
  return 0
end
