#!/usr/bin/env python3
"""Stock figures: a container received with its landed costs, and the
inventory reports over a big stock ledger.

1. Container receipt, through the API over HTTPS and the proxy, as the
   warehouse user of Motos Catrachas: a receipt of 50 motorcycles by VIN
   into transit (one request), then the landed costs of its DUA — freight,
   DAI, selectivo — spread by value over the 50 units (one request). N
   containers one after another give p50/p99 of each request and of both.
2. Reports over a big ledger: loads U units (100,000) of 20 models and M
   moves (2,000,000 in all, the rest parts received and delivered) into
   Motos Catrachas with SQL, in bulk with triggers off, then brings on-hand,
   the averages and each unit's place up to date from the moves in one
   pass (what the triggers keep move by move); then times on hand, the
   valuation today and at the end of last month, and a VIN looked up, N
   times each. The loaded moves have no journal entries, so the check here
   is the API's figures against the moves summed in SQL (the containers of
   part 1 are checked against the ledger).
3. The peer, in the same run and the same PostgreSQL cluster: Tryton 7.0
   (LTS) with its stock and lot modules, the same ledger loaded into a
   database of its own, the same four figures timed in Tryton's own process
   (bench/tryton_stock_peer.py; no HTTP, TLS or JSON on its side), printed
   beside ours. Tryton comes from PyPI into ~/.cache/erp-tools/tryton.

    python3 bench/stock.py target/release/appliance [N=30] [U=100000] [M=2000000]
"""

import http.client
import json
import os
import signal
import ssl
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (BenchError, main_guard, percentiles, positive, start)  # noqa: E402

TRYTON_VENV = os.path.expanduser("~/.cache/erp-tools/tryton")
TRYTON_PACKAGES = ["trytond>=7.0,<7.1", "trytond_stock>=7.0,<7.1", "trytond_stock_lot>=7.0,<7.1",
                   "psycopg2-binary>=2.9,<3"]

