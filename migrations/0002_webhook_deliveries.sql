-- 0002: webhook_deliveries as PostgresDeliveryStore (src/webhook/postgres) keeps a
-- webhook::Delivery: its names, the columns 0001 lacked, a store-assigned sequence and the
-- indexes of ListDue and List. 0001 stays as deployed; rows it may hold are kept.

ALTER TABLE webhook_deliveries RENAME COLUMN id TO delivery_id;
ALTER TABLE webhook_deliveries RENAME COLUMN last_status TO last_http_status;

ALTER TABLE webhook_deliveries
  ADD COLUMN tenant_id     text COLLATE "C" NOT NULL DEFAULT '',
  ADD COLUMN resource_type text COLLATE "C" NOT NULL DEFAULT '',
  ADD COLUMN retries       integer NOT NULL DEFAULT 0,
  ADD COLUMN max_attempts  integer NOT NULL DEFAULT 1,
  ADD COLUMN timeout_ms    integer NOT NULL DEFAULT 30000,
  ADD COLUMN sequence      bigint,
  -- Set by a claim to its lease (an attempt is in flight in some worker until then), cleared
  -- when the attempt's outcome is recorded: a redelivery is refused while it is in the future.
  ADD COLUMN claimed_until timestamptz;

-- sequence orders a job's deliveries (the head of its queue goes first) and the lists (newest
-- first). Rows already there are numbered in creation order; new rows take the identity.
UPDATE webhook_deliveries AS d SET sequence = o.n
  FROM (SELECT delivery_id, row_number() OVER (ORDER BY created_at, delivery_id) AS n
          FROM webhook_deliveries) AS o
 WHERE d.delivery_id = o.delivery_id;
ALTER TABLE webhook_deliveries
  ALTER COLUMN sequence SET NOT NULL,
  ALTER COLUMN sequence ADD GENERATED ALWAYS AS IDENTITY;
SELECT setval(pg_get_serial_sequence('webhook_deliveries', 'sequence'),
              coalesce(max(sequence), 0) + 1, false)
  FROM webhook_deliveries;
CREATE UNIQUE INDEX webhook_deliveries_sequence_idx ON webhook_deliveries (sequence);

ALTER TABLE webhook_deliveries
  ADD CONSTRAINT webhook_deliveries_ids_check CHECK (delivery_id <> '' AND job_id <> '');

-- Times are the dispatcher's Clock's, always given: no server-side defaults.
ALTER TABLE webhook_deliveries
  ALTER COLUMN next_attempt_at DROP DEFAULT,
  ALTER COLUMN created_at DROP DEFAULT,
  ALTER COLUMN updated_at DROP DEFAULT;

-- ListDue: pending rows by due time (then sequence), and for each the check that no pending
-- row of the same job has a smaller sequence (the head of the job's queue).
DROP INDEX webhook_deliveries_due_idx;
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at, sequence)
  WHERE status = 'pending';
CREATE INDEX webhook_deliveries_job_pending_idx ON webhook_deliveries (job_id, sequence)
  WHERE status = 'pending';

-- List: by job (also the job status page), by tenant, by status; newest first.
DROP INDEX webhook_deliveries_job_idx;
CREATE INDEX webhook_deliveries_job_idx ON webhook_deliveries (job_id, sequence DESC);
CREATE INDEX webhook_deliveries_tenant_idx ON webhook_deliveries (tenant_id, sequence DESC);
CREATE INDEX webhook_deliveries_status_idx ON webhook_deliveries (status, sequence DESC);
