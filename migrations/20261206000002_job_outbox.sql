-- Jobs asked for by a transaction, written with it: a job exists if and only
-- if that transaction commits. The worker's relay moves rows into the Redis
-- queue and deletes them in one transaction of its own; if it dies between
-- the two, the rows are moved again and the queue's idempotency key (the row
-- id, or the job's own key) keeps them one job.
CREATE TABLE job_outbox (
    id          uuid PRIMARY KEY,
    kind        text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]*$'),
    args        jsonb NOT NULL,
    priority    smallint NOT NULL DEFAULT 1 CHECK (priority BETWEEN 0 AND 2),
    run_at      timestamptz,
    unique_key  text,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- The serving roles may add jobs but read none: arguments name companies,
-- and only the relay (through the function below) sees every company's.
ALTER TABLE job_outbox ENABLE ROW LEVEL SECURITY;
CREATE POLICY job_outbox_insert ON job_outbox FOR INSERT TO erp_app WITH CHECK (true);
GRANT INSERT ON job_outbox TO erp_app;

-- Take up to p_limit of the oldest rows, skipping rows another relay holds.
-- The rows are deleted in the caller's transaction: rolled back, they stay.
CREATE FUNCTION take_job_outbox(p_limit integer)
    RETURNS TABLE (id uuid, kind text, args jsonb, priority smallint,
                   run_at timestamptz, unique_key text, created_at timestamptz)
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
    DELETE FROM job_outbox o
     WHERE o.id IN (SELECT i.id FROM job_outbox i ORDER BY i.id
                     LIMIT p_limit FOR UPDATE SKIP LOCKED)
    RETURNING o.id, o.kind, o.args, o.priority, o.run_at, o.unique_key, o.created_at
$$;
REVOKE ALL ON FUNCTION take_job_outbox(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION take_job_outbox(integer) TO erp_app;
