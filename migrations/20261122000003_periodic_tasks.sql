-- Periodic tasks (Celery beat's DatabaseScheduler): the schedule lives here and
-- every scheduler LISTENs for changes, so edits apply without a restart.
CREATE TABLE periodic_tasks (
    id          uuid PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    task        text NOT NULL CHECK (task IN ('purge_expired_exports')),
    cron        text NOT NULL CHECK (length(cron) BETWEEN 1 AND 200),
    args        jsonb NOT NULL DEFAULT '{}',
    enabled     boolean NOT NULL DEFAULT true,
    version     integer NOT NULL DEFAULT 1,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per tick the worker ran; the scheduler's idempotency key
-- (`task id:tick time`) is what keeps two schedulers from running a tick twice.
CREATE TABLE periodic_task_runs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id     uuid NOT NULL REFERENCES periodic_tasks (id) ON DELETE CASCADE,
    tick_at     timestamptz NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    outcome     text
);
CREATE INDEX periodic_task_runs_task_idx ON periodic_task_runs (task_id, tick_at DESC);

CREATE FUNCTION periodic_tasks_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('periodic_tasks_changed', coalesce(NEW.id, OLD.id)::text);
    RETURN NULL;
END
$$;
CREATE TRIGGER periodic_tasks_changed
    AFTER INSERT OR UPDATE OR DELETE ON periodic_tasks
    FOR EACH ROW EXECUTE FUNCTION periodic_tasks_notify();

-- Group-wide configuration, not company data: no company_id, so no RLS; the API
-- lets only group admins change it.
GRANT SELECT, UPDATE (cron, args, enabled, version, updated_at) ON periodic_tasks TO erp_app;
GRANT SELECT, INSERT, UPDATE ON periodic_task_runs TO erp_app;

INSERT INTO periodic_tasks (id, name, task, cron, args)
VALUES ('0193a000-0000-7000-8000-000000000001', 'purge-expired-exports',
        'purge_expired_exports', '0 */15 * * * *', '{}');
