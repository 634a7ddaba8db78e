-- Sales documents and the SAR's authorized number ranges they draw from.
--
-- A range (CAI) authorizes the numbers first..last of one document type at
-- one emission point until a deadline. Posting takes the range row FOR
-- UPDATE, uses next_number and moves it on, in the posting transaction: a
-- rolled-back posting gives its number back, so the issued numbers have no
-- gaps and no duplicates.

CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE fiscal_ranges (
    id                 uuid PRIMARY KEY,
    company_id         uuid NOT NULL REFERENCES companies (id),
    emission_point_id  uuid NOT NULL,
    doc_kind           text NOT NULL CHECK (doc_kind IN ('invoice', 'credit_note', 'debit_note')),
    -- the two-digit document type printed in the number (EEE-PPP-TT-NNNNNNNN),
    -- as the SAR's authorization states it
    type_code          text NOT NULL CHECK (type_code ~ '^[0-9]{2}$'),
    cai                text NOT NULL CHECK (cai ~ '^[0-9A-F]{6}(-[0-9A-F]{6}){4}-[0-9A-F]{2}$'),
    first_number       bigint NOT NULL CHECK (first_number BETWEEN 1 AND 99999999),
    last_number        bigint NOT NULL CHECK (last_number BETWEEN 1 AND 99999999),
    next_number        bigint NOT NULL,
    -- fecha límite de emisión: the last day a number of this range may be issued
    deadline           date NOT NULL,
    archived_at        timestamptz,
    version            integer NOT NULL DEFAULT 1,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CHECK (first_number <= last_number),
    CHECK (next_number BETWEEN first_number AND last_number + 1),
    FOREIGN KEY (company_id, emission_point_id) REFERENCES emission_points (company_id, id),
    UNIQUE (company_id, id),
    -- two ranges of one type at one point never share a number
    CONSTRAINT fiscal_ranges_no_overlap EXCLUDE USING gist (
        emission_point_id WITH =, type_code WITH =,
        int8range(first_number, last_number, '[]') WITH &&)
);
CREATE INDEX fiscal_ranges_point_idx ON fiscal_ranges (company_id, emission_point_id, doc_kind);

CREATE TABLE sales_documents (
    id                 uuid PRIMARY KEY,
    company_id         uuid NOT NULL REFERENCES companies (id),
    kind               text NOT NULL CHECK (kind IN ('quote', 'order', 'invoice', 'credit_note')),
    status             text NOT NULL CHECK (status IN ('draft', 'confirmed', 'done', 'posted', 'cancelled')),
    -- running number per kind (COT-…, PED-…, drafts); posted fiscal documents
    -- also carry fiscal_number
    doc_no             integer NOT NULL,
    party_id           uuid NOT NULL,
    emission_point_id  uuid NOT NULL,
    -- the quote of an order, the order of an invoice, the invoice of a credit note
    source_id          uuid,
    currency           char(3) NOT NULL CHECK (currency IN ('HNL', 'USD')),
    -- lempiras per unit of the currency
    exchange_rate      numeric(12, 6) NOT NULL CHECK (exchange_rate > 0),
    issue_date         date NOT NULL,
    due_date           date NOT NULL,
    notes              text NOT NULL DEFAULT '' CHECK (length(notes) <= 2000),
    -- a credit note says why
    reason             text NOT NULL DEFAULT '' CHECK (length(reason) <= 500),
    discount           numeric(18, 2) NOT NULL DEFAULT 0,
    exempt             numeric(18, 2) NOT NULL DEFAULT 0,
    exonerated         numeric(18, 2) NOT NULL DEFAULT 0,
    taxed15            numeric(18, 2) NOT NULL DEFAULT 0,
    taxed18            numeric(18, 2) NOT NULL DEFAULT 0,
    isv15              numeric(18, 2) NOT NULL DEFAULT 0,
    isv18              numeric(18, 2) NOT NULL DEFAULT 0,
    total              numeric(18, 2) NOT NULL DEFAULT 0,
    -- what posting fixes forever: the fiscal number and its authorization,
    -- and issuer and buyer as they were that day (the print never changes)
    fiscal_number      text CHECK (fiscal_number ~ '^[0-9]{3}-[0-9]{3}-[0-9]{2}-[0-9]{8}$'),
    fiscal_range_id    uuid,
    cai                text,
    range_first        text,
    range_last         text,
    fiscal_deadline    date,
    issuer             jsonb,
    buyer_name         text,
    buyer_rtn          text,
    journal_entry_id   uuid,
    posted_at          timestamptz,
    posted_by          uuid REFERENCES users (id),
    version            integer NOT NULL DEFAULT 1,
    created_by         uuid REFERENCES users (id),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CHECK (currency <> 'HNL' OR exchange_rate = 1),
    CHECK (due_date >= issue_date),
    CHECK ((status = 'posted') = (kind IN ('invoice', 'credit_note') AND fiscal_number IS NOT NULL)),
    CHECK (status <> 'posted' OR (cai IS NOT NULL AND journal_entry_id IS NOT NULL AND posted_at IS NOT NULL)),
    FOREIGN KEY (company_id, party_id) REFERENCES parties (company_id, id),
    FOREIGN KEY (company_id, emission_point_id) REFERENCES emission_points (company_id, id),
    FOREIGN KEY (company_id, source_id) REFERENCES sales_documents (company_id, id),
    FOREIGN KEY (company_id, fiscal_range_id) REFERENCES fiscal_ranges (company_id, id),
    FOREIGN KEY (company_id, journal_entry_id) REFERENCES journal_entries (company_id, id),
    UNIQUE (company_id, kind, doc_no),
    UNIQUE (company_id, id)
);
CREATE UNIQUE INDEX sales_documents_fiscal_number_key ON sales_documents (company_id, fiscal_number)
    WHERE fiscal_number IS NOT NULL;
