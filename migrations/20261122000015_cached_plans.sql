-- Two functions run on every request or every new document. As LANGUAGE sql
-- functions that cannot be inlined (one is SECURITY DEFINER, the other
-- writes), PostgreSQL parses and plans their body again on each call;
-- PL/pgSQL keeps the plan for the life of the connection. Same answers.

CREATE OR REPLACE FUNCTION session_state(p_user uuid, p_company uuid,
                                         OUT active boolean, OUT must_enrol boolean)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
BEGIN
    SELECT u.active, coalesce(c.require_totp, false) AND u.totp_enabled_at IS NULL
      INTO active, must_enrol
      FROM users u LEFT JOIN companies c ON c.id = p_company
     WHERE u.id = p_user;
END
$$;

CREATE OR REPLACE FUNCTION next_document_no(p_company uuid, p_kind text) RETURNS integer
    LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    v_no integer;
BEGIN
    INSERT INTO document_counters AS c (company_id, kind, last_no) VALUES (p_company, p_kind, 1)
    ON CONFLICT (company_id, kind) DO UPDATE SET last_no = c.last_no + 1
    RETURNING last_no INTO v_no;
    RETURN v_no;
END
$$;
