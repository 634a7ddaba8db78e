-- Purchasing: orders to suppliers, receipts against them, the supplier's
-- bill with what the SAR's purchase book (libro de compras, DMC) needs,
-- withholding with its receipt (comprobante de retención) numbered from the
-- company's own CAI range, and paying suppliers in lempiras or dollars.
--
-- A bill is booked when it is recorded and never edited; a wrong one is
-- reversed (the opposite entry; it stops counting in the books and in what
-- the supplier is owed), like a customer payment.

-- Documents the company itself numbers from CAI ranges: the withholding
-- receipt, the remission guide of goods on the road, the purchase receipt
-- (boleta de compra) of a private seller.
ALTER TABLE fiscal_ranges DROP CONSTRAINT fiscal_ranges_doc_kind_check;
ALTER TABLE fiscal_ranges ADD CONSTRAINT fiscal_ranges_doc_kind_check CHECK (doc_kind IN (
    'invoice', 'credit_note', 'debit_note', 'withholding', 'remission_guide', 'purchase_receipt'));

ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_purpose_check;
ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_purpose_check CHECK (purpose IN (
    'receivable', 'cash', 'bank', 'card',
    'revenue_isv15', 'revenue_isv18', 'revenue_exempt', 'revenue_exonerated',
    'sales_returns',
    'inventory_vehicles', 'inventory_parts', 'inventory_transit', 'goods_received',
    'cost_vehicles', 'cost_parts', 'stock_adjustment',
    'payable', 'isv_credit', 'withholding_payable', 'non_deductible', 'exchange_difference'));

ALTER TABLE journal_entries DROP CONSTRAINT journal_entries_source_kind_check;
ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_source_kind_check
    CHECK (source_kind IN ('invoice', 'credit_note', 'payment', 'manual', 'reversal', 'stock',
                           'supplier_bill', 'supplier_payment'));

