-- Customer payments (cash, bank transfer, card) and their allocation to
-- posted invoices: one payment may pay several invoices, several payments
-- one invoice; what is not allocated stays as the customer's credit. A
-- payment books its journal entry when it is recorded and is never edited:
-- a wrong one is reversed (a reversing entry, and its allocations stop
-- counting).

CREATE TABLE payments (
    id                 uuid PRIMARY KEY,
    company_id         uuid NOT NULL REFERENCES companies (id),
    doc_no             integer NOT NULL,
    party_id           uuid NOT NULL,
    method             text NOT NULL CHECK (method IN ('cash', 'transfer', 'card')),
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
CREATE INDEX payments_party_idx ON payments (company_id, party_id, payment_date);

CREATE TABLE payment_allocations (
    id           uuid PRIMARY KEY,
    company_id   uuid NOT NULL,
    payment_id   uuid NOT NULL,
    document_id  uuid NOT NULL,
    amount       numeric(18, 2) NOT NULL CHECK (amount > 0),
    FOREIGN KEY (company_id, payment_id) REFERENCES payments (company_id, id),
    FOREIGN KEY (company_id, document_id) REFERENCES sales_documents (company_id, id),
    UNIQUE (payment_id, document_id)
);
CREATE INDEX payment_allocations_document_idx ON payment_allocations (document_id);

-- Only the reversal changes a payment, once.
CREATE FUNCTION payment_reversal_only() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    IF OLD.reversed_at IS NOT NULL
       OR (NEW.id, NEW.company_id, NEW.doc_no, NEW.party_id, NEW.method, NEW.payment_date, NEW.currency,
           NEW.exchange_rate, NEW.amount, NEW.reference, NEW.notes, NEW.journal_entry_id)
          IS DISTINCT FROM
          (OLD.id, OLD.company_id, OLD.doc_no, OLD.party_id, OLD.method, OLD.payment_date, OLD.currency,
           OLD.exchange_rate, OLD.amount, OLD.reference, OLD.notes, OLD.journal_entry_id) THEN
        RAISE EXCEPTION 'payment % is never edited; reverse it', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'payment_final';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER payments_reversal_only BEFORE UPDATE ON payments
    FOR EACH ROW EXECUTE FUNCTION payment_reversal_only();

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['payments', 'payment_allocations']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I TO erp_app
                            USING (company_id = ANY (app_company_ids()))
                            WITH CHECK (company_id = ANY (app_company_ids()))',
                       t || '_tenant', t);
    END LOOP;
END
$$;
GRANT SELECT, INSERT ON payments, payment_allocations TO erp_app;
GRANT UPDATE (reversed_at, reversal_entry_id, version) ON payments TO erp_app;

-- What is still owed on each posted invoice: its total less the posted
-- credit notes made from it and the allocations of payments not reversed.
CREATE VIEW invoice_balances WITH (security_invoker = true) AS
SELECT d.id, d.company_id, d.party_id, d.currency, d.exchange_rate, d.issue_date, d.due_date,
       d.fiscal_number, d.total,
       d.total
         - coalesce((SELECT sum(cn.total) FROM sales_documents cn
                      WHERE cn.source_id = d.id AND cn.kind = 'credit_note' AND cn.status = 'posted'), 0)
         - coalesce((SELECT sum(a.amount) FROM payment_allocations a JOIN payments p ON p.id = a.payment_id
                      WHERE a.document_id = d.id AND p.reversed_at IS NULL), 0) AS open_amount
  FROM sales_documents d
 WHERE d.kind = 'invoice' AND d.status = 'posted';
GRANT SELECT ON invoice_balances TO erp_app;
