#!/usr/bin/env python3
"""Instructions per request: the appliance's proxy against pingora-minimal,
counted by callgrind instead of timed.

`bench/edge.py` times the proxies, and on this shared 2-core VM one
binary's figures move by a third between rounds: a change worth 2 % cannot
be seen there. Valgrind's callgrind counts the instructions a process runs
in user space, which does not depend on what else the host does. Each proxy
runs under callgrind in front of the same nginx upstream as in edge.py
(23 bytes from memory); after a warm-up on the same kind of connections,
counting is switched on for REQUESTS requests from h2load (8 connections;
HTTP/1.1, then HTTP/2 with 10 streams each) and off again. Printed: user
instructions per request for both, their ratio, and the functions that
account for most of the difference (exclusive counts; inlining differs
between the two binaries, so a function may move rather than cost).

Kernel work (TCP, the socket calls, about 40 % of the CPU time in edge.py)
is not counted: it is the same per request for both.

    python3 bench/edge_instructions.py target/release/appliance [REQUESTS=10000] [--caddyfile] [--browser] [--same-job] [--keep]

`--caddyfile` counts the Caddyfile edge (the one-site Caddyfile edge.py
measures) instead of the built-in routes; `--browser` sends the header
fields a browser sends with a page request (h2load alone sends two or
three, which hides what a proxy does per field); `--keep` keeps the
callgrind profiles and prints where, for `callgrind_annotate --inclusive=yes`;
`--same-job` counts pingora-minimal doing the appliance's job the plain way
(the header fields the built-in routes add to this answer, read from their
answer, set with pingora's `insert_header`; X-Forwarded-For; the same
timeouts: see bench/pingora-minimal) instead of nothing: the appliance's instructions
beyond that are what its way of doing the job costs.

Installs valgrind, nginx and nghttp2-client (h2load) when missing, and
builds bench/pingora-minimal (rustls) as edge.py does. Takes about 6
minutes: under callgrind a request costs ~50 times its CPU.
"""

import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter

from common import LIMITS_OFF, BenchError, main_guard, positive
from edge import (added_fields, build_minimal, certificate, ensure_tools, free_port, nginx_upstream,
                  one_site_caddyfile, wait_port)

TOOLS = [("valgrind", "valgrind"), ("nginx", "nginx"), ("nghttp2-client", "h2load")]
CONNECTIONS = 8
WARM_UP = 1000
MODES = {"HTTP/1.1": ["--h1", "-m1"], "HTTP/2": ["-m10"]}
# What Chromium sends with a page request to the appliance (a session
# cookie's length; the values are made up).
BROWSER = [
    "user-agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36",
    "accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
    "accept-encoding: gzip, deflate, br, zstd",
    "accept-language: es-HN,es;q=0.9,en;q=0.8",
    "cookie: erp_session=3q2+7wAAAAB0aGlzIGlzIGEgc2Vzc2lvbiBpZCBvZiBzb21lIGxlbmd0aA; erp_lang=es",
    "sec-fetch-dest: document",
    "sec-fetch-mode: navigate",
    "sec-fetch-site: same-origin",
    "upgrade-insecure-requests: 1",
]


def h2load(url, args, requests):
    """`requests` requests; all must succeed."""
    out = subprocess.run(["h2load", "-t1", f"-c{CONNECTIONS}", *args, "-n", str(requests), url],
                         capture_output=True, text=True).stdout
    done = re.search(r"(\d+) succeeded", out)
    if not done or int(done.group(1)) != requests:
        raise BenchError(f"h2load did not get {requests} answers from {url}:\n{out[-600:]}")


def callgrind_control(*args):
    subprocess.run(["callgrind_control", *args], check=True, capture_output=True)


def count(command, port, out, args, requests, env=None, started=None):
    """Run `command` under callgrind and count `requests` requests: the
    profile's path and the instructions per request. `started` is called
    once the proxy listens, before anything is counted."""
    proc = subprocess.Popen(["valgrind", "--tool=callgrind", "--instr-atstart=no",
                             f"--callgrind-out-file={out}", *command],
                            env=dict(os.environ, RUST_LOG="warn", **(env or {})),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port, 300)
        if started:
            started()
        url = f"https://localhost:{port}/"
        h2load(url, args, WARM_UP)
        callgrind_control("--instr=on", str(proc.pid))
        h2load(url, args, requests)
        callgrind_control("--instr=off", str(proc.pid))
        callgrind_control("--dump", str(proc.pid))
    finally:
        proc.kill()
        proc.wait()
    dumps = [p for p in glob.glob(out + ".*") if os.path.getsize(p) > 0]
    if len(dumps) != 1:
        raise BenchError(f"expected one callgrind dump for {command[0]}, found {dumps}")
    with open(dumps[0]) as f:
        total = re.search(r"^totals: (\d+)", f.read(), re.M)
    if not total:
        raise BenchError(f"no instruction total in {dumps[0]}")
    return dumps[0], positive(int(total.group(1)) / requests, f"instructions per request of {command[0]}")


