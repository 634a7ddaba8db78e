-- Company admins manage who works in their company: add a person (a new user,
-- or an existing one from another company of the group), change their role,
-- take away or give back their access. Access is per membership: deactivating
-- someone in one company leaves their work in the others alone.
ALTER TABLE memberships
    ADD COLUMN active     boolean NOT NULL DEFAULT true,
    ADD COLUMN version    integer NOT NULL DEFAULT 1,
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

CREATE POLICY memberships_admin ON memberships FOR UPDATE TO erp_app
    USING (company_id = ANY (app_company_ids()))
    WITH CHECK (company_id = ANY (app_company_ids()));
GRANT UPDATE (role, active, version, updated_at) ON memberships TO erp_app;

-- Adding a person needs to find a user by e-mail across the group (users of
-- other companies are invisible under RLS) and possibly create one: a
-- definer function, limited to the company the session has selected. The
-- caller's role was checked by the application before it gets here. An
-- existing user keeps their name and password (p_password_hash may be NULL
-- then); a new one must come with both.
CREATE FUNCTION add_member(p_company uuid, p_email text, p_display_name text,
                           p_password_hash text, p_role text)
    RETURNS TABLE (member_id uuid, created_user boolean)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    v_id uuid;
    v_created boolean := false;
BEGIN
    IF p_company IS NULL OR NOT (p_company = ANY (app_company_ids())) THEN
        RAISE EXCEPTION 'add_member: company not selected' USING ERRCODE = '42501';
    END IF;
    SELECT id INTO v_id FROM users WHERE lower(email) = lower(p_email);
    IF v_id IS NULL AND (p_password_hash IS NULL OR coalesce(p_display_name, '') = '') THEN
        RAISE EXCEPTION 'add_member: a new user needs a name and a password'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'new_user_needs_password';
    END IF;
    IF v_id IS NULL THEN
        v_id := gen_random_uuid();
        INSERT INTO users (id, email, display_name, password_hash)
            VALUES (v_id, p_email, p_display_name, p_password_hash);
        v_created := true;
    END IF;
    -- Raises unique_violation (memberships_pkey) when already a member.
    INSERT INTO memberships (user_id, company_id, role) VALUES (v_id, p_company, p_role);
    RETURN QUERY SELECT v_id, v_created;
END
$$;
REVOKE ALL ON FUNCTION add_member(uuid, text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION add_member(uuid, text, text, text, text) TO erp_app;
