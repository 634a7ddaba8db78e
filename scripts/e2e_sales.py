#!/usr/bin/env python3
"""A user's first morning on a fresh install, through the API, for the
end-to-end run: sign in, a CAI range for the main branch's emission point,
a customer, an invoice posted (its fiscal number drawn), and a CSV export that
the worker builds in the background and that downloads.

Usage: e2e_sales.py BASE_URL EMAIL PASSWORD   (the password on argv is a
test account's). Prints one line per result; exits 1 with a sentence on the
first thing that goes wrong. Standard library only.
"""

import http.cookiejar
import json
import ssl
import sys
import time
import urllib.error
import urllib.request

CAI = "3A1B2C-4D5E6F-708192-A3B4C5-D6E7F8-09"


class Api:
    def __init__(self, base):
        self.base = base.rstrip("/")
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the run's domain has a local CA
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            urllib.request.HTTPSHandler(context=context),
        )

    def call(self, method, path, body=None, want=(200, 201, 202)):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            req.add_header("content-type", "application/json")
        try:
            with self.opener.open(req, timeout=30) as res:
                status, raw, kind = res.status, res.read(), res.headers.get("content-type", "")
        except urllib.error.HTTPError as e:
            status, raw, kind = e.code, e.read(), e.headers.get("content-type", "")
        if status not in want:
            sys.exit(f"{method} {path}: {status} {raw[:300].decode(errors='replace')}")
        return json.loads(raw) if "json" in kind and raw else raw


def main(base, email, password):
    api = Api(base)
    me = api.call("POST", "/api/v1/session", {"email": email, "password": password})
    print(f"signed in as {email} in {me['companies'][0]['company_name']}")
    # A new company has its main branch 001 with emission point 001.
    branches = api.call("GET", "/api/v1/branches")
    if not any(b["code"] == "001" for b in branches):
        api.call("POST", "/api/v1/branches",
                 {"code": "001", "name": "Casa matriz", "emission_points": ["001"]})
    ranges = api.call("GET", "/api/v1/fiscal-ranges")
    if not any(r.get("doc_kind") == "invoice" for r in ranges):
        api.call("POST", "/api/v1/fiscal-ranges",
                 {"doc_kind": "invoice", "cai": CAI, "deadline": "2099-12-31",
                  "first": "001-001-01-00000001", "last": "001-001-01-00005000"})
    customer = api.call("POST", "/api/v1/parties", {"name": "Consumidor Final"})
    draft = api.call("POST", "/api/v1/sales/documents", {
        "kind": "invoice", "party_id": customer["id"],
        "lines": [{"description": "Casco certificado", "quantity": "1",
                   "unit_price": "1500.00", "tax_class": "isv15"}]})
    posted = api.call("POST", f"/api/v1/sales/documents/{draft['id']}/post",
                      {"version": draft["version"]})
    number = (posted.get("fiscal") or {}).get("number")
    if not (number or "").startswith("001-001-01-") or not number[-8:].isdigit():
        sys.exit(f"the posted invoice has fiscal number {number!r}, not one of 001-001-01-…")
    print(f"invoice {number} posted, total L {posted['amounts']['total']}")

    export = api.call("POST", "/api/v1/exports/users-roles", want=(202,))
    deadline = time.monotonic() + 60
    while True:
        state = api.call("GET", f"/api/v1/exports/{export['id']}")
        if state["status"] == "done":
            break
        if state["status"] == "failed" or time.monotonic() > deadline:
            sys.exit(f"export {export['id']} is {state['status']} after {60 - deadline + time.monotonic():.0f} s")
        time.sleep(0.5)
    csv = api.call("GET", f"/api/v1/exports/{export['id']}/file").decode()
    if email not in csv:
        sys.exit(f"the export's file does not list {email}: {csv[:200]!r}")
    print(f"export job done by the worker: {state['row_count']} row(s), CSV downloaded")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
