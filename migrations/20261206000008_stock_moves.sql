-- The stock ledger. Every change of stock is a move (product, unit or
-- quantity, from a location, to a location, value) written once by a stock
-- document and never changed; a wrong document is reversed by another one.
-- What is on hand is the sum of moves; the database keeps that sum per
-- location and product as moves are written, and refuses a move that would
-- take a held location (a warehouse's or the in-transit one) below zero.
--
-- Value: a vehicle (a product tracked by serial number) carries its own cost
-- (NIIF para PYMES 13.17): what it was bought for plus its share of landed
-- costs. Everything else is valued at the weighted average of what is held
-- (13.18): `stock_values` keeps quantity and value per product, and an issue
-- takes value * issued / held (all of it for the last unit, so nothing is
-- left over by rounding).
--
-- Each document books one journal entry in the same transaction, from the
-- accounts mapped below, so the valuation and the ledger's inventory
-- accounts agree to the cent.

-- Accounts the stock entries use, added to the chart of every company.
ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_purpose_check;
ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_purpose_check CHECK (purpose IN (
    'receivable', 'cash', 'bank', 'card',
    'revenue_isv15', 'revenue_isv18', 'revenue_exempt', 'revenue_exonerated',
    'sales_returns',
    'inventory_vehicles', 'inventory_parts', 'inventory_transit', 'goods_received',
    'cost_vehicles', 'cost_parts', 'stock_adjustment'));

ALTER TABLE journal_entries DROP CONSTRAINT journal_entries_source_kind_check;
ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_source_kind_check
    CHECK (source_kind IN ('invoice', 'credit_note', 'payment', 'manual', 'reversal', 'stock'));

CREATE FUNCTION seed_stock_accounts(p_company uuid) RETURNS void
    LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO accounts (id, company_id, code, name, kind, postable, parent_id)
    SELECT gen_random_uuid(), p_company, n.code, n.name, n.kind, true,
           (SELECT id FROM accounts WHERE company_id = p_company AND code = n.parent)
      FROM (VALUES
        ('1112', 'Inventario en tránsito',                'asset',     '11'),
        ('2108', 'Mercadería recibida por facturar',      'liability', '21'),
        ('6111', 'Faltantes y sobrantes de inventario',   'expense',   '6')
      ) AS n (code, name, kind, parent)
    ON CONFLICT (company_id, code) DO NOTHING;

    INSERT INTO ledger_accounts (company_id, purpose, account_id)
    SELECT p_company, m.purpose, a.id
      FROM (VALUES
        ('inventory_vehicles', '1107'),
        ('inventory_parts',    '1108'),
        ('inventory_transit',  '1112'),
        ('goods_received',     '2108'),
        ('cost_vehicles',      '5101'),
        ('cost_parts',         '5102'),
        ('stock_adjustment',   '6111')
      ) AS m (purpose, code)
      JOIN accounts a ON a.company_id = p_company AND a.code = m.code
    ON CONFLICT DO NOTHING;
END
$$;

CREATE FUNCTION companies_seed_stock() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM seed_stock_accounts(NEW.id);
    RETURN NEW;
END
$$;
-- Fires after companies_seed_defaults (name order), so the chart exists.
CREATE TRIGGER companies_seed_stock AFTER INSERT ON companies
    FOR EACH ROW EXECUTE FUNCTION companies_seed_stock();
SELECT seed_stock_accounts(id) FROM companies;

-- Vehicles by unit: the serial number (VIN) row carries what the unit is,
-- where it is, what it cost and its state. Where and what it cost are the
-- stock ledger's to set (the application may not write them).
ALTER TABLE serial_numbers
    ADD COLUMN engine_no   text NOT NULL DEFAULT '' CHECK (engine_no ~ '^[A-Z0-9-]{0,30}$'),
    ADD COLUMN colour      text NOT NULL DEFAULT '' CHECK (length(colour) <= 40),
    ADD COLUMN model_year  integer CHECK (model_year BETWEEN 1950 AND 2100),
    ADD COLUMN location_id uuid,
    ADD COLUMN cost        numeric(18, 2) NOT NULL DEFAULT 0 CHECK (cost >= 0),
    -- registered (known, never received), in_transit, available, reserved,
    -- delivered, returned (back from a customer, sellable), lost
    ADD COLUMN status      text NOT NULL DEFAULT 'registered' CHECK (status IN (
        'registered', 'in_transit', 'available', 'reserved', 'delivered', 'returned', 'lost')),
    ADD COLUMN reserved_by uuid,
    ADD CONSTRAINT serial_numbers_company_id_id_key UNIQUE (company_id, id),
    ADD FOREIGN KEY (company_id, location_id) REFERENCES stock_locations (company_id, id);
CREATE INDEX serial_numbers_location_idx ON serial_numbers (company_id, location_id, product_id);
REVOKE UPDATE ON serial_numbers FROM erp_app;
GRANT UPDATE (engine_no, colour, model_year) ON serial_numbers TO erp_app;

-- A sales line may name the unit it sells (a vehicle's VIN): an order
-- reserves it when confirmed, an invoice's delivery takes it.
ALTER TABLE sales_document_lines
    ADD COLUMN serial_id uuid,
    ADD FOREIGN KEY (company_id, serial_id) REFERENCES serial_numbers (company_id, id);

-- A unit is promised to one sales document at a time. The application may
-- set or clear the promise; the state follows it here, and a unit that is
-- promised already, or not in stock to sell, cannot be promised again.
GRANT UPDATE (reserved_by) ON serial_numbers TO erp_app;
CREATE FUNCTION serial_numbers_reservation() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    IF NEW.reserved_by IS NOT DISTINCT FROM OLD.reserved_by OR NEW.status <> OLD.status THEN
        RETURN NEW; -- not a change of promise, or the stock ledger sets the state itself
    END IF;
    IF NEW.reserved_by IS NOT NULL THEN
        IF OLD.reserved_by IS NOT NULL OR OLD.status NOT IN ('in_transit', 'available', 'returned') THEN
            RAISE EXCEPTION 'unit % is reserved or not in stock', OLD.serial
                USING ERRCODE = 'check_violation', CONSTRAINT = 'stock_unit_reserved';
        END IF;
        NEW.status := 'reserved';
    ELSIF OLD.status = 'reserved' THEN
        NEW.status := CASE (SELECT kind FROM stock_locations WHERE id = OLD.location_id)
                        WHEN 'transit' THEN 'in_transit' ELSE 'available' END;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER serial_numbers_reservation BEFORE UPDATE OF reserved_by ON serial_numbers
    FOR EACH ROW EXECUTE FUNCTION serial_numbers_reservation();

CREATE TABLE stock_documents (
    id                uuid PRIMARY KEY,
    company_id        uuid NOT NULL REFERENCES companies (id),
    kind              text NOT NULL CHECK (kind IN ('receipt', 'transfer', 'count', 'delivery', 'return', 'landed_cost')),
    doc_no            integer NOT NULL,
    doc_date          date NOT NULL,
    -- the supplier of a receipt, the customer of a delivery or return
    party_id          uuid,
    -- what the other side calls it: the supplier's delivery note, a DUA
    reference         text NOT NULL DEFAULT '' CHECK (length(reference) <= 100),
    memo              text NOT NULL DEFAULT '' CHECK (length(memo) <= 500),
    -- the invoice a delivery delivers, the credit note a return takes back
    sales_document_id uuid,
    -- the document this one cancels; a document is reversed at most once
    reverses_id       uuid UNIQUE,
    journal_entry_id  uuid,
    created_by        uuid REFERENCES users (id),
    created_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (company_id, kind, doc_no),
    UNIQUE (company_id, id),
    FOREIGN KEY (company_id, party_id) REFERENCES parties (company_id, id),
    FOREIGN KEY (company_id, sales_document_id) REFERENCES sales_documents (company_id, id),
    FOREIGN KEY (company_id, reverses_id) REFERENCES stock_documents (company_id, id),
    FOREIGN KEY (company_id, journal_entry_id) REFERENCES journal_entries (company_id, id)
);
-- "REC-00012": how people name a stock document.
CREATE FUNCTION stock_document_number(p_kind text, p_no integer) RETURNS text
    LANGUAGE sql IMMUTABLE
AS $$
    SELECT (CASE p_kind WHEN 'receipt' THEN 'REC' WHEN 'transfer' THEN 'TRA' WHEN 'count' THEN 'CON'
                        WHEN 'delivery' THEN 'ENT' WHEN 'return' THEN 'DEV' ELSE 'COS' END)
           || '-' || lpad(p_no::text, 5, '0')
$$;
CREATE INDEX stock_documents_date_idx ON stock_documents (company_id, doc_date DESC, id DESC);

CREATE TABLE stock_moves (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    company_id       uuid NOT NULL,
    document_id      uuid NOT NULL,
    line_no          integer NOT NULL CHECK (line_no >= 0),
    move_date        date NOT NULL,
    product_id       uuid NOT NULL,
    -- the unit moved, for products tracked by serial number
    serial_id        uuid,
    -- 0 moves value only (landed cost on units already held)
    quantity         numeric(18, 4) NOT NULL CHECK (quantity >= 0),
    from_location_id uuid NOT NULL,
    to_location_id   uuid NOT NULL,
    value            numeric(18, 2) NOT NULL CHECK (value >= 0),
    -- the invoice or credit note line a delivery or return carries out
    sales_line_id    uuid,
    unit_cost        numeric(18, 4) GENERATED ALWAYS AS
                         (CASE WHEN quantity > 0 THEN round(value / quantity, 4) END) STORED,
    CHECK (from_location_id <> to_location_id),
    CHECK (quantity > 0 OR value > 0),
    CHECK (serial_id IS NULL OR quantity IN (0, 1)),
    UNIQUE (document_id, line_no),
    FOREIGN KEY (company_id, document_id) REFERENCES stock_documents (company_id, id),
    FOREIGN KEY (company_id, product_id) REFERENCES products (company_id, id),
    FOREIGN KEY (company_id, serial_id) REFERENCES serial_numbers (company_id, id),
    FOREIGN KEY (company_id, from_location_id) REFERENCES stock_locations (company_id, id),
    FOREIGN KEY (company_id, to_location_id) REFERENCES stock_locations (company_id, id),
    FOREIGN KEY (company_id, sales_line_id) REFERENCES sales_document_lines (company_id, id)
);
CREATE INDEX stock_moves_sales_line_idx ON stock_moves (sales_line_id) WHERE sales_line_id IS NOT NULL;
CREATE INDEX stock_moves_product_idx ON stock_moves (company_id, product_id, move_date);
CREATE INDEX stock_moves_serial_idx ON stock_moves (serial_id) WHERE serial_id IS NOT NULL;
CREATE INDEX stock_moves_document_idx ON stock_moves (document_id);

-- What a landed-cost document spread, by kind of cost (the DUA's freight,
-- DAI, selectivo, insurance, the broker's fees).
CREATE TABLE stock_landed_costs (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    company_id   uuid NOT NULL,
    document_id  uuid NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('freight', 'dai', 'selectivo', 'insurance', 'broker', 'other')),
    amount       numeric(18, 2) NOT NULL CHECK (amount > 0),
    FOREIGN KEY (company_id, document_id) REFERENCES stock_documents (company_id, id)
);
CREATE INDEX stock_landed_costs_document_idx ON stock_landed_costs (document_id);

-- What a count found, line by line (a count that finds what was expected
-- moves nothing but is still on record).
CREATE TABLE stock_count_lines (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    company_id   uuid NOT NULL,
    document_id  uuid NOT NULL,
    location_id  uuid NOT NULL,
    product_id   uuid NOT NULL,
    expected     numeric(18, 4) NOT NULL CHECK (expected >= 0),
    counted      numeric(18, 4) NOT NULL CHECK (counted >= 0),
    -- the units found, for products tracked by serial number
    found        uuid[] NOT NULL DEFAULT '{}',
    FOREIGN KEY (company_id, document_id) REFERENCES stock_documents (company_id, id),
    FOREIGN KEY (company_id, location_id) REFERENCES stock_locations (company_id, id),
    FOREIGN KEY (company_id, product_id) REFERENCES products (company_id, id)
);
CREATE INDEX stock_count_lines_document_idx ON stock_count_lines (document_id);

-- Quantity on hand per held location and product.
CREATE TABLE stock_on_hand (
    company_id   uuid NOT NULL,
    location_id  uuid NOT NULL,
    product_id   uuid NOT NULL,
    quantity     numeric(18, 4) NOT NULL CONSTRAINT stock_not_negative CHECK (quantity >= 0),
    PRIMARY KEY (company_id, location_id, product_id),
    FOREIGN KEY (company_id, location_id) REFERENCES stock_locations (company_id, id),
    FOREIGN KEY (company_id, product_id) REFERENCES products (company_id, id)
);
CREATE INDEX stock_on_hand_product_idx ON stock_on_hand (company_id, product_id);

-- Quantity and value held per product (all held locations together): the
-- weighted average is value / quantity.
CREATE TABLE stock_values (
    company_id  uuid NOT NULL,
    product_id  uuid NOT NULL,
    quantity    numeric(18, 4) NOT NULL CONSTRAINT stock_not_negative_total CHECK (quantity >= 0),
    value       numeric(18, 2) NOT NULL CONSTRAINT stock_value_not_negative CHECK (value >= 0),
    CONSTRAINT stock_value_needs_quantity CHECK (quantity > 0 OR value = 0),
    PRIMARY KEY (company_id, product_id),
    FOREIGN KEY (company_id, product_id) REFERENCES products (company_id, id)
);

-- Apply a statement's moves: quantities per held location, quantity and
-- value per product, and each unit's place, cost and state. Postings of
-- the same product are serialised by the application (an advisory lock
-- per product, taken in product order), so these rows have one writer.
CREATE FUNCTION stock_moves_apply() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    v_bad record;
BEGIN
    -- (each statement joins the moves to their locations again: a temporary
    -- table would be created and dropped in every posting transaction)
    SELECT m.product_id, m.serial_id INTO v_bad
      FROM new_moves m JOIN products p ON p.id = m.product_id
     WHERE (p.tracking = 'serial') <> (m.serial_id IS NOT NULL) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'product % is moved % a unit', v_bad.product_id,
            CASE WHEN v_bad.serial_id IS NULL THEN 'without' ELSE 'with' END
            USING ERRCODE = 'check_violation', CONSTRAINT = 'stock_move_unit';
    END IF;

    -- Rows that exist are updated, the others inserted (not one INSERT ...
    -- ON CONFLICT: PostgreSQL checks the proposed row's CHECKs before it
    -- finds the conflict, so a decrease of an existing row would fail as a
    -- negative new one). A decrease where nothing is held is a new negative
    -- row, which the CHECK refuses.
    WITH d AS (
        SELECT x.company_id, x.location_id, x.product_id, sum(x.delta) AS delta
          FROM (SELECT m.company_id, m.to_location_id AS location_id, m.product_id, m.quantity AS delta
                  FROM new_moves m JOIN stock_locations t ON t.id = m.to_location_id
                 WHERE t.kind IN ('internal', 'transit')
                UNION ALL
                SELECT m.company_id, m.from_location_id, m.product_id, -m.quantity
                  FROM new_moves m JOIN stock_locations f ON f.id = m.from_location_id
                 WHERE f.kind IN ('internal', 'transit')) x
         GROUP BY 1, 2, 3
        HAVING sum(x.delta) <> 0),
    up AS (
        UPDATE stock_on_hand s SET quantity = s.quantity + d.delta
          FROM d
         WHERE s.company_id = d.company_id AND s.location_id = d.location_id AND s.product_id = d.product_id
        RETURNING s.location_id, s.product_id)
    INSERT INTO stock_on_hand (company_id, location_id, product_id, quantity)
    SELECT d.company_id, d.location_id, d.product_id, d.delta
      FROM d
     WHERE NOT EXISTS (SELECT 1 FROM up WHERE up.location_id = d.location_id AND up.product_id = d.product_id);

    -- Value enters or leaves held stock only across its edge: a transfer
    -- between two held locations changes neither quantity nor value.
    WITH d AS (
        SELECT m.company_id, m.product_id,
               sum(CASE WHEN t.kind IN ('internal', 'transit') THEN m.quantity ELSE -m.quantity END) AS quantity,
               sum(CASE WHEN t.kind IN ('internal', 'transit') THEN m.value ELSE -m.value END) AS value
          FROM new_moves m
          JOIN stock_locations f ON f.id = m.from_location_id
          JOIN stock_locations t ON t.id = m.to_location_id
         WHERE (f.kind IN ('internal', 'transit')) <> (t.kind IN ('internal', 'transit'))
         GROUP BY 1, 2),
    up AS (
        UPDATE stock_values s SET quantity = s.quantity + d.quantity, value = s.value + d.value
          FROM d
         WHERE s.company_id = d.company_id AND s.product_id = d.product_id
        RETURNING s.product_id)
    INSERT INTO stock_values (company_id, product_id, quantity, value)
    SELECT d.company_id, d.product_id, d.quantity, d.value
      FROM d
     WHERE NOT EXISTS (SELECT 1 FROM up WHERE up.product_id = d.product_id);

    -- A unit moves from where it is (a new one comes from a supplier) at
    -- its own cost; a value-only move adds to or takes from that cost.
    SELECT s.serial INTO v_bad
      FROM new_moves m
      JOIN stock_locations f ON f.id = m.from_location_id
      JOIN stock_locations t ON t.id = m.to_location_id
      JOIN serial_numbers s ON s.id = m.serial_id
     WHERE CASE
             WHEN m.quantity = 0 THEN s.location_id IS DISTINCT FROM
                  (CASE WHEN t.kind IN ('internal', 'transit') THEN m.to_location_id ELSE m.from_location_id END)
                  OR (f.kind IN ('internal', 'transit')) = (t.kind IN ('internal', 'transit'))
             WHEN f.kind = 'supplier' THEN s.location_id IS NOT NULL AND s.location_id <> m.from_location_id
             ELSE s.location_id IS DISTINCT FROM m.from_location_id OR m.value <> s.cost
           END
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'unit % is not where the move takes it from, or moves at another value than its cost', v_bad.serial
            USING ERRCODE = 'check_violation', CONSTRAINT = 'stock_unit_position';
    END IF;
    SELECT m.serial_id INTO v_bad FROM new_moves m WHERE m.serial_id IS NOT NULL
     GROUP BY m.serial_id HAVING count(*) > 1 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'a unit moves once per document'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'stock_unit_position';
    END IF;

    UPDATE serial_numbers s
       SET location_id = CASE WHEN m.quantity = 0 THEN s.location_id ELSE m.to_location_id END,
           cost = CASE
                    WHEN m.quantity = 0 AND t.kind IN ('internal', 'transit') THEN s.cost + m.value
                    WHEN m.quantity = 0 THEN s.cost - m.value
                    WHEN f.kind = 'supplier' THEN m.value
                    ELSE s.cost
                  END,
           reserved_by = CASE WHEN m.quantity > 0 AND t.kind NOT IN ('internal', 'transit')
                              THEN NULL ELSE s.reserved_by END,
           status = CASE
                      WHEN m.quantity = 0 THEN s.status
                      WHEN s.reserved_by IS NOT NULL AND t.kind IN ('internal', 'transit') THEN 'reserved'
                      WHEN t.kind = 'transit' THEN 'in_transit'
                      WHEN t.kind = 'internal' AND (f.kind = 'customer' OR s.status = 'returned') THEN 'returned'
                      WHEN t.kind = 'internal' THEN 'available'
                      WHEN t.kind = 'customer' THEN 'delivered'
                      WHEN t.kind = 'loss' THEN 'lost'
                      ELSE 'registered'
                    END
      FROM new_moves m
      JOIN stock_locations f ON f.id = m.from_location_id
      JOIN stock_locations t ON t.id = m.to_location_id
     WHERE s.id = m.serial_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER stock_moves_apply AFTER INSERT ON stock_moves
    REFERENCING NEW TABLE AS new_moves
    FOR EACH STATEMENT EXECUTE FUNCTION stock_moves_apply();

-- Owner and operators too: a posted stock document or move never changes.
CREATE FUNCTION stock_immutable() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    RAISE EXCEPTION 'posted stock documents are never changed; reverse them'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'stock_document_immutable';
END
$$;
CREATE TRIGGER stock_documents_immutable BEFORE UPDATE OR DELETE ON stock_documents
    FOR EACH ROW EXECUTE FUNCTION stock_immutable();
CREATE TRIGGER stock_moves_immutable BEFORE UPDATE OR DELETE ON stock_moves
    FOR EACH ROW EXECUTE FUNCTION stock_immutable();
CREATE TRIGGER stock_count_lines_immutable BEFORE UPDATE OR DELETE ON stock_count_lines
    FOR EACH ROW EXECUTE FUNCTION stock_immutable();
CREATE TRIGGER stock_landed_costs_immutable BEFORE UPDATE OR DELETE ON stock_landed_costs
    FOR EACH ROW EXECUTE FUNCTION stock_immutable();

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['stock_documents', 'stock_moves', 'stock_count_lines',
                             'stock_landed_costs', 'stock_on_hand', 'stock_values']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I TO erp_app
                            USING (company_id = ANY (app_company_ids()))
                            WITH CHECK (company_id = ANY (app_company_ids()))',
                       t || '_tenant', t);
    END LOOP;
END
$$;
GRANT SELECT, INSERT ON stock_documents, stock_moves, stock_count_lines, stock_landed_costs TO erp_app;
GRANT SELECT ON stock_on_hand, stock_values TO erp_app;