CREATE INDEX sales_documents_list_idx ON sales_documents (company_id, kind, issue_date DESC, id DESC);
CREATE INDEX sales_documents_party_idx ON sales_documents (company_id, party_id, issue_date);
CREATE INDEX sales_documents_source_idx ON sales_documents (source_id) WHERE source_id IS NOT NULL;

CREATE TABLE sales_document_lines (
    id              uuid PRIMARY KEY,
    company_id      uuid NOT NULL,
    document_id     uuid NOT NULL,
    position        integer NOT NULL CHECK (position >= 0),
    product_id      uuid,
    description     text NOT NULL CHECK (length(description) BETWEEN 1 AND 300),
    quantity        numeric(18, 4) NOT NULL CHECK (quantity > 0),
    unit_price      numeric(18, 4) NOT NULL CHECK (unit_price >= 0),
    discount_pct    numeric(5, 2) NOT NULL DEFAULT 0 CHECK (discount_pct BETWEEN 0 AND 100),
    tax_class       text NOT NULL CHECK (tax_class IN ('isv15', 'isv18', 'exempt', 'exonerated')),
    gross           numeric(18, 2) NOT NULL,
    discount        numeric(18, 2) NOT NULL,
    net             numeric(18, 2) NOT NULL,
    -- the order line an invoice line bills, the invoice line a credit note line credits
    source_line_id  uuid,
    FOREIGN KEY (company_id, document_id) REFERENCES sales_documents (company_id, id),
    FOREIGN KEY (company_id, product_id) REFERENCES products (company_id, id),
    FOREIGN KEY (company_id, source_line_id) REFERENCES sales_document_lines (company_id, id),
    UNIQUE (document_id, position),
    UNIQUE (company_id, id)
);
CREATE INDEX sales_document_lines_source_idx ON sales_document_lines (source_line_id)
    WHERE source_line_id IS NOT NULL;

-- A posted or cancelled document is final: not even the owner edits it (a
-- posted invoice is corrected by a credit note). Lines change only while
-- their document is a draft.
CREATE FUNCTION sales_document_final() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    IF OLD.status IN ('posted', 'cancelled') THEN
        RAISE EXCEPTION 'sales document % is %: it is never changed', OLD.id, OLD.status
            USING ERRCODE = 'check_violation', CONSTRAINT = 'sales_document_final';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER sales_documents_final BEFORE UPDATE OR DELETE ON sales_documents
    FOR EACH ROW EXECUTE FUNCTION sales_document_final();

CREATE FUNCTION sales_line_draft_only() RETURNS trigger
    LANGUAGE plpgsql
AS $$
DECLARE
    v_status text;
BEGIN
    SELECT status INTO v_status FROM sales_documents
     WHERE id = CASE TG_OP WHEN 'DELETE' THEN OLD.document_id ELSE NEW.document_id END;
    IF v_status IS DISTINCT FROM 'draft' THEN
        RAISE EXCEPTION 'lines of a % document are never changed', v_status
            USING ERRCODE = 'check_violation', CONSTRAINT = 'sales_document_final';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER sales_document_lines_draft_only BEFORE INSERT OR UPDATE OR DELETE ON sales_document_lines
    FOR EACH ROW EXECUTE FUNCTION sales_line_draft_only();

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['fiscal_ranges', 'sales_documents', 'sales_document_lines']
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
GRANT DELETE ON sales_document_lines TO erp_app;
