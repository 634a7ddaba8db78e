-- CSV imports of parties and products: a user uploads a file and sees the
-- preview (row counts and every bad row with its line); confirming queues a
-- worker that writes the good rows in batches and counts its progress here,
-- which is what the page shows while it runs.
CREATE TABLE imports (
    id             uuid PRIMARY KEY,
    company_id     uuid NOT NULL REFERENCES companies (id),
    requested_by   uuid NOT NULL REFERENCES users (id),
    kind           text NOT NULL CHECK (kind IN ('parties', 'products')),
    file_name      text NOT NULL,
    status         text NOT NULL DEFAULT 'preview'
                   CHECK (status IN ('preview', 'queued', 'running', 'done', 'failed')),
    total_rows     integer NOT NULL CHECK (total_rows >= 0),
    valid_rows     integer NOT NULL CHECK (valid_rows >= 0 AND valid_rows <= total_rows),
    processed_rows integer NOT NULL DEFAULT 0,
    created_rows   integer NOT NULL DEFAULT 0,
    updated_rows   integer NOT NULL DEFAULT 0,
    unchanged_rows integer NOT NULL DEFAULT 0,
    -- [{line, column, code, message}], the first bad rows of the file.
    issues         jsonb NOT NULL DEFAULT '[]',
    issue_count    integer NOT NULL DEFAULT 0,
    error          text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    started_at     timestamptz,
    finished_at    timestamptz
);
CREATE INDEX imports_company_idx ON imports (company_id, created_at DESC);
ALTER TABLE imports ENABLE ROW LEVEL SECURITY;
CREATE POLICY imports_tenant ON imports TO erp_app
    USING (company_id = ANY (app_company_ids()))
    WITH CHECK (company_id = ANY (app_company_ids()));
GRANT SELECT, INSERT, UPDATE ON imports TO erp_app;