def by_function(profile, requests):
    """Exclusive instructions per request of each function (generics folded)."""
    text = subprocess.run(["callgrind_annotate", "--threshold=100", profile],
                          capture_output=True, text=True, check=True).stdout
    found = Counter()
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+) \([^)]*\)\s+\S*?:(.*?) \[", line)
        if m:
            name = m.group(2)
            while re.search(r"<[^<>]*>", name):
                name = re.sub(r"<[^<>]*>", "", name)
            found[name[:110]] += int(m.group(1).replace(",", "")) / requests
    return found


def main():
    flags = {a for a in sys.argv[1:] if a.startswith("--")}
    known = {"--caddyfile", "--browser", "--same-job", "--keep"}
    unknown = flags - known
    if unknown:
        raise BenchError(f"unknown option {', '.join(sorted(unknown))} (known: {', '.join(sorted(known))})")
    positional = [a for a in sys.argv[1:] if not a.startswith("--")]
    binary = os.path.abspath(positional[0] if positional else "target/release/appliance")
    requests = int(positional[1]) if len(positional) > 1 else 10000
    with_caddyfile = "--caddyfile" in flags
    same_job = "--same-job" in flags
    if same_job and with_caddyfile:
        raise BenchError("--same-job copies the built-in routes' job (a Caddyfile upstream also gets "
                         "X-Forwarded-Proto and -Host, which pingora-minimal does not send): not with --caddyfile")
    fields = [a for h in BROWSER for a in ("-H", h)] if "--browser" in flags else []
    ensure_tools(TOOLS)
    minimal = build_minimal("rustls")
    tmp = tempfile.mkdtemp(prefix="edge-instructions-")
    cert, key, _ = certificate(tmp)
    up_http, up_https = free_port(), free_port()
    upstream = nginx_upstream(tmp, up_http, up_https, cert, key)
    try:
        wait_port(up_http)
        edge = "the Caddyfile edge" if with_caddyfile else "the built-in routes"
        edge += ", a browser's header fields" if fields else ""
        print(f"edge instructions ({edge}): user-space instructions per request under callgrind, "
              f"{requests} requests over {CONNECTIONS} connections after {WARM_UP} to warm up")
        for mode, args in MODES.items():
            args = args + fields
            port, http = free_port(), free_port()
            ours = [binary, "proxy", "--https", f"127.0.0.1:{port}", "--http", f"127.0.0.1:{http}",
                    "--api-upstream", f"127.0.0.1:{up_http}", "--web-upstream", f"127.0.0.1:{up_http}",
                    "--tls-dir", os.path.join(tmp, f"tls-{port}"), *LIMITS_OFF]
            if with_caddyfile:
                path = os.path.join(tmp, f"Caddyfile-{port}")
                with open(path, "w") as f:
                    f.write(one_site_caddyfile(http, port, cert, key, up_http))
                ours += ["--caddyfile", path]
            tag = mode.replace("/", "").replace(".", "")
            job = os.path.join(tmp, "job")

            def observe(port=port, mode=mode):
                print(f"\n{mode}: the appliance adds {', '.join(added_fields(port, up_http, job))}")

            app_profile, app = count(ours, port, os.path.join(tmp, f"appliance-{tag}"), args, requests,
                                     started=observe if same_job else None)
            port = free_port()
            theirs = [minimal, f"127.0.0.1:{port}", f"127.0.0.1:{up_http}", cert, key, "2"]
            min_profile, least = count(theirs, port, os.path.join(tmp, f"minimal-{tag}"), args, requests,
                                       env={"PINGORA_MINIMAL_JOB": job} if same_job else None)
            label = "pingora-minimal rustls" + (" doing the same job" if same_job else "")
            print(f"\n{mode}: appliance {app:,.0f}, {label} {least:,.0f} "
                  f"instructions per request: {app / least:.2f}x")
            a, m = by_function(app_profile, requests), by_function(min_profile, requests)
            print("  most of the difference (appliance, minimal, difference; per request):")
            for name in sorted(set(a) | set(m), key=lambda n: m[n] - a[n])[:12]:
                print(f"  {a[name]:8,.0f} {m[name]:8,.0f} {a[name] - m[name]:+8,.0f}  {name}")
    finally:
        upstream.terminate()
        upstream.wait()
        if "--keep" in flags:
            print(f"\nprofiles kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main_guard(main)
