-- Reports built in the background: asked for from a report's page or the
-- API, built by a worker into a PDF and a CSV under the files directory
-- (reports/<id>.pdf, .csv), followed on their page while they run.
CREATE TABLE report_runs (
    id           uuid PRIMARY KEY,
    company_id   uuid NOT NULL REFERENCES companies (id),
    requested_by uuid NOT NULL REFERENCES users (id),
    kind         text NOT NULL
        CHECK (kind IN ('sales-book', 'trial-balance', 'aged-receivables', 'statement')),
    -- The report's filters, as its page's address carries them.
    query        jsonb NOT NULL,
    lang         text NOT NULL CHECK (lang IN ('es-HN', 'en')),
    status       text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'running', 'done', 'failed')),
    progress     smallint NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    title        text,
    file_stem    text,
    error        text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    expires_at   timestamptz
);
CREATE INDEX report_runs_user_idx ON report_runs (company_id, requested_by, created_at DESC);
ALTER TABLE report_runs ENABLE ROW LEVEL SECURITY;
CREATE POLICY report_runs_tenant ON report_runs TO erp_app
    USING (company_id = ANY (app_company_ids()))
    WITH CHECK (company_id = ANY (app_company_ids()));
GRANT SELECT, INSERT, UPDATE ON report_runs TO erp_app;

-- What the appliance tells a person in the app (a report is ready): theirs
-- alone, whatever company they are working in.
CREATE TABLE notifications (
    id          uuid PRIMARY KEY,
    company_id  uuid NOT NULL REFERENCES companies (id),
    user_id     uuid NOT NULL REFERENCES users (id),
    message     text NOT NULL CHECK (length(message) BETWEEN 1 AND 500),
    link        text NOT NULL CHECK (link LIKE '/%'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    read_at     timestamptz
);
CREATE INDEX notifications_unread_idx ON notifications (user_id, created_at DESC) WHERE read_at IS NULL;
ALTER TABLE notifications ENABLE ROW LEVEL SECURITY;
-- Read and marked read by their person; written by work done for that
-- person (the report's worker acts as the person who asked).
CREATE POLICY notifications_read ON notifications FOR SELECT TO erp_app
    USING (user_id = app_user_id());
CREATE POLICY notifications_mark ON notifications FOR UPDATE TO erp_app
    USING (user_id = app_user_id()) WITH CHECK (user_id = app_user_id());
CREATE POLICY notifications_add ON notifications FOR INSERT TO erp_app
    WITH CHECK (user_id = app_user_id() AND company_id = ANY (app_company_ids()));
GRANT SELECT, INSERT, UPDATE (read_at) ON notifications TO erp_app;

-- The purge task forgets finished runs whose files have expired (any
-- company's: it runs for the appliance, not for a session) and deletes the
-- files it is given back.
ALTER TABLE report_runs DROP CONSTRAINT report_runs_status_check;
ALTER TABLE report_runs ADD CONSTRAINT report_runs_status_check
    CHECK (status IN ('queued', 'running', 'done', 'failed', 'expired'));
CREATE FUNCTION expire_report_runs(p_now timestamptz)
    RETURNS SETOF uuid
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
    UPDATE report_runs SET status = 'expired'
     WHERE status = 'done' AND expires_at <= p_now
    RETURNING id
$$;
REVOKE ALL ON FUNCTION expire_report_runs(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION expire_report_runs(timestamptz) TO erp_app;
