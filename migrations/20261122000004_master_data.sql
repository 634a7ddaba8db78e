-- Master data of every company: fiscal settings, branches (SAR establishments)
-- with their emission points, warehouses, parties, the catalog, the chart of
-- accounts and the ISV tax codes. Every table carries company_id and is
-- guarded by the same row-level security rule as the tenancy tables.
--
-- Child rows reference their parent together with company_id (composite
-- foreign keys), so a row can never point into another company.

CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Lower-case, accent-free text for search and for sorting names the way a
-- Spanish reader expects ("Ávila" beside "avila", not after "zorro").
-- The SET clause keeps PostgreSQL from inlining the body (unaccent itself is
-- only STABLE): called with a constant, the function folds to a constant at
-- planning, which is what lets `LIKE '%' || search_norm($1) || '%'` use the
-- trigram index.
CREATE FUNCTION search_norm(text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = public, pg_temp
AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$;

-- Companies: contact data and fiscal settings; `name` is the trade name.
ALTER TABLE companies
    ADD COLUMN address text NOT NULL DEFAULT '' CHECK (length(address) <= 500),
    ADD COLUMN phone text NOT NULL DEFAULT '' CHECK (length(phone) <= 50),
    ADD COLUMN email text NOT NULL DEFAULT '' CHECK (length(email) <= 254),
    ADD COLUMN require_totp boolean NOT NULL DEFAULT false,
    -- warn when fewer fiscal numbers than this remain in a CAI range
    ADD COLUMN fiscal_warn_remaining integer NOT NULL DEFAULT 100
        CHECK (fiscal_warn_remaining BETWEEN 0 AND 1000000),
    -- warn this many days before a CAI range's deadline
    ADD COLUMN fiscal_warn_days integer NOT NULL DEFAULT 30
        CHECK (fiscal_warn_days BETWEEN 0 AND 365),
    ADD COLUMN version integer NOT NULL DEFAULT 1,
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

CREATE POLICY companies_update ON companies FOR UPDATE TO erp_app
    USING (id = ANY (app_company_ids())) WITH CHECK (id = ANY (app_company_ids()));
GRANT UPDATE (name, legal_name, rtn, currency, address, phone, email, require_totp,
              fiscal_warn_remaining, fiscal_warn_days, version, updated_at)
    ON companies TO erp_app;

-- Branches are SAR establishments: a three-digit code per company.
CREATE TABLE branches (
    id           uuid PRIMARY KEY,
    company_id   uuid NOT NULL REFERENCES companies (id),
    code         text NOT NULL CHECK (code ~ '^[0-9]{3}$'),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    address      text NOT NULL DEFAULT '' CHECK (length(address) <= 500),
    phone        text NOT NULL DEFAULT '' CHECK (length(phone) <= 50),
    archived_at  timestamptz,
    version      integer NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (company_id, code),
    UNIQUE (company_id, id)
);

-- Emission points (puntos de emisión) of a branch: three digits per branch.
CREATE TABLE emission_points (
    id           uuid PRIMARY KEY,
    company_id   uuid NOT NULL,
    branch_id    uuid NOT NULL,
    code         text NOT NULL CHECK (code ~ '^[0-9]{3}$'),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    archived_at  timestamptz,
    version      integer NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (company_id, branch_id) REFERENCES branches (company_id, id),
    UNIQUE (branch_id, code),
    UNIQUE (company_id, id)
);

CREATE TABLE warehouses (
    id           uuid PRIMARY KEY,
    company_id   uuid NOT NULL,
    branch_id    uuid NOT NULL,
    code         text NOT NULL CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$'),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    archived_at  timestamptz,
    version      integer NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (company_id, branch_id) REFERENCES branches (company_id, id),
    UNIQUE (company_id, code),
    UNIQUE (company_id, id)
);

-- Customers and suppliers. A NULL rtn is "Consumidor Final".
CREATE TABLE parties (
    id                  uuid PRIMARY KEY,
    company_id          uuid NOT NULL REFERENCES companies (id),
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    rtn                 text CHECK (rtn ~ '^[0-9]{14}$'),
    is_customer         boolean NOT NULL,
    is_supplier         boolean NOT NULL,
    email               text NOT NULL DEFAULT '' CHECK (length(email) <= 254),
    phone               text NOT NULL DEFAULT '' CHECK (length(phone) <= 50),
    address             text NOT NULL DEFAULT '' CHECK (length(address) <= 500),
    city                text NOT NULL DEFAULT '' CHECK (length(city) <= 100),
    payment_terms_days  integer NOT NULL DEFAULT 0 CHECK (payment_terms_days BETWEEN 0 AND 365),
    credit_limit        numeric(18, 2) NOT NULL DEFAULT 0 CHECK (credit_limit >= 0),
    notes               text NOT NULL DEFAULT '' CHECK (length(notes) <= 2000),
    contacts            jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(contacts) = 'array'),
    archived_at         timestamptz,
    version             integer NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    name_key            text GENERATED ALWAYS AS (search_norm(name)) STORED,
    search              text GENERATED ALWAYS AS (search_norm(name || ' ' || coalesce(rtn, ''))) STORED,
    CHECK (is_customer OR is_supplier),
    UNIQUE (company_id, id)
);
CREATE UNIQUE INDEX parties_rtn_key ON parties (company_id, rtn) WHERE rtn IS NOT NULL;
CREATE INDEX parties_name_idx ON parties (company_id, name_key, id);
CREATE INDEX parties_created_idx ON parties (company_id, created_at, id);
CREATE INDEX parties_search_idx ON parties USING gin (search gin_trgm_ops);

