-- 0001: the production schema: jobs, the resource index and its pending reservations, webhook
-- deliveries and repository leases. Applied by `gitops-api migrate` (src/pg/migrate.cc) in one
-- transaction. Names are unqualified: the schema is the connection's search_path.
-- Identity columns are COLLATE "C" so ordering is bytewise whatever the database locale.

-- Times cross the wire as integer microseconds since the epoch (the Clock's resolution), so
-- nothing is lost to text formatting or time zones. Both are inlined by the planner.
CREATE FUNCTION gitops_ts(us bigint) RETURNS timestamptz
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN timestamptz 'epoch' + us * interval '1 microsecond';
CREATE FUNCTION gitops_us(ts timestamptz) RETURNS bigint
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN (extract(epoch FROM ts) * 1000000)::bigint;

-- Jobs (src/jobs/postgres/postgres_job_store.cc). Times are timestamptz (microseconds, the
-- Clock's precision). spec and result are json (not jsonb) to keep the client's key order.
CREATE TABLE jobs (
  job_id        text COLLATE "C" PRIMARY KEY CHECK (job_id <> ''),
  seq           bigserial NOT NULL,            -- creation order, breaks created_at ties
  job_type      text NOT NULL,
  tenant_id     text COLLATE "C" NOT NULL,
  cluster_id    text COLLATE "C" NOT NULL DEFAULT '',
  resource_type text COLLATE "C" NOT NULL,
  resource_name text COLLATE "C" NOT NULL,
  operation     text NOT NULL,
  flavor        text NOT NULL DEFAULT '',
  spec          json NOT NULL DEFAULT '{}',
  status        text NOT NULL
                CHECK (status IN ('submitted', 'in_progress', 'completed', 'failed')),
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL,
  logs          jsonb NOT NULL DEFAULT '[]',   -- array of strings, appended with ||
  metadata      jsonb NOT NULL DEFAULT '{}',   -- object, merged key by key with ||
  result        json,                          -- NULL = no result
  error         text,
  partition     text COLLATE "C" NOT NULL DEFAULT ''
);
CREATE INDEX jobs_created_idx ON jobs (created_at DESC, seq DESC);
CREATE INDEX jobs_tenant_created_idx ON jobs (tenant_id, created_at DESC, seq DESC);
CREATE INDEX jobs_status_idx ON jobs (status, created_at DESC);

-- The resource index (src/index/postgres): what exists in Git. cluster_id is '' for types
-- that are not cluster-aware, so the key stays NOT NULL and unique.
CREATE TABLE resources (
  resource_type text COLLATE "C" NOT NULL,
  tenant_id     text COLLATE "C" NOT NULL,
  cluster_id    text COLLATE "C" NOT NULL DEFAULT '',
  name          text COLLATE "C" NOT NULL,
  flavor        text NOT NULL DEFAULT '',
  spec          json NOT NULL DEFAULT '{}',
  path          text NOT NULL DEFAULT '',
  git_commit    text NOT NULL DEFAULT '',
  repository    text NOT NULL DEFAULT '',
  updated_at    timestamptz NOT NULL,
  PRIMARY KEY (resource_type, tenant_id, cluster_id, name)
);
CREATE INDEX resources_tenant_idx ON resources (tenant_id, resource_type, cluster_id, name);

-- Accepted-but-unapplied jobs per resource (PendingOps). seq is the reservation order.
CREATE TABLE pending_ops (
  job_id        text COLLATE "C" PRIMARY KEY,
  seq           bigserial NOT NULL,
  resource_type text COLLATE "C" NOT NULL,
  tenant_id     text COLLATE "C" NOT NULL,
  cluster_id    text COLLATE "C" NOT NULL,
  name          text COLLATE "C" NOT NULL,
  op            text NOT NULL CHECK (op IN ('create', 'update', 'delete'))
);
CREATE INDEX pending_ops_key_idx ON pending_ops (resource_type, tenant_id, cluster_id, name, seq);

-- PendingOps.Reserve in one round trip and one transaction. The advisory lock (per resource
-- key, held to the end of the transaction) serializes reservations of one resource, so of two
-- concurrent creates exactly one sees the other. Returns 'ok', 'exists' (a create of a
-- resource that will exist), 'absent' (update/delete of one that will not) or 'held' (the job
-- already holds a reservation).
CREATE FUNCTION gitops_reserve(p_job text, p_type text, p_tenant text, p_cluster text,
                               p_name text, p_op text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  v_last text;
  v_exists boolean;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended(
      p_type || chr(31) || p_tenant || chr(31) || p_cluster || chr(31) || p_name, 7001));
  IF EXISTS (SELECT 1 FROM pending_ops WHERE job_id = p_job) THEN
    RETURN 'held';
  END IF;
  -- The latest pending create or delete decides; updates do not change existence.
  SELECT op INTO v_last FROM pending_ops
   WHERE resource_type = p_type AND tenant_id = p_tenant AND cluster_id = p_cluster
     AND name = p_name AND op <> 'update'
   ORDER BY seq DESC LIMIT 1;
  IF v_last IS NULL THEN
    v_exists := EXISTS (SELECT 1 FROM resources
                         WHERE resource_type = p_type AND tenant_id = p_tenant
                           AND cluster_id = p_cluster AND name = p_name);
  ELSE
    v_exists := (v_last = 'create');
  END IF;
  IF p_op = 'create' AND v_exists THEN
    RETURN 'exists';
  END IF;
  IF p_op <> 'create' AND NOT v_exists THEN
    RETURN 'absent';
  END IF;
  BEGIN
    INSERT INTO pending_ops (job_id, resource_type, tenant_id, cluster_id, name, op)
    VALUES (p_job, p_type, p_tenant, p_cluster, p_name, p_op);
  EXCEPTION WHEN unique_violation THEN
    RETURN 'held';  -- the same job reserved another resource at the same moment
  END;
  RETURN 'ok';
END
$$;

-- Webhook deliveries: an outbox, one row per (job, event) to send. A sender claims due rows
-- with SELECT ... WHERE status = 'pending' AND next_attempt_at <= now() ORDER BY
-- next_attempt_at FOR UPDATE SKIP LOCKED, posts `payload` (the exact bytes that were signed),
-- then sets status 'delivered', or bumps attempts/last_status/last_error and next_attempt_at
-- (backoff), or sets 'failed' once attempts reach the configured retries.
CREATE TABLE webhook_deliveries (
  id              text COLLATE "C" PRIMARY KEY,   -- uuid4
  job_id          text COLLATE "C" NOT NULL,
  event           text NOT NULL,                  -- 'completed', 'failed', or a stage name
  url             text NOT NULL,
  payload         text NOT NULL,                  -- JSON body exactly as sent
  status          text NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts        integer NOT NULL DEFAULT 0,
  last_status     integer,                        -- HTTP status of the last attempt
  last_error      text,                           -- transport error of the last attempt
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_job_idx ON webhook_deliveries (job_id);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at)
  WHERE status = 'pending';

-- One writer per repository (src/jobs/postgres/postgres_lease_store.cc). token is a fencing
-- token: every acquisition takes a new, larger value from lease_tokens, so a writer whose
-- lease was taken over can tell before it pushes.
CREATE SEQUENCE lease_tokens;
CREATE TABLE repository_leases (
  repository text COLLATE "C" PRIMARY KEY,   -- the partition: one repository
  holder     text NOT NULL,                  -- worker identity, for operators
  token      bigint NOT NULL,
  expires_at timestamptz NOT NULL
);