-- Withholding codes per company: what is withheld, at which rate. ISR on
-- professional fees (12.5 %) is seeded; the accountant adds others.
CREATE TABLE withholding_codes (
    id          uuid PRIMARY KEY,
    company_id  uuid NOT NULL REFERENCES companies (id),
    code        text NOT NULL CHECK (code ~ '^[A-Z0-9-]{1,20}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    rate        numeric(5, 2) NOT NULL CHECK (rate > 0 AND rate < 100),
    archived_at timestamptz,
    UNIQUE (company_id, code),
    UNIQUE (company_id, id)
);

CREATE FUNCTION seed_purchase_accounts(p_company uuid) RETURNS void
    LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO accounts (id, company_id, code, name, kind, postable, parent_id)
    SELECT gen_random_uuid(), p_company, n.code, n.name, n.kind, true,
           (SELECT id FROM accounts WHERE company_id = p_company AND code = n.parent)
      FROM (VALUES
        ('6112', 'Honorarios profesionales', 'expense', '6'),
        ('6113', 'Gastos no deducibles',     'expense', '6')
      ) AS n (code, name, kind, parent)
    ON CONFLICT (company_id, code) DO NOTHING;

    INSERT INTO ledger_accounts (company_id, purpose, account_id)
    SELECT p_company, m.purpose, a.id
      FROM (VALUES
        ('payable',             '2101'),
        ('isv_credit',          '1106'),
        ('withholding_payable', '2104'),
        ('non_deductible',      '6113'),
        ('exchange_difference', '6110')
      ) AS m (purpose, code)
      JOIN accounts a ON a.company_id = p_company AND a.code = m.code
    ON CONFLICT DO NOTHING;

    INSERT INTO withholding_codes (id, company_id, code, name, rate)
    VALUES (gen_random_uuid(), p_company, 'ISR-HON', 'ISR sobre honorarios profesionales', 12.50)
    ON CONFLICT DO NOTHING;
END
$$;

CREATE FUNCTION companies_seed_purchases() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM seed_purchase_accounts(NEW.id);
    RETURN NEW;
END
$$;
-- Fires after companies_seed_defaults (name order), so the chart exists.
CREATE TRIGGER companies_seed_purchases AFTER INSERT ON companies
    FOR EACH ROW EXECUTE FUNCTION companies_seed_purchases();
SELECT seed_purchase_accounts(id) FROM companies;

-- A supplier subject to withholding names its code.
ALTER TABLE parties
    ADD COLUMN withholding text,
    ADD CONSTRAINT parties_withholding_fkey FOREIGN KEY (company_id, withholding)
        REFERENCES withholding_codes (company_id, code);

-- Orders to suppliers. What has been received of each line is the sum of
-- the receipts' moves that name it (less what their reversals took back).
CREATE TABLE purchase_orders (
    id             uuid PRIMARY KEY,
    company_id     uuid NOT NULL REFERENCES companies (id),
    doc_no         integer NOT NULL,
    party_id       uuid NOT NULL,
    order_date     date NOT NULL,
    expected_date  date,
    currency       char(3) NOT NULL CHECK (currency IN ('HNL', 'USD')),
    exchange_rate  numeric(12, 6) NOT NULL CHECK (exchange_rate > 0),
    -- open until cancelled or closed by hand (what was not received is
    -- then not expected any more)
    status         text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed', 'cancelled')),
    reference      text NOT NULL DEFAULT '' CHECK (length(reference) <= 100),
    memo           text NOT NULL DEFAULT '' CHECK (length(memo) <= 1000),
    total          numeric(18, 2) NOT NULL CHECK (total >= 0),
    version        integer NOT NULL DEFAULT 1,
    created_by     uuid REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (currency <> 'HNL' OR exchange_rate = 1),
    FOREIGN KEY (company_id, party_id) REFERENCES parties (company_id, id),
    UNIQUE (company_id, doc_no),
    UNIQUE (company_id, id)
);
CREATE INDEX purchase_orders_party_idx ON purchase_orders (company_id, party_id, order_date);

CREATE TABLE purchase_order_lines (
    id          uuid PRIMARY KEY,
    company_id  uuid NOT NULL,
    order_id    uuid NOT NULL,
    line_no     integer NOT NULL CHECK (line_no >= 0),
    product_id  uuid NOT NULL,
    quantity    numeric(18, 4) NOT NULL CHECK (quantity > 0),
    -- in the order's currency, before ISV
    unit_price  numeric(18, 4) NOT NULL CHECK (unit_price >= 0),
    amount      numeric(18, 2) NOT NULL CHECK (amount >= 0),
    FOREIGN KEY (company_id, order_id) REFERENCES purchase_orders (company_id, id),
    FOREIGN KEY (company_id, product_id) REFERENCES products (company_id, id),
    UNIQUE (order_id, line_no),
    UNIQUE (company_id, id)
);

ALTER TABLE stock_documents
    ADD COLUMN purchase_order_id uuid,
    ADD FOREIGN KEY (company_id, purchase_order_id) REFERENCES purchase_orders (company_id, id),
    -- the remission guide (guía de remisión) a transfer of goods on the
    -- road carries, numbered from the company's own CAI range, and its
    -- authorization as printed
    ADD COLUMN remission_number   text CHECK (remission_number ~ '^[0-9]{3}-[0-9]{3}-[0-9]{2}-[0-9]{8}$'),
    ADD COLUMN remission_range_id uuid,
    ADD COLUMN remission_cai      text,
    ADD COLUMN remission_first    text,
    ADD COLUMN remission_last     text,
    ADD COLUMN remission_deadline date,
    ADD CHECK (remission_number IS NULL OR kind = 'transfer'),
    ADD FOREIGN KEY (company_id, remission_range_id) REFERENCES fiscal_ranges (company_id, id);
ALTER TABLE stock_moves
    ADD COLUMN purchase_line_id uuid,
    ADD FOREIGN KEY (company_id, purchase_line_id) REFERENCES purchase_order_lines (company_id, id);
CREATE INDEX stock_moves_purchase_line_idx ON stock_moves (purchase_line_id) WHERE purchase_line_id IS NOT NULL;

-- A supplier's CAI as printed on its invoices: the range it authorizes and
-- its deadline. Recorded with the first bill that names it; later bills
-- with that CAI are checked against it.
CREATE TABLE supplier_cais (
    id           uuid PRIMARY KEY,
    company_id   uuid NOT NULL REFERENCES companies (id),
    party_id     uuid NOT NULL,
    cai          text NOT NULL CHECK (cai ~ '^[0-9A-F]{6}(-[0-9A-F]{6}){4}-[0-9A-F]{2}$'),
    range_first  text NOT NULL CHECK (range_first ~ '^[0-9]{3}-[0-9]{3}-[0-9]{2}-[0-9]{8}$'),
    range_last   text NOT NULL CHECK (range_last ~ '^[0-9]{3}-[0-9]{3}-[0-9]{2}-[0-9]{8}$'),
    deadline     date NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (left(range_first, 10) = left(range_last, 10) AND range_first <= range_last),
    FOREIGN KEY (company_id, party_id) REFERENCES parties (company_id, id),
    UNIQUE (company_id, party_id, cai),
    UNIQUE (company_id, id)
);

-- The supplier's bill as the purchase book needs it. Amounts are in the
-- bill's currency; the entry converts at its rate.
--   class: invoice, credit_note, debit_note (local, with the supplier's CAI
--   and 16-digit number), fyduca (Central American invoice), dua (the
--   customs declaration of an import: its taxes), foreign (a supplier's
--   commercial invoice from outside Central America: the goods of an
--   import, whose fiscal side is the DUA), purchase_receipt (a boleta de
--   compra: the company's own document for a purchase from a private
--   seller, numbered from its own CAI range; no ISV).
--   The bases (exempt, exonerated, taxed 15 %, taxed 18 %) and their ISV
--   are the document's; what is owed for it is split into goods (clearing
--   goods received not invoiced), expense (an account of the chart) and
--   non-deductible, plus the ISV (fiscal credit), less what is withheld.
--   For a local bill the split adds up to the bases; for a DUA the bases
--   are the customs value the ISV was charged on, and the split is the
--   duties paid.
CREATE TABLE supplier_bills (
    id                   uuid PRIMARY KEY,
    company_id           uuid NOT NULL REFERENCES companies (id),
    doc_no               integer NOT NULL,
    party_id             uuid NOT NULL,
    class                text NOT NULL CHECK (class IN ('invoice', 'credit_note', 'debit_note', 'fyduca', 'dua',
                                                        'foreign', 'purchase_receipt')),
    -- the supplier as it was that day
    supplier_name        text NOT NULL,
    supplier_rtn         text,
    supplier_cai_id      uuid,
    -- the supplier's number: EEE-PPP-TT-NNNNNNNN for a local document, the
    -- FYDUCA or DUA number otherwise
    supplier_number      text NOT NULL CHECK (length(supplier_number) BETWEEN 1 AND 40),
    issue_date           date NOT NULL,
    accounting_date      date NOT NULL,
    -- the bill a credit or debit note corrects
    source_bill_id       uuid,
    purchase_order_id    uuid,
    currency             char(3) NOT NULL CHECK (currency IN ('HNL', 'USD')),
    exchange_rate        numeric(12, 6) NOT NULL CHECK (exchange_rate > 0),
    exempt               numeric(18, 2) NOT NULL DEFAULT 0 CHECK (exempt >= 0),
    exonerated           numeric(18, 2) NOT NULL DEFAULT 0 CHECK (exonerated >= 0),
    -- the exoneration's resolution or purchase order (OCE) number
    exoneration_ref      text NOT NULL DEFAULT '' CHECK (length(exoneration_ref) <= 60),
    taxed15              numeric(18, 2) NOT NULL DEFAULT 0 CHECK (taxed15 >= 0),
    taxed18              numeric(18, 2) NOT NULL DEFAULT 0 CHECK (taxed18 >= 0),
    isv15                numeric(18, 2) NOT NULL DEFAULT 0 CHECK (isv15 >= 0),
    isv18                numeric(18, 2) NOT NULL DEFAULT 0 CHECK (isv18 >= 0),
    goods                numeric(18, 2) NOT NULL DEFAULT 0 CHECK (goods >= 0),
    expense              numeric(18, 2) NOT NULL DEFAULT 0 CHECK (expense >= 0),
    expense_account_id   uuid,
    non_deductible       numeric(18, 2) NOT NULL DEFAULT 0 CHECK (non_deductible >= 0),
    -- what is owed for it before withholding: goods + expense +
    -- non-deductible + ISV
    total                numeric(18, 2) NOT NULL CHECK (total > 0),
    withholding_code_id  uuid,
    withholding_rate     numeric(5, 2),
    withheld             numeric(18, 2) NOT NULL DEFAULT 0 CHECK (withheld >= 0),
    -- the withholding receipt given to the supplier, and its authorization
    withholding_number   text CHECK (withholding_number ~ '^[0-9]{3}-[0-9]{3}-[0-9]{2}-[0-9]{8}$'),
    withholding_range_id uuid,
    withholding_cai      text,
    withholding_first    text,
    withholding_last     text,
    withholding_deadline date,
    -- a purchase receipt's own authorization (the number is supplier_number)
    own_range_id         uuid,
    own_cai              text,
    own_deadline         date,
    memo                 text NOT NULL DEFAULT '' CHECK (length(memo) <= 1000),
    journal_entry_id     uuid NOT NULL,
    reversed_at          timestamptz,
    reversal_entry_id    uuid,
    version              integer NOT NULL DEFAULT 1,
    created_by           uuid REFERENCES users (id),
    created_at           timestamptz NOT NULL DEFAULT now(),
    CHECK (currency <> 'HNL' OR exchange_rate = 1),
    CHECK (withheld < total),
    CHECK ((withheld > 0) = (withholding_number IS NOT NULL)),
    CHECK ((expense > 0) <= (expense_account_id IS NOT NULL)),
    CHECK ((reversed_at IS NULL) = (reversal_entry_id IS NULL)),
    CHECK ((class IN ('invoice', 'credit_note', 'debit_note')) = (supplier_cai_id IS NOT NULL)),
    CHECK ((class IN ('credit_note', 'debit_note')) = (source_bill_id IS NOT NULL)),
    CHECK ((class = 'purchase_receipt') = (own_range_id IS NOT NULL)),
    CHECK (class <> 'purchase_receipt' OR (isv15 = 0 AND isv18 = 0)),
    FOREIGN KEY (company_id, party_id) REFERENCES parties (company_id, id),
    FOREIGN KEY (company_id, supplier_cai_id) REFERENCES supplier_cais (company_id, id),
    FOREIGN KEY (company_id, source_bill_id) REFERENCES supplier_bills (company_id, id),
    FOREIGN KEY (company_id, purchase_order_id) REFERENCES purchase_orders (company_id, id),
    FOREIGN KEY (company_id, expense_account_id) REFERENCES accounts (company_id, id),
    FOREIGN KEY (company_id, withholding_code_id) REFERENCES withholding_codes (company_id, id),
    FOREIGN KEY (company_id, withholding_range_id) REFERENCES fiscal_ranges (company_id, id),
    FOREIGN KEY (company_id, own_range_id) REFERENCES fiscal_ranges (company_id, id),
    FOREIGN KEY (company_id, journal_entry_id) REFERENCES journal_entries (company_id, id),
    FOREIGN KEY (company_id, reversal_entry_id) REFERENCES journal_entries (company_id, id),
    UNIQUE (company_id, doc_no),
    UNIQUE (company_id, id)
);
-- A supplier's document is entered once (a reversed one may be entered again).
CREATE UNIQUE INDEX supplier_bills_once ON supplier_bills (company_id, party_id, class, supplier_number)
    WHERE reversed_at IS NULL;
