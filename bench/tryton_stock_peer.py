#!/usr/bin/env python3
"""Tryton 7.0 (LTS) as the peer of bench/stock.py's report figures.

Run with the Python of a virtualenv holding trytond, trytond_stock,
trytond_stock_lot and psycopg2 (bench/stock.py makes it). PGHOST names the
socket directory of the PostgreSQL cluster to use and PGUSER a superuser of
it: the peer gets a database of its own in the same cluster the appliance
uses, so both read from the same server.

It activates the stock and lot modules in a fresh database, makes one
company, 20 vehicle models and 200 parts through Tryton's own models, then
loads the same ledger as bench/stock.py with SQL — U units, one lot per VIN,
received into the warehouse's storage zone, and parts received 10 and
delivered 4 in pairs, M moves in all, done, over the last 700 days — and
times, in process (no HTTP, TLS or JSON: an advantage to Tryton), what the
appliance answers over the API:

- on hand: `products_by_location` over the storage zone, every product;
- valuation today and at the end of last month: each product's
  `cost_value` (quantity × cost price) with `stock_date_end`;
- a unit by VIN: the lot searched by number, with its quantity.

It prints one line per figure, `label p50 p99 max` in milliseconds, and
fails loudly if Tryton's quantities differ from the moves loaded.

    PGHOST=/run/dir PGUSER=erp python bench/tryton_stock_peer.py DBNAME N U M
"""

import datetime
import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal

import psycopg2

LOAD = """
CREATE TEMP TABLE ctx AS SELECT
    (SELECT id FROM company_company LIMIT 1) AS company,
    (SELECT id FROM stock_location WHERE code = 'STO') AS sto,
    (SELECT id FROM stock_location WHERE code = 'SUP') AS sup,
    (SELECT id FROM stock_location WHERE code = 'CUS') AS cust,
    (SELECT id FROM product_uom WHERE symbol = 'u') AS uom,
    (SELECT currency FROM company_company LIMIT 1) AS cur;
CREATE TEMP TABLE bm AS SELECT p.id, row_number() OVER (ORDER BY t.name) AS n
  FROM product_product p JOIN product_template t ON t.id = p.template WHERE t.name LIKE 'Modelo de banco %';
CREATE TEMP TABLE bp AS SELECT p.id, row_number() OVER (ORDER BY t.name) AS n
  FROM product_product p JOIN product_template t ON t.id = p.template WHERE t.name LIKE 'Repuesto de banco %';
INSERT INTO stock_lot (number, product, active, create_uid, create_date)
SELECT 'BENCH' || lpad(i::text, 12, '0'), bm.id, true, 0, now()
  FROM generate_series(1, :u) i JOIN bm ON bm.n = 1 + i % 20;
CREATE TEMP TABLE units AS SELECT id, product, row_number() OVER (ORDER BY number) AS n FROM stock_lot;
INSERT INTO stock_move (company, product, lot, quantity, internal_quantity, unit, from_location, to_location,
                        state, effective_date, planned_date, unit_price, cost_price, currency, create_uid, create_date)
SELECT company, u.product, u.id, 1, 1, uom, sup, sto, 'done',
       current_date - 700 + ((u.n - 1) / 100)::int * 700 / (:m / 100),
       current_date - 700 + ((u.n - 1) / 100)::int * 700 / (:m / 100),
       60000 + u.n % 1000, 60000, cur, 0, now()
  FROM ctx, units u;
INSERT INTO stock_move (company, product, quantity, internal_quantity, unit, from_location, to_location,
                        state, effective_date, planned_date, unit_price, cost_price, currency, create_uid, create_date)
SELECT company, bp.id, q, q, uom,
       CASE WHEN k % 2 = 1 THEN sup ELSE sto END, CASE WHEN k % 2 = 1 THEN sto ELSE cust END, 'done',
       current_date - 700 + ((:u + k - 1) / 100)::int * 700 / (:m / 100),
       current_date - 700 + ((:u + k - 1) / 100)::int * 700 / (:m / 100),
       100, 100, cur, 0, now()
  FROM ctx, generate_series(1, :m - :u) k
  JOIN bp ON bp.n = 1 + ((k - 1) / 2) % 200
  CROSS JOIN LATERAL (SELECT CASE WHEN k % 2 = 1 THEN 10 ELSE 4 END AS q) x;
ANALYZE;
"""


class PeerError(Exception):
    pass