LOAD = """
SET session_replication_role = replica;
CREATE TEMP TABLE ctx AS
  SELECT c.id AS company,
         (SELECT id FROM stock_locations WHERE company_id = c.id AND code = 'BOD-01') AS w1,
         (SELECT id FROM stock_locations WHERE company_id = c.id AND kind = 'supplier' LIMIT 1) AS sup,
         (SELECT id FROM stock_locations WHERE company_id = c.id AND kind = 'customer' LIMIT 1) AS cust
    FROM companies c WHERE c.name = 'Motos Catrachas';
INSERT INTO products (id, company_id, sku, name, sale_price, tax_class, tracking, is_vehicle)
SELECT gen_random_uuid(), company, 'BM-' || i, 'Modelo de banco ' || i, 90000, 'isv15', 'serial', true
  FROM ctx, generate_series(1, 20) i;
INSERT INTO products (id, company_id, sku, name, sale_price, tax_class)
SELECT gen_random_uuid(), company, 'BP-' || i, 'Repuesto de banco ' || i, 250, 'isv15'
  FROM ctx, generate_series(1, 200) i;
CREATE TEMP TABLE bm AS SELECT id, row_number() OVER (ORDER BY sku) AS n FROM products WHERE sku LIKE 'BM-%';
CREATE TEMP TABLE bp AS SELECT id, row_number() OVER (ORDER BY sku) AS n FROM products WHERE sku LIKE 'BP-%';
-- one document per 100 moves, spread over the last 700 days
INSERT INTO stock_documents (id, company_id, kind, doc_no, doc_date)
SELECT gen_random_uuid(), company, 'receipt', 1000000 + i, current_date - 700 + (i * 700 / (:m / 100))
  FROM ctx, generate_series(1, :m / 100) i;
CREATE TEMP TABLE docs AS SELECT id, doc_date, row_number() OVER (ORDER BY doc_no) AS n
  FROM stock_documents WHERE doc_no >= 1000000;
INSERT INTO serial_numbers (id, company_id, product_id, serial, cost, status)
SELECT gen_random_uuid(), company, bm.id, 'BENCH' || lpad(i::text, 12, '0'), 60000 + i % 1000, 'registered'
  FROM ctx, generate_series(1, :u) i JOIN bm ON bm.n = 1 + i % 20;
CREATE TEMP TABLE units AS SELECT id, product_id, cost, row_number() OVER (ORDER BY serial) AS n
  FROM serial_numbers WHERE serial LIKE 'BENCH%';
-- the units' receipts: the first U moves
INSERT INTO stock_moves (company_id, document_id, line_no, move_date, product_id, serial_id, quantity,
                         from_location_id, to_location_id, value)
SELECT company, d.id, (u.n - 1) % 100, d.doc_date, u.product_id, u.id, 1, sup, w1, u.cost
  FROM ctx, units u JOIN docs d ON d.n = 1 + (u.n - 1) / 100;
-- parts: in pairs, 10 received then 4 delivered, in the documents after the units'
INSERT INTO stock_moves (company_id, document_id, line_no, move_date, product_id, quantity,
                         from_location_id, to_location_id, value)
SELECT company, d.id, (k - 1) % 100, d.doc_date, bp.id,
       CASE WHEN k % 2 = 1 THEN 10 ELSE 4 END,
       CASE WHEN k % 2 = 1 THEN sup ELSE w1 END,
       CASE WHEN k % 2 = 1 THEN w1 ELSE cust END,
       CASE WHEN k % 2 = 1 THEN 1000 ELSE 400 END
  FROM ctx, generate_series(1, :m - :u) k
  JOIN docs d ON d.n = 1 + (:u + k - 1) / 100
  JOIN bp ON bp.n = 1 + ((k - 1) / 2) % 200;
-- what the triggers keep move by move, in one pass
INSERT INTO stock_on_hand AS s (company_id, location_id, product_id, quantity)
SELECT company, location, product, sum(delta) FROM (
    SELECT m.company_id AS company, m.to_location_id AS location, m.product_id AS product, m.quantity AS delta
      FROM stock_moves m JOIN docs d ON d.id = m.document_id WHERE m.to_location_id = (SELECT w1 FROM ctx)
    UNION ALL
    SELECT m.company_id, m.from_location_id, m.product_id, -m.quantity
      FROM stock_moves m JOIN docs d ON d.id = m.document_id WHERE m.from_location_id = (SELECT w1 FROM ctx)) x
 GROUP BY 1, 2, 3
ON CONFLICT (company_id, location_id, product_id) DO UPDATE SET quantity = s.quantity + EXCLUDED.quantity;
INSERT INTO stock_values AS s (company_id, product_id, quantity, value)
SELECT m.company_id, m.product_id,
       sum(CASE WHEN m.to_location_id = (SELECT w1 FROM ctx) THEN m.quantity ELSE -m.quantity END),
       sum(CASE WHEN m.to_location_id = (SELECT w1 FROM ctx) THEN m.value ELSE -m.value END)
  FROM stock_moves m JOIN docs d ON d.id = m.document_id
 GROUP BY 1, 2
ON CONFLICT (company_id, product_id) DO UPDATE SET quantity = s.quantity + EXCLUDED.quantity, value = s.value + EXCLUDED.value;
UPDATE serial_numbers s SET location_id = (SELECT w1 FROM ctx), status = 'available'
 WHERE s.serial LIKE 'BENCH%';
SET session_replication_role = origin;
ANALYZE;
"""

# The valuation the API must answer, summed from the moves themselves.
TRUTH = """
SELECT sum(CASE WHEN t.kind IN ('internal', 'transit') THEN m.value ELSE -m.value END)
  FROM stock_moves m
  JOIN stock_locations f ON f.id = m.from_location_id
  JOIN stock_locations t ON t.id = m.to_location_id
 WHERE m.company_id = (SELECT id FROM companies WHERE name = 'Motos Catrachas')
   AND m.move_date <= :day
   AND (f.kind IN ('internal', 'transit')) <> (t.kind IN ('internal', 'transit'))
"""


class Api:
    def __init__(self, port, ca):
        self.conn = http.client.HTTPSConnection("localhost", port, context=ssl.create_default_context(cafile=ca))
        self.cookie = ""

    def call(self, method, path, body=None):
        headers = {"Content-Type": "application/json", "Cookie": self.cookie}
        self.conn.request(method, path, json.dumps(body) if body is not None else None, headers)
        res = self.conn.getresponse()
        data = res.read()
        if res.status >= 300:
            raise BenchError(f"{method} {path}: {res.status} {data[:300]!r}")
        if res.getheader("Set-Cookie"):
            self.cookie = res.getheader("Set-Cookie").split(";")[0]
        return json.loads(data) if data else None

    def login(self, email, company):
        me = self.call("POST", "/api/v1/session", {"email": email, "password": "demo-usuario-2026"})
        cid = next(c["company_id"] for c in me["companies"] if c["company_name"] == company)
        self.call("PUT", "/api/v1/me/company", {"company_id": cid})


