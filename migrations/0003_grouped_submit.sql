-- 0003: gitops_submit, the reservation and the job INSERT of a whole group of concurrent
-- submissions in one statement, so one transaction (one fsync) serves the group
-- (PostgresJobStore::Submit, src/jobs/postgres/postgres_job_store.cc).

-- p_jobs: a JSON array of jobs, each {job_id, job_type, tenant_id, cluster_id, resource_type,
-- resource_name, operation, flavor, spec, status, created_us, logs, metadata, result, error,
-- partition, reserve}; reserve is 'create' | 'update' | 'delete' (judged and recorded by
-- gitops_reserve's rule, under the same advisory locks) or null (no reservation). Jobs are taken in array order. Returns one
-- row per job: 'ok' (reserved if asked, and stored), gitops_reserve's 'exists' | 'absent' |
-- 'held' (nothing stored), or 'job_exists' (the job id is taken; nothing kept). One job's
-- refusal does not undo the others'.
-- Every advisory lock the group needs is taken first, in ascending key order, so two groups
-- (or a group and a single gitops_reserve) never wait on each other in a cycle.
CREATE FUNCTION gitops_submit(p_jobs json)
RETURNS TABLE (o_job_id text, o_verdict text)
LANGUAGE plpgsql AS $$
DECLARE
  v_lock bigint;
  r record;
  v text;
  v_last text;
  v_exists boolean;
BEGIN
  FOR v_lock IN
    SELECT DISTINCT hashtextextended(
             (e->>'resource_type') || chr(31) || (e->>'tenant_id') || chr(31) ||
             (e->>'cluster_id') || chr(31) || (e->>'resource_name'), 7001) AS h
      FROM json_array_elements(p_jobs) AS e
     WHERE e->>'reserve' IS NOT NULL
     ORDER BY h
  LOOP
    PERFORM pg_advisory_xact_lock(v_lock);
  END LOOP;
  FOR r IN
    SELECT e->>'job_id' AS job_id, e->>'job_type' AS job_type, e->>'tenant_id' AS tenant_id,
           e->>'cluster_id' AS cluster_id, e->>'resource_type' AS resource_type,
           e->>'resource_name' AS resource_name, e->>'operation' AS operation,
           e->>'flavor' AS flavor, e->'spec' AS spec, e->>'status' AS status,
           (e->>'created_us')::bigint AS created_us, (e->'logs')::jsonb AS logs,
           (e->'metadata')::jsonb AS metadata, e->'result' AS result, e->>'error' AS error,
           e->>'partition' AS part, e->>'reserve' AS reserve
      FROM json_array_elements(p_jobs) WITH ORDINALITY AS a(e, ord)
     ORDER BY ord
  LOOP
    IF r.reserve IS NOT NULL THEN
      -- gitops_reserve's rule, inline (its lock is held already) and without its exception
      -- block, whose subtransaction per row would cost more than the rest of the row.
      IF EXISTS (SELECT 1 FROM pending_ops WHERE pending_ops.job_id = r.job_id) THEN
        v := 'held';
      ELSE
        SELECT op INTO v_last FROM pending_ops
         WHERE resource_type = r.resource_type AND tenant_id = r.tenant_id
           AND cluster_id = r.cluster_id AND name = r.resource_name AND op <> 'update'
         ORDER BY seq DESC LIMIT 1;
        IF v_last IS NULL THEN
          v_exists := EXISTS (SELECT 1 FROM resources
                               WHERE resource_type = r.resource_type
                                 AND tenant_id = r.tenant_id AND cluster_id = r.cluster_id
                                 AND name = r.resource_name);
        ELSE
          v_exists := (v_last = 'create');
        END IF;
        IF r.reserve = 'create' AND v_exists THEN
          v := 'exists';
        ELSIF r.reserve <> 'create' AND NOT v_exists THEN
          v := 'absent';
        ELSE
          INSERT INTO pending_ops (job_id, resource_type, tenant_id, cluster_id, name, op)
          VALUES (r.job_id, r.resource_type, r.tenant_id, r.cluster_id, r.resource_name,
                  r.reserve)
          ON CONFLICT (job_id) DO NOTHING;
          v := CASE WHEN FOUND THEN 'ok' ELSE 'held' END;
        END IF;
      END IF;
      IF v <> 'ok' THEN
        o_job_id := r.job_id;
        o_verdict := v;
        RETURN NEXT;
        CONTINUE;
      END IF;
    END IF;
    INSERT INTO jobs (job_id, job_type, tenant_id, cluster_id, resource_type, resource_name,
                      operation, flavor, spec, status, created_at, updated_at, logs, metadata,
                      result, error, partition)
    VALUES (r.job_id, r.job_type, r.tenant_id, r.cluster_id, r.resource_type, r.resource_name,
            r.operation, r.flavor, coalesce(r.spec, '{}'::json), r.status,
            gitops_ts(r.created_us), gitops_ts(r.created_us), coalesce(r.logs, '[]'::jsonb),
            coalesce(r.metadata, '{}'::jsonb),
            CASE WHEN json_typeof(r.result) = 'null' THEN NULL ELSE r.result END, r.error,
            r.part)
    ON CONFLICT (job_id) DO NOTHING;
    IF FOUND THEN
      o_verdict := 'ok';
    ELSE
      IF r.reserve IS NOT NULL THEN
        DELETE FROM pending_ops WHERE pending_ops.job_id = r.job_id;
      END IF;
      o_verdict := 'job_exists';
    END IF;
    o_job_id := r.job_id;
    RETURN NEXT;
  END LOOP;
END
$$;
