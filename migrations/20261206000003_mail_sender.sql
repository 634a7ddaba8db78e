-- The address a company's e-mail is sent from ("Autos del Valle
-- <avisos@autosdelvalle.hn>" is built from the name and this). Empty: the
-- appliance's default sender (ERP_MAIL_FROM) with the company's name.
ALTER TABLE companies
    ADD COLUMN mail_sender text NOT NULL DEFAULT ''
        CHECK (mail_sender = '' OR (mail_sender ~ '^[^@\s<>]+@[^@\s<>]+$' AND length(mail_sender) <= 254));
GRANT UPDATE (mail_sender) ON companies TO erp_app;

-- The worker's view of a company for its e-mail: the name and the sender,
-- for any company (a job carries its company id; RLS is for sessions).
CREATE FUNCTION company_mail_identity(p_company uuid)
    RETURNS TABLE (name text, mail_sender text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
    SELECT name, mail_sender FROM companies WHERE id = p_company
$$;
REVOKE ALL ON FUNCTION company_mail_identity(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION company_mail_identity(uuid) TO erp_app;