def percentiles(samples):
    s = sorted(samples)
    if not s or s[0] <= 0:
        raise PeerError("no timing measured")
    return s[len(s) // 2], s[min(len(s) - 1, int(len(s) * 0.99))], s[-1]


def timed(samples, fn):
    t = time.perf_counter()
    result = fn()
    samples.append((time.perf_counter() - t) * 1000)
    return result


def main():
    db, n, u, m = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    user = os.environ.get("PGUSER", "erp")
    admin = psycopg2.connect(dbname="postgres", user=user)
    admin.autocommit = True
    with admin.cursor() as c:
        c.execute(f'DROP DATABASE IF EXISTS "{db}"')
        c.execute(f'CREATE DATABASE "{db}"')
    admin.close()

    work = tempfile.mkdtemp(prefix="tryton-peer-")
    conf = os.path.join(work, "trytond.conf")
    with open(conf, "w") as f:
        f.write(f"[database]\nuri = postgresql://{user}@/\n")
    password = os.path.join(work, "admin-password")
    with open(password, "w") as f:
        f.write("bench-admin\n")
    admin_bin = os.path.join(os.path.dirname(sys.executable), "trytond-admin")
    t0 = time.monotonic()
    subprocess.run([admin_bin, "-c", conf, "-d", db, "--all", "--email", "admin@example.com",
                    "-u", "stock_lot", "--activate-dependencies"],
                   env=dict(os.environ, TRYTONPASSFILE=password), check=True,
                   stdout=subprocess.DEVNULL)
    print(f"# Tryton 7.0: database with stock and stock_lot in {time.monotonic() - t0:.0f} s", flush=True)

    from trytond.config import config
    config.update_etc(conf)
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    Pool.start()
    pool = Pool(db)
    pool.init()

    with Transaction().start(db, 0) as t:
        Currency = pool.get("currency.currency")
        Party = pool.get("party.party")
        Company = pool.get("company.company")
        Uom = pool.get("product.uom")
        Template = pool.get("product.template")
        hnl, = Currency.create([{"name": "Lempira", "code": "HNL", "symbol": "L", "rounding": Decimal("0.01"),
                                 "digits": 2}])
        party, = Party.create([{"name": "Motos Catrachas"}])
        company, = Company.create([{"party": party.id, "currency": hnl.id}])
        unit, = Uom.search([("symbol", "=", "u")])
        with Transaction().set_context(company=company.id):
            Template.create(
                [{"name": f"Modelo de banco {i:02d}", "type": "goods", "default_uom": unit.id,
                  "cost_price_method": "fixed", "list_price": Decimal(90000),
                  "products": [("create", [{"cost_price": Decimal(60000)}])]} for i in range(1, 21)]
                + [{"name": f"Repuesto de banco {i:03d}", "type": "goods", "default_uom": unit.id,
                    "cost_price_method": "average", "list_price": Decimal(250),
                    "products": [("create", [{"cost_price": Decimal(100)}])]} for i in range(1, 201)])
        t.commit()
        company_id = company.id

    t0 = time.monotonic()
    conn = psycopg2.connect(dbname=db, user=user)
    with conn.cursor() as c:
        c.execute(LOAD.replace(":m", str(m)).replace(":u", str(u)))
        conn.commit()
        c.execute("SELECT count(*) FROM stock_move")
        moves = c.fetchone()[0]
        c.execute("SELECT number FROM stock_lot ORDER BY number OFFSET %s LIMIT 1", (min(54321, u // 2),))
        vin = c.fetchone()[0]
    conn.close()
    if moves != m:
        raise PeerError(f"{moves} moves loaded, expected {m}")
    print(f"# Tryton 7.0: loaded {u:,} lots and {moves:,} moves in {time.monotonic() - t0:.0f} s", flush=True)

    today = datetime.date.today()
    month_end = today.replace(day=1) - datetime.timedelta(days=1)
    expected_quantity = u + (m - u) // 2 * 6
    with Transaction().start(db, 0, readonly=True, context={"company": company_id}):
        Product = pool.get("product.product")
        Location = pool.get("stock.location")
        Lot = pool.get("stock.lot")
        storage, = Location.search([("code", "=", "STO")])
        warehouse, = Location.search([("code", "=", "WH")])
        products = Product.search([])

        def on_hand():
            with Transaction().set_context(stock_date_end=today):
                return Product.products_by_location([storage.id], with_childs=True)

        def valuation(day):
            with Transaction().set_context(locations=[warehouse.id], stock_date_end=day):
                return Product.read([p.id for p in products], ["quantity", "cost_value"])

        def by_vin():
            with Transaction().set_context(locations=[warehouse.id]):
                lots = Lot.search([("number", "=", vin)])
                return [(lot.number, lot.quantity) for lot in lots]

        reads = [
            ("on hand (all locations and products)", on_hand),
            ("valuation today", lambda: valuation(today)),
            (f"valuation at {month_end}", lambda: valuation(month_end)),
            ("a unit by VIN", by_vin),
        ]
        samples = {label: [] for label, _ in reads}
        answers = {}
        for _ in range(2):  # warm-up: Tryton's caches and PostgreSQL's
            for _, fn in reads:
                fn()
        for _ in range(n):
            for label, fn in reads:
                answers[label] = timed(samples[label], fn)
        held = sum(answers["on hand (all locations and products)"].values())
        if round(held) != expected_quantity:
            raise PeerError(f"Tryton holds {held} units and parts, the moves say {expected_quantity}")
        valued = sum(r["quantity"] for r in answers["valuation today"])
        if round(valued) != expected_quantity:
            raise PeerError(f"Tryton values {valued} units and parts, the moves say {expected_quantity}")
        if answers["a unit by VIN"] != [(vin, 1.0)]:
            raise PeerError(f"the VIN lookup answered {answers['a unit by VIN']}")
        for label, _ in reads:
            p50, p99, worst = percentiles(samples[label])
            print(f"{label}\t{p50:.2f}\t{p99:.2f}\t{worst:.2f}", flush=True)


if __name__ == "__main__":
    try:
        main()
    except PeerError as e:
        print(f"tryton peer: {e}", file=sys.stderr)
        sys.exit(1)
