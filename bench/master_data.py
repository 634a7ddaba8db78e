#!/usr/bin/env python3
"""List and search figures with 100k parties and 100k products in one company.

Starts `appliance up --demo` on a fresh data directory, loads 100,000 parties
and 100,000 products (every tenth a vehicle with a VIN) into Motos Catrachas
with SQL, logs in through the API as the company admin and times, over one
kept-alive HTTPS connection through the proxy, N requests of each kind:
the first list page, a deep cursor page (row 80,000 by name), and searches
(common word, accented word, RTN digits, SKU, VIN). Prints p50/p99/max in ms.
Figures are end to end on loopback, so they include TLS and the proxy hop.

    python3 bench/master_data.py target/release/appliance [N=300]
"""

import base64
import http.client
import json
import os
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse

from common import BenchError, main_guard, percentiles, start

LOAD = """
INSERT INTO parties (id, company_id, name, rtn, is_customer, is_supplier, city)
SELECT gen_random_uuid(), c.id,
       (ARRAY['José','María','Ana','Luis','Karla','Óscar','Néstor','Iván'])[1 + i % 8] || ' ' ||
       (ARRAY['Ávila','López','Martínez','Zelaya','Núñez','Hernández','Peña','Cáceres','Mejía','Ramírez'])[1 + (i / 8) % 10] || ' ' ||
       (ARRAY['Flores','Rivera','Castillo','Bonilla','Maradiaga','Irías','Sosa','Duarte','Velásquez','Aguilar'])[1 + (i / 80) % 10] || ' ' || i,
       lpad(i::text, 14, '0'), true, i % 5 = 0, 'Tegucigalpa'
  FROM generate_series(1, 100000) i, companies c WHERE c.name = 'Motos Catrachas';
INSERT INTO products (id, company_id, sku, name, sale_price, cost, tax_class, tracking, is_vehicle)
SELECT gen_random_uuid(), c.id, 'SKU-' || i,
       (ARRAY['Motocicleta','Casco','Llanta','Aceite','Batería','Cadena','Espejo','Filtro'])[1 + i % 8] || ' ' ||
       (ARRAY['Honda','Yamaha','Suzuki','Bajaj','Genesis','Italika','Kawasaki','Toyota','Nissan','Hyundai'])[1 + (i / 8) % 10] || ' ' || i,
       (i % 1000) * 37.5 + 99.99, (i % 1000) * 30, 'isv15',
       CASE WHEN i % 10 = 0 THEN 'serial' ELSE 'none' END, i % 10 = 0
  FROM generate_series(1, 100000) i, companies c WHERE c.name = 'Motos Catrachas';
INSERT INTO serial_numbers (id, company_id, product_id, serial)
SELECT gen_random_uuid(), p.company_id, p.id, 'LBP' || upper(lpad(to_hex(row_number() OVER ()), 14, '0'))
  FROM products p WHERE p.is_vehicle;
ANALYZE;
"""


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/appliance"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    port = 9843
    with tempfile.TemporaryDirectory(prefix="erp-bench-") as data:
        os.chmod(data, 0o755)
        var = os.path.join(data, "var")
        proc = start(binary, var, port)
        try:
            t0 = time.monotonic()
            psql = ["psql", "-q", "-v", "ON_ERROR_STOP=1", f"host={var}/pg/run user=erp dbname=erp"]
            subprocess.run(psql + ["-c", LOAD], check=True)
            print(f"loaded 100,000 parties, 100,000 products, 10,000 VINs in {time.monotonic() - t0:.1f} s")
            row = subprocess.run(
                psql + ["-At", "-c", "SELECT name_key || '|' || id FROM parties ORDER BY name_key, id OFFSET 80000 LIMIT 1"],
                check=True, capture_output=True, text=True).stdout.strip()
            key, ident = row.rsplit("|", 1)
            deep = base64.urlsafe_b64encode(json.dumps({"key": key, "id": ident}).encode()).decode().rstrip("=")

            ctx = ssl.create_default_context(cafile=os.path.join(var, "tls", "local-ca.pem"))
            conn = http.client.HTTPSConnection("localhost", port, context=ctx)
            conn.request("POST", "/api/v1/session", json.dumps({"email": "gerente@demo.hn", "password": "demo-usuario-2026"}),
                         {"Content-Type": "application/json"})
            res = conn.getresponse()
            body = res.read()
            if res.status != 200:
                raise BenchError(f"logging in: {res.status} {body[:200]!r}")
            cookie = res.getheader("Set-Cookie").split(";")[0]
            cases = [
                ("parties, first page (50)", "/api/v1/parties"),
                ("parties, deep cursor page", "/api/v1/parties?cursor=" + deep),
                ("parties, newest first", "/api/v1/parties?sort=-created"),
                ("products, first page (50)", "/api/v1/products"),
                ("products by SKU, page 1", "/api/v1/products?sort=sku"),
                ("list filter q=zelaya", "/api/v1/parties?q=zelaya"),
                ("search 'avila' (common)", "/api/v1/search?q=avila"),
                ("search 'nunez irias 4711'", "/api/v1/search?q=" + urllib.parse.quote("irías 4711")),
                ("search RTN digits", "/api/v1/search?q=00000000054321"),
                ("search SKU 'sku-99999'", "/api/v1/search?q=sku-99999"),
                ("search VIN tail", "/api/v1/search?q=000000000270f"),
            ]
            print(f"{'request':34} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}   (n={n} each)")
            for label, path in cases:
                times = []
                for _ in range(n):
                    t = time.perf_counter()
                    conn.request("GET", path, headers={"Cookie": cookie})
                    res = conn.getresponse()
                    body = res.read()
                    times.append((time.perf_counter() - t) * 1000)
                    if res.status != 200:
                        raise BenchError(f"{path}: {res.status} {body[:200]!r}")
                p50, p99, worst = percentiles(times)
                print(f"{label:34} {p50:8.2f} {p99:8.2f} {worst:8.2f}")
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait()


if __name__ == "__main__":
    main_guard(main)