CREATE INDEX supplier_bills_date_idx ON supplier_bills (company_id, accounting_date);

-- Only the reversal changes a bill, once.
CREATE FUNCTION supplier_bill_reversal_only() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    IF OLD.reversed_at IS NOT NULL
       OR (to_jsonb(NEW) - ARRAY['reversed_at', 'reversal_entry_id', 'version'])
          IS DISTINCT FROM (to_jsonb(OLD) - ARRAY['reversed_at', 'reversal_entry_id', 'version']) THEN
        RAISE EXCEPTION 'supplier bill % is never edited; reverse it', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'supplier_bill_final';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER supplier_bills_reversal_only BEFORE UPDATE ON supplier_bills
    FOR EACH ROW EXECUTE FUNCTION supplier_bill_reversal_only();

-- Paying suppliers: one payment may pay several bills; what is not
-- allocated stays as an advance.
CREATE TABLE supplier_payments (
    id                 uuid PRIMARY KEY,
    company_id         uuid NOT NULL REFERENCES companies (id),
    doc_no             integer NOT NULL,
    party_id           uuid NOT NULL,
    method             text NOT NULL CHECK (method IN ('cash', 'transfer', 'check')),
    payment_date       date NOT NULL,
    currency           char(3) NOT NULL CHECK (currency IN ('HNL', 'USD')),
    exchange_rate      numeric(12, 6) NOT NULL CHECK (exchange_rate > 0),
    amount             numeric(18, 2) NOT NULL CHECK (amount > 0),
    reference          text NOT NULL DEFAULT '' CHECK (length(reference) <= 100),
    notes              text NOT NULL DEFAULT '' CHECK (length(notes) <= 1000),
    journal_entry_id   uuid NOT NULL,
    reversed_at        timestamptz,
    reversal_entry_id  uuid,
    version            integer NOT NULL DEFAULT 1,
    created_by         uuid REFERENCES users (id),
    created_at         timestamptz NOT NULL DEFAULT now(),
    CHECK (currency <> 'HNL' OR exchange_rate = 1),
    CHECK ((reversed_at IS NULL) = (reversal_entry_id IS NULL)),
    FOREIGN KEY (company_id, party_id) REFERENCES parties (company_id, id),
    FOREIGN KEY (company_id, journal_entry_id) REFERENCES journal_entries (company_id, id),
    FOREIGN KEY (company_id, reversal_entry_id) REFERENCES journal_entries (company_id, id),
    UNIQUE (company_id, doc_no),
    UNIQUE (company_id, id)
);
CREATE INDEX supplier_payments_party_idx ON supplier_payments (company_id, party_id, payment_date);

