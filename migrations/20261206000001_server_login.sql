-- The login the serving roles (api, web, worker, scheduler) use in an install
-- of separate containers, instead of the owner's. It owns nothing and, being
-- NOINHERIT, can do nothing until it switches to erp_app with SET ROLE, as
-- every connection of the serving pool does; row-level security then applies.
-- It may read which migrations ran, to refuse to serve an older schema.
-- `appliance migrate` gives it LOGIN and its password (ERP_SERVER_PASSWORD_FILE);
-- without that, as under `appliance up`, it cannot log in at all.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'erp_server') THEN
        CREATE ROLE erp_server NOLOGIN NOINHERIT NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
END
$$;
GRANT erp_app TO erp_server;
GRANT SELECT ON _sqlx_migrations TO erp_server;
