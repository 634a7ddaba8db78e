-- Two-step verification with TOTP (RFC 6238). The secret is the user's own:
-- the application role may write it for the user themself (users_update_self)
-- but never read it back; login and the user's own checks read it through
-- definer functions. Column grants on users also stop the application role
-- from reading password hashes, which it never needed.
ALTER TABLE users
    ADD COLUMN totp_secret     text,
    ADD COLUMN totp_enabled_at timestamptz,
    ADD CONSTRAINT users_totp_enabled_has_secret
        CHECK (totp_enabled_at IS NULL OR totp_secret IS NOT NULL);

REVOKE SELECT ON users FROM erp_app;
GRANT SELECT (id, email, display_name, locale, active, created_at, totp_enabled_at) ON users TO erp_app;
GRANT UPDATE (totp_secret, totp_enabled_at) ON users TO erp_app;

-- Login: what verification needs, now including the TOTP secret when enabled.
DROP FUNCTION auth_lookup(text);
CREATE FUNCTION auth_lookup(p_email text)
    RETURNS TABLE (user_id uuid, password_hash text, active boolean, totp_secret text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$
    SELECT id, password_hash, active, CASE WHEN totp_enabled_at IS NOT NULL THEN totp_secret END
      FROM users WHERE lower(email) = lower(p_email)
$$;
REVOKE ALL ON FUNCTION auth_lookup(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_lookup(text) TO erp_app;

-- The signed-in user's own enabled secret (to confirm a code before turning
-- verification off).
CREATE FUNCTION own_totp_secret() RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$ SELECT totp_secret FROM users WHERE id = app_user_id() AND totp_enabled_at IS NOT NULL $$;
REVOKE ALL ON FUNCTION own_totp_secret() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION own_totp_secret() TO erp_app;
