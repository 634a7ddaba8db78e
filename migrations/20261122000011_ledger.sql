-- The double-entry ledger. Entries are written once and never changed: the
-- application role may only INSERT them (no UPDATE, no DELETE grant), and a
-- correction is a new entry that reverses an old one.
--
-- Balance is the database's job, not only the application's: every entry
-- states how many lines it has and its total, and a constraint trigger
-- deferred to COMMIT checks that the lines agree and that debits equal
-- credits. So an unbalanced entry, an entry without lines, or a line slipped
-- into an old entry all fail the transaction that wrote them.
--
-- Business-rule errors raised here name a CONSTRAINT; `erp::error` turns
-- each name into a stable error code.

-- Today in Honduras (UTC-6, no daylight saving): the calendar the SAR's
-- deadlines and the documents' dates follow.
CREATE FUNCTION hn_today() RETURNS date
    LANGUAGE sql STABLE
AS $$ SELECT (now() AT TIME ZONE 'America/Tegucigalpa')::date $$;

-- Per-company running numbers of documents that carry no fiscal number
-- (quotes, orders, invoice drafts, receipts, journal entries).
CREATE TABLE document_counters (
    company_id  uuid NOT NULL REFERENCES companies (id),
    kind        text NOT NULL,
    last_no     integer NOT NULL,
    PRIMARY KEY (company_id, kind)
);

-- Which account each automatic entry uses. ISV payable comes from the tax
-- codes (tax_codes.account_id).
CREATE TABLE ledger_accounts (
    company_id  uuid NOT NULL REFERENCES companies (id),
    purpose     text NOT NULL CHECK (purpose IN (
                    'receivable', 'cash', 'bank', 'card',
                    'revenue_isv15', 'revenue_isv18', 'revenue_exempt', 'revenue_exonerated',
                    'sales_returns')),
    account_id  uuid NOT NULL,
    version     integer NOT NULL DEFAULT 1,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, purpose),
    FOREIGN KEY (company_id, account_id) REFERENCES accounts (company_id, id)
);

CREATE TABLE journal_entries (
    id           uuid PRIMARY KEY,
    company_id   uuid NOT NULL REFERENCES companies (id),
    entry_no     integer NOT NULL,
    entry_date   date NOT NULL,
    memo         text NOT NULL DEFAULT '' CHECK (length(memo) <= 500),
    source_kind  text NOT NULL CHECK (source_kind IN ('invoice', 'credit_note', 'payment', 'manual', 'reversal')),
    source_id    uuid,
    -- the entry this one cancels (a reversal); an entry is reversed at most once
    reverses_id  uuid UNIQUE,
    -- what the lines must add up to: their number and the sum of debits (= credits)
    line_count   integer NOT NULL CHECK (line_count >= 2),
    total        numeric(18, 2) NOT NULL CHECK (total > 0),
    created_by   uuid REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (company_id, entry_no),
    UNIQUE (company_id, id),
    FOREIGN KEY (company_id, reverses_id) REFERENCES journal_entries (company_id, id)
);
CREATE INDEX journal_entries_date_idx ON journal_entries (company_id, entry_date, entry_no);
CREATE INDEX journal_entries_source_idx ON journal_entries (source_id);

CREATE TABLE journal_lines (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    company_id  uuid NOT NULL,
    entry_id    uuid NOT NULL,
    account_id  uuid NOT NULL,
    party_id    uuid,
    debit       numeric(18, 2) NOT NULL DEFAULT 0 CHECK (debit >= 0),
    credit      numeric(18, 2) NOT NULL DEFAULT 0 CHECK (credit >= 0),
    memo        text NOT NULL DEFAULT '' CHECK (length(memo) <= 200),
    -- exactly one side carries an amount
    CHECK ((debit = 0) <> (credit = 0)),
    FOREIGN KEY (company_id, entry_id) REFERENCES journal_entries (company_id, id),
    FOREIGN KEY (company_id, account_id) REFERENCES accounts (company_id, id),
    FOREIGN KEY (company_id, party_id) REFERENCES parties (company_id, id)
);
CREATE INDEX journal_lines_entry_idx ON journal_lines (entry_id);
CREATE INDEX journal_lines_account_idx ON journal_lines (company_id, account_id);
CREATE INDEX journal_lines_party_idx ON journal_lines (company_id, party_id) WHERE party_id IS NOT NULL;