CREATE TABLE product_categories (
    id           uuid PRIMARY KEY,
    company_id   uuid NOT NULL REFERENCES companies (id),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    archived_at  timestamptz,
    version      integer NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (company_id, id)
);
CREATE UNIQUE INDEX product_categories_name_key ON product_categories (company_id, search_norm(name));

CREATE TABLE products (
    id           uuid PRIMARY KEY,
    company_id   uuid NOT NULL REFERENCES companies (id),
    sku          text NOT NULL CHECK (sku ~ '^[A-Z0-9][A-Z0-9._/-]{0,39}$'),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    category_id  uuid,
    unit         text NOT NULL DEFAULT 'unidad' CHECK (length(unit) BETWEEN 1 AND 20),
    sale_price   numeric(18, 2) NOT NULL CHECK (sale_price >= 0),
    cost         numeric(18, 4) NOT NULL DEFAULT 0 CHECK (cost >= 0),
    tax_class    text NOT NULL CHECK (tax_class IN ('isv15', 'isv18', 'exempt', 'exonerated')),
    tracking     text NOT NULL DEFAULT 'none' CHECK (tracking IN ('none', 'serial')),
    is_vehicle   boolean NOT NULL DEFAULT false,
    active       boolean NOT NULL DEFAULT true,
    description  text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    archived_at  timestamptz,
    version      integer NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    name_key     text GENERATED ALWAYS AS (search_norm(name)) STORED,
    search       text GENERATED ALWAYS AS (search_norm(name || ' ' || sku)) STORED,
    -- a vehicle is always tracked by its VIN
    CHECK (NOT is_vehicle OR tracking = 'serial'),
    FOREIGN KEY (company_id, category_id) REFERENCES product_categories (company_id, id),
    UNIQUE (company_id, sku),
    UNIQUE (company_id, id)
);
CREATE INDEX products_name_idx ON products (company_id, name_key, id);
CREATE INDEX products_created_idx ON products (company_id, created_at, id);
CREATE INDEX products_search_idx ON products USING gin (search gin_trgm_ops);

