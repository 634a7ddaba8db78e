-- Exports: a user asks for a file, a worker writes it, the page offers it.
CREATE TABLE exports (
    id           uuid PRIMARY KEY,
    company_id   uuid NOT NULL REFERENCES companies (id),
    requested_by uuid NOT NULL REFERENCES users (id),
    kind         text NOT NULL CHECK (kind IN ('users_roles')),
    status       text NOT NULL DEFAULT 'queued'
                 CHECK (status IN ('queued', 'running', 'done', 'failed', 'expired')),
    file_name    text,
    row_count    integer,
    error        text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    expires_at   timestamptz
);
CREATE INDEX exports_company_idx ON exports (company_id, created_at DESC);
ALTER TABLE exports ENABLE ROW LEVEL SECURITY;
CREATE POLICY exports_tenant ON exports TO erp_app
    USING (company_id = ANY (app_company_ids()))
    WITH CHECK (company_id = ANY (app_company_ids()));
GRANT SELECT, INSERT, UPDATE ON exports TO erp_app;

-- Purging is group-wide housekeeping run by the scheduler: a definer function
-- that marks expired exports and hands back their file names, so the app role
-- never needs to see across companies.
CREATE FUNCTION expire_exports(p_now timestamptz)
    RETURNS TABLE (export_id uuid, file_name text)
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public
AS $$
    UPDATE exports SET status = 'expired'
     WHERE status = 'done' AND expires_at <= p_now
    RETURNING id, file_name
$$;
REVOKE ALL ON FUNCTION expire_exports(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION expire_exports(timestamptz) TO erp_app;