CREATE TABLE supplier_payment_allocations (
    id          uuid PRIMARY KEY,
    company_id  uuid NOT NULL,
    payment_id  uuid NOT NULL,
    bill_id     uuid NOT NULL,
    amount      numeric(18, 2) NOT NULL CHECK (amount > 0),
    FOREIGN KEY (company_id, payment_id) REFERENCES supplier_payments (company_id, id),
    FOREIGN KEY (company_id, bill_id) REFERENCES supplier_bills (company_id, id),
    UNIQUE (payment_id, bill_id)
);
CREATE INDEX supplier_payment_allocations_bill_idx ON supplier_payment_allocations (bill_id);

CREATE FUNCTION supplier_payment_reversal_only() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    IF OLD.reversed_at IS NOT NULL
       OR (to_jsonb(NEW) - ARRAY['reversed_at', 'reversal_entry_id', 'version'])
          IS DISTINCT FROM (to_jsonb(OLD) - ARRAY['reversed_at', 'reversal_entry_id', 'version']) THEN
        RAISE EXCEPTION 'supplier payment % is never edited; reverse it', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'supplier_payment_final';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER supplier_payments_reversal_only BEFORE UPDATE ON supplier_payments
    FOR EACH ROW EXECUTE FUNCTION supplier_payment_reversal_only();