-- Serial numbers of tracked products; for vehicles the VIN.
CREATE TABLE serial_numbers (
    id          uuid PRIMARY KEY,
    company_id  uuid NOT NULL,
    product_id  uuid NOT NULL,
    serial      text NOT NULL CHECK (serial ~ '^[A-Z0-9-]{1,40}$'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (company_id, product_id) REFERENCES products (company_id, id),
    UNIQUE (company_id, serial)
);
CREATE INDEX serial_numbers_product_idx ON serial_numbers (product_id);
CREATE INDEX serial_numbers_search_idx ON serial_numbers USING gin (lower(serial) gin_trgm_ops);

-- The chart of accounts. Headers group accounts; only postable ones take entries.
CREATE TABLE accounts (
    id          uuid PRIMARY KEY,
    company_id  uuid NOT NULL REFERENCES companies (id),
    code        text NOT NULL CHECK (code ~ '^[0-9]{1,12}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind        text NOT NULL CHECK (kind IN ('asset', 'liability', 'equity', 'income', 'expense')),
    parent_id   uuid,
    postable    boolean NOT NULL DEFAULT true,
    active      boolean NOT NULL DEFAULT true,
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (company_id, parent_id) REFERENCES accounts (company_id, id),
    UNIQUE (company_id, code),
    UNIQUE (company_id, id)
);

-- ISV tax codes; the account is where the tax collected is owed.
CREATE TABLE tax_codes (
    id          uuid PRIMARY KEY,
    company_id  uuid NOT NULL REFERENCES companies (id),
    tax_class   text NOT NULL CHECK (tax_class IN ('isv15', 'isv18', 'exempt', 'exonerated')),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    rate        numeric(6, 4) NOT NULL CHECK (rate >= 0 AND rate < 1),
    account_id  uuid,
    version     integer NOT NULL DEFAULT 1,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (company_id, account_id) REFERENCES accounts (company_id, id),
    UNIQUE (company_id, tax_class)
);

-- One tenancy rule for every master-data table: rows of the selected companies.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['branches', 'emission_points', 'warehouses', 'parties',
                             'product_categories', 'products', 'serial_numbers',
                             'accounts', 'tax_codes']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I TO erp_app
                            USING (company_id = ANY (app_company_ids()))
                            WITH CHECK (company_id = ANY (app_company_ids()))',
                       t || '_tenant', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE ON %I TO erp_app', t);
    END LOOP;
END
$$;
-- Accounts nobody references may be deleted (references make that fail).
GRANT DELETE ON accounts TO erp_app;

-- What every new company starts with: head office 001 with emission point
-- 001 and a warehouse, the default chart of accounts, the four ISV codes.
CREATE FUNCTION seed_company_defaults(p_company uuid) RETURNS void
    LANGUAGE plpgsql
AS $$
DECLARE
    v_branch uuid := gen_random_uuid();
BEGIN
    INSERT INTO branches (id, company_id, code, name)
        VALUES (v_branch, p_company, '001', 'Casa matriz');
    INSERT INTO emission_points (id, company_id, branch_id, code, name)
        VALUES (gen_random_uuid(), p_company, v_branch, '001', 'Caja principal');
    INSERT INTO warehouses (id, company_id, branch_id, code, name)
        VALUES (gen_random_uuid(), p_company, v_branch, 'BOD-01', 'Bodega principal');

    INSERT INTO accounts (id, company_id, code, name, kind, postable)
    SELECT gen_random_uuid(), p_company, code, name, kind, postable
      FROM (VALUES
        ('1',    'Activo',                                  'asset',     false),
        ('11',   'Activo corriente',                        'asset',     false),
        ('1101', 'Caja general',                            'asset',     true),
        ('1102', 'Caja chica',                              'asset',     true),
        ('1103', 'Bancos',                                  'asset',     true),
        ('1104', 'Cuentas por cobrar a clientes',           'asset',     true),
        ('1105', 'Estimación para cuentas incobrables',     'asset',     true),
        ('1106', 'ISV pagado (crédito fiscal)',             'asset',     true),
        ('1107', 'Inventario de vehículos',                 'asset',     true),
        ('1108', 'Inventario de repuestos y accesorios',    'asset',     true),
        ('1109', 'Anticipos a proveedores',                 'asset',     true),
        ('1110', 'Pagos a cuenta del ISR',                  'asset',     true),
        ('12',   'Activo no corriente',                     'asset',     false),
        ('1201', 'Terrenos',                                'asset',     true),
        ('1202', 'Edificios e instalaciones',               'asset',     true),
        ('1203', 'Mobiliario y equipo',                     'asset',     true),
        ('1204', 'Vehículos de uso',                        'asset',     true),
        ('1205', 'Depreciación acumulada',                  'asset',     true),
        ('2',    'Pasivo',                                  'liability', false),
        ('21',   'Pasivo corriente',                        'liability', false),
        ('2101', 'Cuentas por pagar a proveedores',         'liability', true),
        ('2102', 'ISV por pagar 15 %',                      'liability', true),
        ('2103', 'ISV por pagar 18 %',                      'liability', true),
        ('2104', 'Retenciones por pagar',                   'liability', true),
        ('2105', 'IHSS y RAP por pagar',                    'liability', true),
        ('2106', 'Sueldos por pagar',                       'liability', true),
        ('2107', 'Anticipos de clientes',                   'liability', true),
        ('22',   'Pasivo no corriente',                     'liability', false),
        ('2201', 'Préstamos bancarios a largo plazo',       'liability', true),
        ('3',    'Patrimonio',                              'equity',    false),
        ('3101', 'Capital social',                          'equity',    true),
        ('3102', 'Reserva legal',                           'equity',    true),
        ('3103', 'Utilidades acumuladas',                   'equity',    true),
        ('3104', 'Resultado del ejercicio',                 'equity',    true),
        ('4',    'Ingresos',                                'income',    false),
        ('4101', 'Ventas de vehículos',                     'income',    true),
        ('4102', 'Ventas de repuestos y accesorios',        'income',    true),
        ('4103', 'Servicios de taller',                     'income',    true),
        ('4104', 'Ventas exentas',                          'income',    true),
        ('4105', 'Ventas exoneradas',                       'income',    true),
        ('4106', 'Devoluciones y descuentos sobre ventas',  'income',    true),
        ('4201', 'Otros ingresos',                          'income',    true),
        ('5',    'Costos',                                  'expense',   false),
        ('5101', 'Costo de vehículos vendidos',             'expense',   true),
        ('5102', 'Costo de repuestos vendidos',             'expense',   true),
        ('6',    'Gastos de operación',                     'expense',   false),
        ('6101', 'Sueldos y salarios',                      'expense',   true),
        ('6102', 'Aportes patronales IHSS, RAP e INFOP',    'expense',   true),
        ('6103', 'Alquileres',                              'expense',   true),
        ('6104', 'Energía eléctrica y agua',                'expense',   true),
        ('6105', 'Teléfono e internet',                     'expense',   true),
        ('6106', 'Combustibles y lubricantes',              'expense',   true),
        ('6107', 'Depreciaciones',                          'expense',   true),
        ('6108', 'Publicidad',                              'expense',   true),
        ('6109', 'Comisiones y gastos bancarios',           'expense',   true),
        ('6110', 'Diferencial cambiario',                   'expense',   true)
      ) AS chart (code, name, kind, postable);

    -- Each account's parent is the account with the longest code that prefixes it.
    UPDATE accounts a
       SET parent_id = (SELECT p.id FROM accounts p
                         WHERE p.company_id = a.company_id AND p.code <> a.code
                           AND a.code LIKE p.code || '%'
                         ORDER BY length(p.code) DESC LIMIT 1)
     WHERE a.company_id = p_company;

    INSERT INTO tax_codes (id, company_id, tax_class, name, rate, account_id)
    SELECT gen_random_uuid(), p_company, t.tax_class, t.name, t.rate,
           (SELECT id FROM accounts WHERE company_id = p_company AND code = t.account_code)
      FROM (VALUES
        ('isv15',      'ISV 15 %',  0.15, '2102'),
        ('isv18',      'ISV 18 %',  0.18, '2103'),
        ('exempt',     'Exento',    0,    NULL),
        ('exonerated', 'Exonerado', 0,    NULL)
      ) AS t (tax_class, name, rate, account_code);
END
$$;

CREATE FUNCTION companies_seed_defaults() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM seed_company_defaults(NEW.id);
    RETURN NEW;
END
$$;
CREATE TRIGGER companies_seed_defaults AFTER INSERT ON companies
    FOR EACH ROW EXECUTE FUNCTION companies_seed_defaults();

SELECT seed_company_defaults(id) FROM companies;

-- The audit page reads newest first, per company and per record.
CREATE INDEX audit_log_company_id_idx ON audit_log (company_id, id DESC);
CREATE INDEX audit_log_entity_idx ON audit_log (company_id, entity, entity_id, id DESC);