def timed(samples, fn):
    t = time.perf_counter()
    result = fn()
    samples.append((time.perf_counter() - t) * 1000)
    return result


def container(api, k, supplier, transit, model, broker, times):
    """50 units by VIN into transit, then the DUA's costs spread by value."""
    units = [{"serial": f"MLHC{k:05d}R5{i:06d}", "engine_no": f"KC{k:05d}-{i:03d}", "colour": "Rojo",
              "model_year": 2027, "unit_cost": str(60000 + i * 10)} for i in range(50)]
    receipt = timed(times[0], lambda: api.call("POST", "/api/v1/stock/receipts", {
        "party_id": supplier, "location_id": transit, "reference": f"BL-{k}",
        "lines": [{"product_id": model, "units": units}]}))
    timed(times[1], lambda: api.call("POST", "/api/v1/stock/landed-costs", {
        "receipt_id": receipt["id"], "party_id": broker, "reference": f"DUA-{k}",
        "costs": [{"kind": "freight", "amount": "150000.00"}, {"kind": "dai", "amount": "30000.00"},
                  {"kind": "selectivo", "amount": "300000.00"}]}))
    times[2].append(times[0][-1] + times[1][-1])


def report(label, samples):
    p50, p99, worst = percentiles(samples)
    print(f"{label:44} {p50:8.2f} {p99:8.2f} {worst:8.2f}")


def tryton_python():
    """The peer's Python, with Tryton installed in its virtualenv."""
    python = os.path.join(TRYTON_VENV, "bin/python")
    if not os.path.exists(os.path.join(TRYTON_VENV, "bin/trytond-admin")):
        subprocess.run([sys.executable, "-m", "venv", TRYTON_VENV], check=True)
        subprocess.run([python, "-m", "pip", "install", "-q"] + TRYTON_PACKAGES, check=True)
    return python


