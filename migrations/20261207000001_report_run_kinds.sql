-- A run may build every report the reports page offers (erp::reports::KINDS):
-- the first list held the four reports of the sales and ledger pages, so a
-- run of the purchase book or a stock report failed at its INSERT.
ALTER TABLE report_runs DROP CONSTRAINT report_runs_kind_check;
ALTER TABLE report_runs ADD CONSTRAINT report_runs_kind_check CHECK (kind IN (
    'sales-book', 'purchase-book', 'stock-valuation', 'stock-on-hand', 'stock-units',
    'unit-history', 'unit-margins', 'trial-balance', 'aged-receivables', 'statement'));