-- Debits and credits per account and month, kept by the database as lines
-- are written (lines are never updated or deleted, so adding is enough).
-- The trial balance reads this instead of every line.
CREATE TABLE ledger_totals (
    company_id  uuid NOT NULL,
    account_id  uuid NOT NULL,
    period      date NOT NULL CHECK (extract(day FROM period) = 1),
    debit       numeric(20, 2) NOT NULL,
    credit      numeric(20, 2) NOT NULL,
    PRIMARY KEY (company_id, account_id, period),
    FOREIGN KEY (company_id, account_id) REFERENCES accounts (company_id, id)
);

-- The commit-time check of one entry.
CREATE FUNCTION journal_entry_check() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = public, pg_temp
AS $$
DECLARE
    v_entry uuid;
    v_count integer;
    v_debit numeric;
    v_credit numeric;
    v_stated_count integer;
    v_stated_total numeric;
    v_unpostable integer;
BEGIN
    -- (two statements: an expression naming both fields fails on either table)
    IF TG_TABLE_NAME = 'journal_entries' THEN
        v_entry := NEW.id;
    ELSE
        v_entry := NEW.entry_id;
    END IF;
    SELECT line_count, total INTO v_stated_count, v_stated_total
      FROM journal_entries WHERE id = v_entry;
    SELECT count(*), coalesce(sum(l.debit), 0), coalesce(sum(l.credit), 0),
           count(*) FILTER (WHERE NOT a.postable)
      INTO v_count, v_debit, v_credit, v_unpostable
      FROM journal_lines l JOIN accounts a ON a.id = l.account_id
     WHERE l.entry_id = v_entry;
    IF v_debit <> v_credit THEN
        RAISE EXCEPTION 'journal entry % does not balance: debit % <> credit %', v_entry, v_debit, v_credit
            USING ERRCODE = 'check_violation', CONSTRAINT = 'journal_entry_balanced';
    END IF;
    IF v_count <> v_stated_count OR v_debit <> v_stated_total THEN
        RAISE EXCEPTION 'journal entry % has % lines totalling %, it states % lines totalling %',
            v_entry, v_count, v_debit, v_stated_count, v_stated_total
            USING ERRCODE = 'check_violation', CONSTRAINT = 'journal_entry_complete';
    END IF;
    IF v_unpostable > 0 THEN
        RAISE EXCEPTION 'journal entry % posts to a header account', v_entry
            USING ERRCODE = 'check_violation', CONSTRAINT = 'journal_account_postable';
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER journal_entries_balance AFTER INSERT ON journal_entries
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION journal_entry_check();
CREATE CONSTRAINT TRIGGER journal_lines_balance AFTER INSERT ON journal_lines
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION journal_entry_check();

-- Add the written lines to the monthly totals, one upsert per statement, in
-- account order (two postings touching the same accounts lock them in the
-- same order, so they queue instead of deadlocking).
CREATE FUNCTION ledger_totals_add() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
BEGIN
    INSERT INTO ledger_totals AS t (company_id, account_id, period, debit, credit)
    SELECT l.company_id, l.account_id, date_trunc('month', e.entry_date)::date,
           sum(l.debit), sum(l.credit)
      FROM new_lines l JOIN journal_entries e ON e.id = l.entry_id
     GROUP BY 1, 2, 3
     ORDER BY 1, 2, 3
    ON CONFLICT (company_id, account_id, period)
    DO UPDATE SET debit = t.debit + EXCLUDED.debit, credit = t.credit + EXCLUDED.credit;
    RETURN NULL;
