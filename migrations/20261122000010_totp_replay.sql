-- A TOTP code signs in once: the last 30-second step used is kept, and a
-- code of that step or an earlier one is refused (RFC 6238 §5.2). Login has
-- no tenant yet, so the step is recorded through a definer function that
-- only ever moves it forward.
ALTER TABLE users ADD COLUMN totp_last_step bigint;

CREATE FUNCTION totp_use_step(p_user uuid, p_step bigint) RETURNS boolean
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public
AS $$
    WITH used AS (
        UPDATE users SET totp_last_step = p_step
         WHERE id = p_user AND coalesce(totp_last_step, -1) < p_step
        RETURNING 1
    )
    SELECT EXISTS (SELECT 1 FROM used)
$$;
REVOKE ALL ON FUNCTION totp_use_step(uuid, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION totp_use_step(uuid, bigint) TO erp_app;