def tryton_peer(socket_dir, n, u, m):
    """Tryton's figures for the same reads: {label: (p50, p99, max)}."""
    peer = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tryton_stock_peer.py")
    out = subprocess.run([tryton_python(), "-W", "ignore", peer, "tryton_bench", str(n), str(u), str(m)],
                         env=dict(os.environ, PGHOST=socket_dir, PGUSER="erp"),
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise BenchError(f"the Tryton peer failed: {out.stderr[-1500:]}")
    figures = {}
    for line in out.stdout.splitlines():
        if line.startswith("#"):
            print(line[2:])
            continue
        label, *numbers = line.split("\t")
        figures[label] = tuple(positive(float(x), f"Tryton {label}") for x in numbers)
    return figures


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/appliance"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    u = int(sys.argv[3]) if len(sys.argv) > 3 else 100_000
    m = int(sys.argv[4]) if len(sys.argv) > 4 else 2_000_000
    if m < u + 200 or u % 100 or m % 100:
        raise BenchError("M must exceed U by at least 200 and both be multiples of 100")
    port = 9953
    with tempfile.TemporaryDirectory(prefix="erp-bench-") as data:
        os.chmod(data, 0o755)
        var = os.path.join(data, "var")
        proc = start(binary, var, port)
        ca = os.path.join(var, "tls", "local-ca.pem")
        psql = ["psql", "-q", "-v", "ON_ERROR_STOP=1", f"host={var}/pg/run user=erp dbname=erp"]

        def sql(text):
            return subprocess.run(psql + ["-At", "-c", text], check=True, capture_output=True,
                                  text=True).stdout.strip()
        try:
            api = Api(port, ca)
            api.login("bodega@demo.hn", "Motos Catrachas")
            supplier = next(p["id"] for p in api.call("GET", "/api/v1/parties?kind=supplier")["items"]
                            if p["name"].startswith("Honda"))
            model = api.call("GET", "/api/v1/products?q=XR190L")["items"][0]["id"]
            transit = next(l["id"] for l in api.call("GET", "/api/v1/stock-locations?limit=200")["items"]
                           if l["kind"] == "transit")
            # The broker is a supplier the accountant would add; the
            # warehouse user may not, so it is added in SQL.
            sql("INSERT INTO parties (id, company_id, name, is_customer, is_supplier) "
                "SELECT gen_random_uuid(), id, 'Agencia Aduanera de Banco', false, true "
                "FROM companies WHERE name = 'Motos Catrachas'")
            broker = next(p["id"] for p in api.call("GET", "/api/v1/parties?q=Aduanera")["items"])
            warm = [[], [], []]
            for k in range(3):
                container(api, 90000 + k, supplier, transit, model, broker, warm)
            sql("ANALYZE")
            times = [[], [], []]
            for k in range(n):
                container(api, k, supplier, transit, model, broker, times)
            units = int(sql("SELECT count(*) FROM serial_numbers WHERE serial LIKE 'MLHC%'"))
            if units != 50 * (n + 3):
                raise BenchError(f"{units} units received, expected {50 * (n + 3)}")
            print(f"container of 50 units by VIN + landed costs by value, sequential, n={n}")
            print(f"{'request':44} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
            report("receipt (50 units into transit)", times[0])
            report("landed costs (3 costs over 50 units)", times[1])
            report("both", times[2])
            valuation = api.call("GET", "/api/v1/stock/valuation")
            if valuation["total"] != valuation["ledger_balance"]:
                raise BenchError(f"valuation {valuation['total']} differs from the ledger {valuation['ledger_balance']}")
            print(f"valuation = ledger inventory after the containers: L {valuation['total']}")

            t0 = time.monotonic()
            script = LOAD.replace(":m", str(m)).replace(":u", str(u))
            subprocess.run(psql, input=script, text=True, check=True)
            moves = int(positive(int(sql("SELECT count(*) FROM stock_moves")), "stock moves"))
            serials = int(sql("SELECT count(*) FROM serial_numbers"))
            print(f"loaded {u:,} units and {m:,} moves ({moves:,} moves, {serials:,} units in all) "
                  f"in {time.monotonic() - t0:.0f} s")
            month_end = sql("SELECT (date_trunc('month', current_date) - interval '1 day')::date")
            truth_today = sql(TRUTH.replace(":day", "current_date"))
            truth_month = sql(TRUTH.replace(":day", f"DATE '{month_end}'"))
            vin = sql("SELECT serial FROM serial_numbers WHERE serial LIKE 'BENCH%' ORDER BY serial OFFSET 54321 LIMIT 1")
            reads = {
                "on hand (all locations and products)": "/api/v1/stock/on-hand",
                "valuation today": "/api/v1/stock/valuation",
                f"valuation at {month_end}": f"/api/v1/stock/valuation?date={month_end}",
                "a unit by VIN": f"/api/v1/stock/units?q={vin}",
            }
            samples = {label: [] for label in reads}
            answers = {}
            for _ in range(3):  # warm-up
                for path in reads.values():
                    api.call("GET", path)
            for _ in range(n):
                for label, path in reads.items():
                    answers[label] = timed(samples[label], lambda p=path: api.call("GET", p))
            print(f"reports over {moves:,} moves and {serials:,} units, n={n} each")
            print(f"{'request':44} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
            for label in reads:
                report(label, samples[label])
            # The figures answered are the moves' own sums.
            for label, truth in [("valuation today", truth_today), (f"valuation at {month_end}", truth_month)]:
                if abs(float(answers[label]["total"]) - float(truth)) > 0.005:
                    raise BenchError(f"{label}: API {answers[label]['total']}, moves sum to {truth}")
            if len(answers["a unit by VIN"]) != 1:
                raise BenchError(f"the VIN lookup found {len(answers['a unit by VIN'])} units")
            print(f"valuation today L {answers['valuation today']['total']} and at {month_end} "
                  f"L {answers[f'valuation at {month_end}']['total']} equal the moves summed in SQL")

            # Tryton takes seconds per figure at this size: five samples each.
            peer_n = min(n, 5)
            peer = tryton_peer(os.path.join(var, "pg", "run"), peer_n, u, m)
            missing = [label for label in reads if label not in peer]
            if missing:
                raise BenchError(f"the Tryton peer did not answer {missing}")
            print(f"side by side, same ledger and PostgreSQL: p50 / p99 in ms, n={n} ours, n={peer_n} Tryton's "
                  f"(ours over HTTPS through the proxy, Tryton in process)")
            print(f"{'request':44} {'ours p50':>9} {'Tryton p50':>11} {'ours p99':>9} {'Tryton p99':>11}")
            for label in reads:
                ours = percentiles(samples[label])
                theirs = peer[label]
                print(f"{label:44} {ours[0]:9.2f} {theirs[0]:11.2f} {ours[1]:9.2f} {theirs[1]:11.2f}")
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait()


if __name__ == "__main__":
    main_guard(main)
