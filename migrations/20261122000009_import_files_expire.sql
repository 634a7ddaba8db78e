-- Uploaded CSV files are kept only as long as they are useful: a day after
-- the import finished, or a day after a preview nobody started (which then
-- can no longer be started: status 'expired'). The periodic purge task calls
-- the definer function and deletes the files it names, like for exports.
ALTER TABLE imports ADD COLUMN file_removed_at timestamptz;
ALTER TABLE imports DROP CONSTRAINT imports_status_check;
ALTER TABLE imports ADD CONSTRAINT imports_status_check
    CHECK (status IN ('preview', 'queued', 'running', 'done', 'failed', 'expired'));

CREATE FUNCTION expire_import_files(p_now timestamptz)
    RETURNS TABLE (import_id uuid)
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public
AS $$
    UPDATE imports
       SET file_removed_at = p_now,
           status = CASE WHEN status = 'preview' THEN 'expired' ELSE status END
     WHERE file_removed_at IS NULL
       AND ((status IN ('done', 'failed') AND finished_at <= p_now - interval '24 hours')
            OR (status = 'preview' AND created_at <= p_now - interval '24 hours'))
    RETURNING id
$$;
REVOKE ALL ON FUNCTION expire_import_files(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION expire_import_files(timestamptz) TO erp_app;
