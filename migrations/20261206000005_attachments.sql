-- Files attached to a party, a product (a vehicle's photos) or a sales
-- document. The bytes are in the file store under
-- attachments/<company>/<id>; this row is what the appliance knows of them,
-- under the company's row-level security like the record it belongs to.
CREATE TABLE attachments (
    id           uuid PRIMARY KEY,
    company_id   uuid NOT NULL REFERENCES companies (id),
    owner_kind   text NOT NULL CHECK (owner_kind IN ('party', 'product', 'sales_document')),
    owner_id     uuid NOT NULL,
    file_name    text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 200),
    -- What the content is (read from its first bytes, not from the name).
    content_type text NOT NULL
        CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp', 'application/pdf')),
    size_bytes   bigint NOT NULL CHECK (size_bytes > 0),
    sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    width        integer CHECK (width > 0),
    height       integer CHECK (height > 0),
    -- Images get a thumbnail from a background job; other files none.
    thumbnail    text NOT NULL DEFAULT 'none'
        CHECK (thumbnail IN ('none', 'pending', 'done', 'failed')),
    uploaded_by  uuid NOT NULL REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attachments_owner_idx ON attachments (company_id, owner_kind, owner_id, created_at);
ALTER TABLE attachments ENABLE ROW LEVEL SECURITY;
CREATE POLICY attachments_tenant ON attachments TO erp_app
    USING (company_id = ANY (app_company_ids()))
    WITH CHECK (company_id = ANY (app_company_ids()));
GRANT SELECT, INSERT, DELETE ON attachments TO erp_app;
GRANT UPDATE (thumbnail) ON attachments TO erp_app;
