-- Where stock is. Internal locations belong to a warehouse (each warehouse
-- gets its main one; people add others: a yard, a showroom, a workshop).
-- The virtual ones are the other ends of moves: what comes from suppliers,
-- goes to customers, is on the road or in customs, or is lost. Each company
-- has exactly one of each, made by the database, and they cannot be changed
-- or archived (the CHECKs name why, the application shows it per field).
CREATE TABLE stock_locations (
    id           uuid PRIMARY KEY,
    company_id   uuid NOT NULL REFERENCES companies (id),
    kind         text NOT NULL DEFAULT 'internal'
        CHECK (kind IN ('internal', 'supplier', 'customer', 'transit', 'loss')),
    warehouse_id uuid,
    code         text NOT NULL CHECK (code ~ '^[A-Z0-9][A-Z0-9_-]{0,19}$'),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    archived_at  timestamptz,
    version      integer NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    name_key     text GENERATED ALWAYS AS (search_norm(name)) STORED,
    CONSTRAINT stock_locations_internal_in_a_warehouse
        CHECK ((kind = 'internal') = (warehouse_id IS NOT NULL)),
    CONSTRAINT stock_locations_virtual_kept CHECK (kind = 'internal' OR archived_at IS NULL),
    FOREIGN KEY (company_id, warehouse_id) REFERENCES warehouses (company_id, id),
    UNIQUE (company_id, code),
    UNIQUE (company_id, id)
);
CREATE UNIQUE INDEX stock_locations_one_virtual_each
    ON stock_locations (company_id, kind) WHERE kind <> 'internal';
CREATE INDEX stock_locations_name_idx ON stock_locations (company_id, name_key, id);
CREATE INDEX stock_locations_code_idx ON stock_locations (company_id, code, id);
CREATE INDEX stock_locations_created_idx ON stock_locations (company_id, created_at, id);
ALTER TABLE stock_locations ENABLE ROW LEVEL SECURITY;
CREATE POLICY stock_locations_tenant ON stock_locations TO erp_app
    USING (company_id = ANY (app_company_ids()))
    WITH CHECK (company_id = ANY (app_company_ids()));
GRANT SELECT, INSERT, UPDATE ON stock_locations TO erp_app;

-- A virtual location's kind, code and name never change, so the kind is
-- also protected against an UPDATE that would turn it into an internal one.
CREATE FUNCTION stock_locations_kind_fixed() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    IF NEW.kind <> OLD.kind OR (OLD.kind <> 'internal' AND (NEW.code, NEW.name) IS DISTINCT FROM (OLD.code, OLD.name)) THEN
        RAISE EXCEPTION 'the supplier, customer, transit and loss locations are fixed'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'stock_locations_virtual_kept';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER stock_locations_kind_fixed BEFORE UPDATE ON stock_locations
    FOR EACH ROW EXECUTE FUNCTION stock_locations_kind_fixed();

CREATE FUNCTION seed_virtual_locations(p_company uuid) RETURNS void
    LANGUAGE sql
AS $$
    INSERT INTO stock_locations (id, company_id, kind, code, name)
    SELECT gen_random_uuid(), p_company, kind, code, name
      FROM (VALUES
        ('supplier', 'PROVEEDORES', 'Proveedores'),
        ('customer', 'CLIENTES',    'Clientes'),
        ('transit',  'TRANSITO',    'En tránsito y aduana'),
        ('loss',     'PERDIDAS',    'Pérdidas de inventario')
      ) AS v (kind, code, name)
    ON CONFLICT DO NOTHING;
$$;

CREATE FUNCTION companies_seed_locations() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM seed_virtual_locations(NEW.id);
    RETURN NEW;
END
$$;
CREATE TRIGGER companies_seed_locations AFTER INSERT ON companies
    FOR EACH ROW EXECUTE FUNCTION companies_seed_locations();

-- Every warehouse has its main location, coded like the warehouse.
CREATE FUNCTION warehouses_main_location() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO stock_locations (id, company_id, kind, warehouse_id, code, name)
    VALUES (gen_random_uuid(), NEW.company_id, 'internal', NEW.id, upper(NEW.code), NEW.name)
    ON CONFLICT DO NOTHING;
    RETURN NEW;
END
$$;
CREATE TRIGGER warehouses_main_location AFTER INSERT ON warehouses
    FOR EACH ROW EXECUTE FUNCTION warehouses_main_location();

SELECT seed_virtual_locations(id) FROM companies;
INSERT INTO stock_locations (id, company_id, kind, warehouse_id, code, name)
SELECT gen_random_uuid(), company_id, 'internal', id, upper(code), name FROM warehouses
ON CONFLICT DO NOTHING;