END
$$;
CREATE TRIGGER journal_lines_totals AFTER INSERT ON journal_lines
    REFERENCING NEW TABLE AS new_lines
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_totals_add();

-- Owner and operators too: a posted line or entry never changes.
CREATE FUNCTION journal_immutable() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    RAISE EXCEPTION 'posted journal entries are never changed; reverse them'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'journal_entry_immutable';
END
$$;
CREATE TRIGGER journal_entries_immutable BEFORE UPDATE OR DELETE ON journal_entries
    FOR EACH ROW EXECUTE FUNCTION journal_immutable();
CREATE TRIGGER journal_lines_immutable BEFORE UPDATE OR DELETE ON journal_lines
    FOR EACH ROW EXECUTE FUNCTION journal_immutable();

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['document_counters', 'ledger_accounts', 'journal_entries',
                             'journal_lines', 'ledger_totals']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I TO erp_app
                            USING (company_id = ANY (app_company_ids()))
                            WITH CHECK (company_id = ANY (app_company_ids()))',
                       t || '_tenant', t);
    END LOOP;
END
$$;
GRANT SELECT, INSERT, UPDATE ON document_counters TO erp_app;
GRANT SELECT, INSERT, UPDATE ON ledger_accounts TO erp_app;
GRANT SELECT, INSERT ON journal_entries, journal_lines TO erp_app;
GRANT SELECT ON ledger_totals TO erp_app;

-- The next running number of `kind` in a company (the row lock serialises
-- writers of the same kind until they commit, so numbers have no gaps).
CREATE FUNCTION next_document_no(p_company uuid, p_kind text) RETURNS integer
    LANGUAGE sql VOLATILE
AS $$
    INSERT INTO document_counters AS c (company_id, kind, last_no) VALUES (p_company, p_kind, 1)
    ON CONFLICT (company_id, kind) DO UPDATE SET last_no = c.last_no + 1
    RETURNING last_no
$$;

-- The accounts automatic entries use, seeded for every company: two revenue
-- accounts per ISV rate and a clearing account for card payments are added
-- to the chart first.
CREATE FUNCTION seed_ledger_accounts(p_company uuid) RETURNS void
    LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO accounts (id, company_id, code, name, kind, postable, parent_id)
    SELECT gen_random_uuid(), p_company, n.code, n.name, n.kind, true,
           (SELECT id FROM accounts WHERE company_id = p_company AND code = n.parent)
      FROM (VALUES
        ('1111', 'Cobros con tarjeta por liquidar', 'asset',  '11'),
        ('4107', 'Ventas gravadas 15 %',            'income', '4'),
        ('4108', 'Ventas gravadas 18 %',            'income', '4')
      ) AS n (code, name, kind, parent)
    ON CONFLICT (company_id, code) DO NOTHING;

    INSERT INTO ledger_accounts (company_id, purpose, account_id)
    SELECT p_company, m.purpose, a.id
      FROM (VALUES
        ('receivable',         '1104'),
        ('cash',               '1101'),
        ('bank',               '1103'),
        ('card',               '1111'),
        ('revenue_isv15',      '4107'),
        ('revenue_isv18',      '4108'),
        ('revenue_exempt',     '4104'),
        ('revenue_exonerated', '4105'),
        ('sales_returns',      '4106')
      ) AS m (purpose, code)
      JOIN accounts a ON a.company_id = p_company AND a.code = m.code
    ON CONFLICT DO NOTHING;
END
$$;

CREATE FUNCTION companies_seed_ledger() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM seed_ledger_accounts(NEW.id);
    RETURN NEW;
END
$$;
-- Runs after companies_seed_defaults (triggers fire in name order), so the
-- chart exists.
CREATE TRIGGER companies_seed_ledger AFTER INSERT ON companies
    FOR EACH ROW EXECUTE FUNCTION companies_seed_ledger();

SELECT seed_ledger_accounts(id) FROM companies;
