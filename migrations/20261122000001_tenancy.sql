-- Tenancy foundation: the application role, the per-transaction tenant settings,
-- companies, users and memberships. Row-level security is keyed on
-- `app.company_ids` (a uuid[] literal) and `app.user_id`, both set with
-- `set_config(..., true)` (transaction-local) by the data layer in `erp::db`.

-- The role the application runs as. It owns nothing and cannot bypass RLS; the
-- owner (the migration role) switches to it with SET ROLE on every app connection.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'erp_app') THEN
        CREATE ROLE erp_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
END
$$;
DO $$
BEGIN
    EXECUTE format('GRANT erp_app TO %I', current_user);
EXCEPTION WHEN OTHERS THEN
    -- already a member, or a superuser (who may SET ROLE anyway)
    NULL;
END
$$;
GRANT USAGE ON SCHEMA public TO erp_app;

CREATE FUNCTION app_company_ids() RETURNS uuid[]
    LANGUAGE sql STABLE
AS $$ SELECT coalesce(nullif(current_setting('app.company_ids', true), ''), '{}')::uuid[] $$;

CREATE FUNCTION app_user_id() RETURNS uuid
    LANGUAGE sql STABLE
AS $$ SELECT nullif(current_setting('app.user_id', true), '')::uuid $$;

CREATE TABLE companies (
    id          uuid PRIMARY KEY,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    legal_name  text NOT NULL CHECK (length(legal_name) BETWEEN 1 AND 300),
    rtn         text CHECK (rtn ~ '^[0-9]{14}$'),
    currency    char(3) NOT NULL DEFAULT 'HNL' CHECK (currency IN ('HNL', 'USD')),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX companies_name_key ON companies (lower(name));

CREATE TABLE users (
    id            uuid PRIMARY KEY,
    email         text NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+$' AND length(email) <= 254),
    display_name  text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    password_hash text NOT NULL,
    locale        text NOT NULL DEFAULT 'es-HN' CHECK (locale IN ('es-HN', 'en')),
    active        boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

-- The built-in roles; the permissions of each live in `erp::roles`.
CREATE TABLE memberships (
    user_id     uuid NOT NULL REFERENCES users (id),
    company_id  uuid NOT NULL REFERENCES companies (id),
    role        text NOT NULL CHECK (role IN ('group_admin', 'company_admin', 'accountant',
                                              'sales', 'warehouse', 'read_only')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, company_id)
);
CREATE INDEX memberships_company_idx ON memberships (company_id);

ALTER TABLE companies ENABLE ROW LEVEL SECURITY;
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;

-- A membership is visible to its own user and inside the selected companies.
CREATE POLICY memberships_visible ON memberships FOR SELECT TO erp_app
    USING (company_id = ANY (app_company_ids()) OR user_id = app_user_id());

-- A company is visible when selected, or when the current user belongs to it
-- (that is how the company switcher lists the choices).
CREATE POLICY companies_visible ON companies FOR SELECT TO erp_app
    USING (id = ANY (app_company_ids())
           OR EXISTS (SELECT 1 FROM memberships m
                      WHERE m.company_id = companies.id AND m.user_id = app_user_id()));

-- A user row is visible to that user and to anyone looking at a company they belong to.
CREATE POLICY users_visible ON users FOR SELECT TO erp_app
    USING (id = app_user_id()
           OR EXISTS (SELECT 1 FROM memberships m
                      WHERE m.user_id = users.id AND m.company_id = ANY (app_company_ids())));
CREATE POLICY users_update_self ON users FOR UPDATE TO erp_app
    USING (id = app_user_id()) WITH CHECK (id = app_user_id());

GRANT SELECT ON companies, memberships TO erp_app;
GRANT SELECT, UPDATE (locale, display_name) ON users TO erp_app;

-- Login has to find a user before any tenant is known: one narrow definer
-- function that returns what password verification needs and nothing else.
CREATE FUNCTION auth_lookup(p_email text)
    RETURNS TABLE (user_id uuid, password_hash text, active boolean)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$ SELECT id, password_hash, active FROM users WHERE lower(email) = lower(p_email) $$;
REVOKE ALL ON FUNCTION auth_lookup(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_lookup(text) TO erp_app;

-- Who did what, written in the same transaction as the change.
CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    company_id  uuid REFERENCES companies (id),
    user_id     uuid REFERENCES users (id),
    action      text NOT NULL,
    entity      text NOT NULL,
    entity_id   text NOT NULL,
    detail      jsonb NOT NULL DEFAULT '{}',
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_company_idx ON audit_log (company_id, at DESC);
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
-- Company rows inside the selection; group-wide rows (no company) by their author.
CREATE POLICY audit_log_read ON audit_log FOR SELECT TO erp_app
    USING (company_id = ANY (app_company_ids()) OR (company_id IS NULL AND user_id = app_user_id()));
CREATE POLICY audit_log_write ON audit_log FOR INSERT TO erp_app
    WITH CHECK ((company_id = ANY (app_company_ids()) OR company_id IS NULL)
                AND user_id IS NOT DISTINCT FROM app_user_id());
GRANT SELECT, INSERT ON audit_log TO erp_app;
