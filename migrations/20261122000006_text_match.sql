-- Text search under row-level security. LIKE is not a leakproof operator, so
-- in a query subject to RLS PostgreSQL evaluates it only after the policy and
-- never as an index condition: the trigram indexes go unused and a rare word
-- costs a scan of the whole company (measured: 200 ms on 100k parties, 4 ms
-- through the index). This definer function runs the LIKE where RLS does not
-- apply, on the one company the caller names and only if the session may see
-- it, and returns at most p_cap ids; callers then read the rows by id under
-- RLS as usual. EXECUTE plans each call with the actual pattern, so a rare
-- pattern uses the trigram index and a common one stops after p_cap rows.
CREATE FUNCTION text_match_ids(p_kind text, p_company uuid, p_pattern text, p_cap integer)
    RETURNS SETOF uuid
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
BEGIN
    IF p_company IS NULL OR NOT (p_company = ANY (app_company_ids())) THEN
        RETURN;
    END IF;
    IF p_kind = 'parties' THEN
        RETURN QUERY EXECUTE
            'SELECT id FROM parties WHERE company_id = $1 AND search LIKE $2 LIMIT $3'
            USING p_company, p_pattern, p_cap;
    ELSIF p_kind = 'products' THEN
        RETURN QUERY EXECUTE
            'SELECT id FROM products WHERE company_id = $1 AND search LIKE $2 LIMIT $3'
            USING p_company, p_pattern, p_cap;
    ELSIF p_kind = 'serials' THEN
        RETURN QUERY EXECUTE
            'SELECT id FROM serial_numbers WHERE company_id = $1 AND lower(serial) LIKE $2 LIMIT $3'
            USING p_company, p_pattern, p_cap;
    ELSE
        RAISE EXCEPTION 'text_match_ids: unknown kind %', p_kind;
    END IF;
END
$$;
REVOKE ALL ON FUNCTION text_match_ids(text, uuid, text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION text_match_ids(text, uuid, text, integer) TO erp_app;
