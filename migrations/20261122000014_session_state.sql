-- Every request checks that its session's user is still active (and whether
-- the active company requires two-step verification they lack). That was a
-- tenant transaction of four round trips on every request; this definer
-- function answers in one. It reveals two flags of the user the server-side
-- session names, nothing else.
CREATE FUNCTION session_state(p_user uuid, p_company uuid,
                              OUT active boolean, OUT must_enrol boolean)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
    SELECT u.active, coalesce(c.require_totp, false) AND u.totp_enabled_at IS NULL
      FROM users u LEFT JOIN companies c ON c.id = p_company
     WHERE u.id = p_user
$$;
REVOKE ALL ON FUNCTION session_state(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION session_state(uuid, uuid) TO erp_app;