-- What is still owed on each bill not reversed: what it owes the supplier
-- (total less withheld) less its credit notes and the payments allocated.
-- A credit note owes nothing itself (its amount is taken off its bill).
CREATE VIEW supplier_bill_balances WITH (security_invoker = true) AS
SELECT b.id, b.company_id, b.party_id, b.class, b.currency, b.exchange_rate, b.issue_date,
       b.supplier_number, b.total - b.withheld AS payable,
       CASE WHEN b.class = 'credit_note' THEN 0 ELSE
         b.total - b.withheld
         - coalesce((SELECT sum(cn.total - cn.withheld) FROM supplier_bills cn
                      WHERE cn.source_bill_id = b.id AND cn.class = 'credit_note' AND cn.reversed_at IS NULL), 0)
         - coalesce((SELECT sum(a.amount) FROM supplier_payment_allocations a
                       JOIN supplier_payments p ON p.id = a.payment_id
                      WHERE a.bill_id = b.id AND p.reversed_at IS NULL), 0)
       END AS open_amount
  FROM supplier_bills b
 WHERE b.reversed_at IS NULL;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['withholding_codes', 'purchase_orders', 'purchase_order_lines', 'supplier_cais',
                             'supplier_bills', 'supplier_payments', 'supplier_payment_allocations']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I TO erp_app
                            USING (company_id = ANY (app_company_ids()))
                            WITH CHECK (company_id = ANY (app_company_ids()))',
                       t || '_tenant', t);
    END LOOP;
END
$$;
GRANT SELECT ON withholding_codes TO erp_app;
GRANT SELECT, INSERT ON purchase_orders, purchase_order_lines, supplier_cais, supplier_bills,
                        supplier_payments, supplier_payment_allocations TO erp_app;
GRANT UPDATE (status, version, updated_at) ON purchase_orders TO erp_app;
GRANT UPDATE (reversed_at, reversal_entry_id, version) ON supplier_bills, supplier_payments TO erp_app;
GRANT SELECT ON supplier_bill_balances TO erp_app;

-- The valuation at a day takes what is held now less the moves after that
-- day: those are found by date.
CREATE INDEX stock_moves_date_idx ON stock_moves (company_id, move_date);
