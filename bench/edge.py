#!/usr/bin/env python3
"""The appliance's proxy against Caddy, nginx and HAProxy on the same work.

One small upstream (nginx answering a fixed 23-byte text from memory, over
plain HTTP for the proxies and over HTTPS for the ceiling) and, in front of it, each
proxy terminating TLS 1.3 with an ECDSA P-256 certificate: Debian's Caddy
2.6 (`tls internal`, `reverse_proxy`), nginx 1.22 (2 workers, keep-alive to
the upstream, no access log) and HAProxy 2.6 (2 threads), both with one
certificate made here,
`appliance proxy` (its per-client limits switched off, as the peers have none
by default and all load comes from one address; it still adds its security
headers and keeps its default of 256 requests in flight to the upstream), the
same with a Caddyfile (`--caddyfile`: one site, `reverse_proxy`), and the
smallest pingora proxy (bench/pingora-minimal: one TLS listener, a fixed
upstream, no hooks; on rustls as the appliance, and on pingora's OpenSSL
and BoringSSL backends), which says what pingora and its TLS library cost by themselves,
and the same doing the built-in routes' job through pingora's plain API
("pingora-minimal same job": the header fields the appliance adds to its
answer, X-Forwarded-For, the same timeouts), which says what the job costs
done the obvious way. For each: requests/s and
p99 with wrk (HTTP/1.1) and h2load (HTTP/2, 10 streams per connection),
and the proxy's peak resident memory while wrk holds 1,000 keep-alive
connections, and the CPU time the proxy (all its processes) spent per
request during the HTTP/1.1 and the HTTP/2 run, from /proc/PID/stat: on two shared cores
the fairest figure, as the load generator competes for the same cores.
The upstream hit directly is the ceiling.

    python3 bench/edge.py target/release/appliance [SECONDS=15] [ROUNDS=3]

EDGE_ONLY="appliance,pingora-minimal rustls" measures those targets only
(names as in the table, comma-separated; a name that is none of them is an
error; the ceiling rows always run).

The targets are measured in turn, ROUNDS times over, and each figure is the
median of its rounds: on a shared 2-core VM one pass moves by a quarter
between runs, and measuring one target after the other would hand the drift
to whichever came last.

Installs caddy, nginx, haproxy, wrk and nghttp2-client (h2load) when
missing (the packaged services are disabled: the bench runs its own).
"""

import http.client
import os
import re
import resource
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from common import LIMITS_OFF, BenchError, cpu_times, main_guard, positive, steal_share, wait_ready

CONNECTIONS = 64
THREADS = 2
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


TOOLS = [("caddy", "caddy"), ("nginx", "nginx"), ("haproxy", "haproxy"), ("wrk", "wrk"),
         ("nghttp2-client", "h2load")]


def ensure_tools(tools=TOOLS):
    """Install the (package, executable) pairs whose executable is missing;
    a server installed so is not left running as a service."""
    path = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"
    missing = [p for p, exe in tools if not shutil.which(exe, path=path)]
    if missing:
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True,
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        for service in {"caddy", "nginx", "haproxy"} & set(missing):
            subprocess.run(["systemctl", "disable", "--now", service], stderr=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, check=False)


def certificate(tmp):
    """One ECDSA P-256 certificate for localhost: (cert, key, both in one file)."""
    cert, key, both = (os.path.join(tmp, n) for n in ("site.pem", "site.key", "site-both.pem"))
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
                    "-days", "2", "-keyout", key, "-out", cert], check=True, capture_output=True)
    with open(both, "w") as out:
        for part in (cert, key):
            with open(part) as f:
                out.write(f.read())
    return cert, key, both


def nginx_proxy(tmp, port, upstream, cert, key):
    """nginx as the peer proxy: keep-alive to the upstream, no access log."""
    return nginx(tmp, "nginx-proxy", f"""    upstream app {{ server 127.0.0.1:{upstream}; keepalive 64; }}
    server {{
        listen 127.0.0.1:{port} ssl http2;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        ssl_protocols TLSv1.3;
        location / {{
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}
    }}
""")


def nginx_upstream(tmp, http_port, https_port, cert, key):
    """The upstream: nginx answering 23 bytes from memory, plain and TLS."""
    return nginx(tmp, "upstream", f"""    server {{
        listen 127.0.0.1:{http_port};
        listen 127.0.0.1:{https_port} ssl http2;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        ssl_protocols TLSv1.3;
        location / {{ return 200 "hello from the upstream"; }}
    }}
""")


def nginx(tmp, name, servers):
    """nginx with 2 workers, no access log, keep-alive connections kept as
    long as the load runs (its default closes one after 1,000 requests)."""
    home = os.path.join(tmp, name)
    os.makedirs(home)
    conf = os.path.join(home, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""worker_processes 2;
pid {home}/nginx.pid;
error_log {home}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    keepalive_requests 10000000;
    http2_max_requests 10000000;
    client_body_temp_path {home}/body;
    proxy_temp_path {home}/proxy;
    fastcgi_temp_path {home}/fastcgi;
    uwsgi_temp_path {home}/uwsgi;
    scgi_temp_path {home}/scgi;
{servers}}}
""")
    return subprocess.Popen(["/usr/sbin/nginx", "-p", home, "-c", conf, "-g", "daemon off;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def haproxy(tmp, port, upstream, both):
    home = os.path.join(tmp, "haproxy")
    os.makedirs(home)
    conf = os.path.join(home, "haproxy.cfg")
    with open(conf, "w") as f:
        f.write(f"""global
    nbthread 2
    maxconn 4000
    ssl-default-bind-options ssl-min-ver TLSv1.3
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
    http-reuse always
frontend edge
    bind 127.0.0.1:{port} ssl crt {both} alpn h2,http/1.1
    default_backend app
backend app
    server upstream 127.0.0.1:{upstream}
""")
    # HAProxy reads its configuration as a file: the process stays the
    # one whose CPU and memory are measured (-db: no daemon).
    return subprocess.Popen(["/usr/sbin/haproxy", "-db", "-f", conf],
                            stdout=subprocess.DEVNULL, stderr=open(os.path.join(home, "haproxy.log"), "w"))


def tree(pid):
    """`pid` and its descendants (nginx's and HAProxy's workers)."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parent = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(children.get(p, []))
    return found


def cpu_seconds(pid):
    """User + system CPU seconds of `pid` and its descendants so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in tree(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue
    return total / ticks


def wait_port(port, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise BenchError(f"nothing listens on {port} after {timeout} s")


def caddy(tmp, name, caddyfile):
    home = os.path.join(tmp, name)
    os.makedirs(home)
    path = os.path.join(home, "Caddyfile")
    with open(path, "w") as f:
        f.write(caddyfile)
    env = dict(os.environ, XDG_DATA_HOME=home, XDG_CONFIG_HOME=home, HOME=home)
    return subprocess.Popen(["caddy", "run", "--adapter", "caddyfile", "--config", path], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def figure(pattern, out, what):
    """The first match of `pattern` in a load generator's output, or a clear failure."""
    found = re.search(pattern, out)
    if not found:
        raise BenchError(f"{what}: no figure in its output:\n{out}")
    return found


def wrk(url, seconds, connections):
    out = subprocess.run(["wrk", f"-t{THREADS}", f"-c{connections}", f"-d{seconds}s", "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    # Error answers are not the work being measured: a 429 or a 503 page is
    # cheap, and their rate would pass for the proxy's.
    refused = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if refused:
        raise BenchError(f"wrk {url}: {refused.group(1)} error answers")
    rate = positive(float(figure(r"Requests/sec:\s+([\d.]+)", out, f"wrk {url}").group(1)), f"wrk {url} requests/s")
    p99 = figure(r"99%\s+([\d.]+)(us|ms|s)", out, f"wrk {url}")
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    errors = re.search(r"Socket errors: (.*)", out)
    return rate, float(p99.group(1)) * scale, errors.group(0) if errors else ""


def h2load(url, seconds, tmp):
    log = os.path.join(tmp, "h2load.log")
    out = subprocess.run(["h2load", f"-t{THREADS}", f"-c{CONNECTIONS}", "-m10", "-D", str(seconds),
                          "--log-file", log, url], capture_output=True, text=True, check=True).stdout
    what = f"h2load {url}"
    codes = figure(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", out, what)
    if int(codes.group(3)) + int(codes.group(4)):
        raise BenchError(f"{what}: {codes.group(0)}")
    rate = positive(float(figure(r"finished in [\d.]+\w*, ([\d.]+) req/s", out, what).group(1)), f"{what} requests/s")
    failed = int(figure(r"(\d+) failed", out, what).group(1))
    # Each line: start (µs since the epoch), status, response time (µs).
    with open(log) as f:
        times = sorted(int(line.split()[2]) for line in f if line.strip())
    if not times:
        raise BenchError(f"{what}: its log holds no requests")
    p99 = times[int(len(times) * 0.99)] / 1000.0
    return rate, p99, f"{failed} failed" if failed else ""


def peak_rss_under(pid, url, seconds):
    """wrk with 1,000 keep-alive connections; the highest resident memory
    (MiB) of the proxy and its workers together meanwhile, and the highest
    anonymous part of it. Resident memory also counts the pages of the
    program's file that are mapped (the appliance's binary holds the whole
    ERP; those pages are shared with its other roles and can be dropped);
    the anonymous part is what the proxy itself holds: its heap and stacks,
    what connections cost."""
    peak, done, failure = [0, 0], threading.Event(), []

    def sample():
        try:
            while not done.is_set():
                rss = anon = 0
                for p in tree(pid):
                    try:
                        with open(f"/proc/{p}/smaps_rollup") as f:
                            fields = dict(line.split()[:2] for line in f if line.endswith("kB\n"))
                        rss += int(fields["Rss:"])
                        anon += int(fields["Anonymous:"])
                    except (OSError, KeyError):
                        if p == pid:
                            raise
                peak[0], peak[1] = max(peak[0], rss), max(peak[1], anon)
                time.sleep(0.1)
        except (OSError, KeyError) as e:  # the process is gone
            failure.append(f"reading the memory of process {pid}: {e!r}")

    t = threading.Thread(target=sample)
    t.start()
    try:
        rate, _, errors = wrk(url, seconds, 1000)
    finally:
        done.set()
        t.join()
    if failure:
        raise BenchError(failure[0])
    return (positive(peak[0] / 1024.0, f"peak memory of process {pid} (MiB)"),
            positive(peak[1] / 1024.0, f"peak anonymous memory of process {pid} (MiB)"), rate, errors)


def median_of(passes):
    """Per figure, the median over the rounds (notes: the first non-empty)."""
    merged = {}
    for key in passes[0]:
        columns = list(zip(*(p[key] for p in passes)))
        figures = [statistics.median(c) for c in columns[:-1]]
        note = next((n for n in columns[-1] if n), "")
        merged[key] = (*figures, note)
    return merged


def paired(ours, ceiling):
    """Per figure, the median and range over the rounds of ours / ceiling
    measured in the same round: requests/s (higher is better) and CPU per
    request (lower is better)."""
    figures = [("h1 req/s", "h1"), ("h2 req/s", "h2"), ("h1 CPU/req", "cpu"), ("h2 CPU/req", "cpu2")]
    out = []
    for label, key in figures:
        ratios = sorted(a[key][0] / c[key][0] for a, c in zip(ours, ceiling))
        out.append((label, (statistics.median(ratios), ratios[0], ratios[-1])))
    return out


def one_site_caddyfile(http, https, cert, key, upstream):
    """The Caddyfile the appliance is measured with: one HTTPS site with a
    certificate from files, proxied to `upstream` (what Caddy gets too)."""
    return f"""{{
    admin off
    http_port {http}
    https_port {https}
}}
https://localhost:{https} {{
    tls {cert} {key}
    reverse_proxy 127.0.0.1:{upstream}
}}
"""


def start_appliance(binary, tmp, name, port, upstream, caddyfile=None):
    """`appliance proxy` on `port`: the built-in routes, or a Caddyfile's."""
    home = os.path.join(tmp, name)
    os.makedirs(home)
    notify = os.path.join(home, "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(notify)
    http = free_port()
    args = [binary, "proxy", "--https", f"127.0.0.1:{port}", "--http", f"127.0.0.1:{http}",
            "--api-upstream", f"127.0.0.1:{upstream}", "--web-upstream", f"127.0.0.1:{upstream}",
            "--tls-dir", os.path.join(home, "tls"), *LIMITS_OFF]
    if caddyfile:
        path = os.path.join(home, "Caddyfile")
        with open(path, "w") as f:
            f.write(caddyfile(http))
        args += ["--caddyfile", path]
    proc = subprocess.Popen(args, env=dict(os.environ, NOTIFY_SOCKET=notify, RUST_LOG="warn"),
                            stdout=subprocess.DEVNULL, stderr=open(os.path.join(home, "log"), "w"))
    wait_ready(proc, sock, f"appliance proxy ({name})", 60)
    return proc


# What each TLS backend of pingora-minimal needs to build: aws-lc (rustls
# with the aws-lc-rs crypto provider instead of ring) compiles its C with
# cc; OpenSSL links Debian's library; BoringSSL is built from source (cmake)
# and its bindings are generated with libclang.
BACKEND_PACKAGES = {
    "rustls": [],
    "aws-lc": [],
    "openssl": ["libssl-dev", "pkg-config"],
    "boringssl": ["cmake", "libclang-dev", "g++"],
}


def build_minimal(backend):
    """bench/pingora-minimal on `backend` (rustls, openssl or boringssl),
    built in a target directory of its own (it is not a workspace member)."""
    packages = BACKEND_PACKAGES[backend]
    if packages and subprocess.run(["dpkg", "-s", *packages], capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", *packages], check=True,
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    target = os.path.join(TARGET, f"pingora-minimal-{backend}")
    subprocess.run(["cargo", "build", "--release", "--quiet", "--locked", "--no-default-features", "--features", backend],
                   cwd=os.path.join(ROOT, "bench/pingora-minimal"), check=True,
                   env=dict(os.environ, CARGO_TARGET_DIR=target))
    return os.path.join(target, "release/pingora-minimal")


# pingora-minimal doing the built-in routes' job through pingora's plain API.
SAME_JOB = "pingora-minimal same job"


def start_minimal(binary, port, upstream, cert, key, job=None):
    """pingora-minimal; with `job` (a file from `added_fields`), doing the
    built-in routes' job the plain way (see bench/pingora-minimal)."""
    proc = subprocess.Popen([binary, f"127.0.0.1:{port}", f"127.0.0.1:{upstream}", cert, key, str(THREADS)],
                            env=dict(os.environ, **({"PINGORA_MINIMAL_JOB": job} if job else {})),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port)
    return proc


def answer_fields(port, https):
    """The header fields of the answer to GET / (HTTP/1.1), as (name, value)."""
    if https:
        conn = http.client.HTTPSConnection("localhost", port, timeout=60,
                                           context=ssl._create_unverified_context())
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", "/")
        answer = conn.getresponse()
        answer.read()
        return [(name.lower(), value) for name, value in answer.getheaders()]
    finally:
        conn.close()


def added_fields(port, upstream, path):
    """Write to `path` the header fields the proxy on `port` adds to the
    upstream's answer, one `name: value` per line; return their names."""
    theirs = {name for name, _ in answer_fields(upstream, False)}
    added = [(n, v) for n, v in answer_fields(port, True) if n not in theirs]
    if not added:
        raise BenchError("the appliance added no header field to the upstream's answer: nothing to copy")
    with open(path, "w") as f:
        f.writelines(f"{name}: {value}\n" for name, value in added)
    return [name for name, _ in added]


def main():
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "target/release/appliance")
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    ensure_tools()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))

    procs = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            only = set(filter(None, os.environ.get("EDGE_ONLY", "").split(",")))
            wanted = lambda name: not only or name in only
            up_http, up_https = free_port(), free_port()
            cert, key, both = certificate(tmp)
            procs.append(nginx_upstream(tmp, up_http, up_https, cert, key))
            wait_port(up_http)
            wait_port(up_https)
            proxies = []  # (name, port, process)

            def add(name, start):
                if wanted(name):
                    port = free_port()
                    proc = start(port)
                    procs.append(proc)
                    proxies.append((name, port, proc))

            add("appliance", lambda port: start_appliance(binary, tmp, "appliance", port, up_http))
            add("appliance caddyfile", lambda port: start_appliance(
                binary, tmp, "appliance-caddyfile", port, up_http,
                lambda http: one_site_caddyfile(http, port, cert, key, up_http)))
            for backend in BACKEND_PACKAGES:
                name = f"pingora-minimal {backend}"
                if wanted(name):
                    minimal = build_minimal(backend)
                    add(name, lambda port, minimal=minimal: start_minimal(minimal, port, up_http, cert, key))
            if wanted(SAME_JOB):
                # The fields the built-in routes add, read from their answer.
                appliance = [port for name, port, _ in proxies if name == "appliance"]
                if not appliance:
                    raise BenchError(f"{SAME_JOB} copies the answer of the target \"appliance\": name both")
                job = os.path.join(tmp, "job")
                added_fields(appliance[0], up_http, job)
                minimal = build_minimal("rustls")
                add(SAME_JOB, lambda port: start_minimal(minimal, port, up_http, cert, key, job))

            def started(proc, port):
                wait_port(port)
                return proc

            add("caddy 2.6", lambda port: started(caddy(tmp, "peer", f"""{{
    admin off
    skip_install_trust
    http_port {free_port()}
    https_port {port}
}}
https://localhost:{port} {{
    tls internal
    reverse_proxy 127.0.0.1:{up_http}
}}
"""), port))
            add("nginx 1.22", lambda port: started(nginx_proxy(tmp, port, up_http, cert, key), port))
            add("haproxy 2.6", lambda port: started(haproxy(tmp, port, up_http, both), port))
            unknown = only - {name for name, _, _ in proxies}
            if unknown:
                raise BenchError(f"EDGE_ONLY names no target called {', '.join(sorted(unknown))}")
            targets = [(name, f"https://localhost:{port}/", proc.pid) for name, port, proc in proxies]
            targets += [
                ("direct (TLS)", f"https://localhost:{up_https}/", None),
                ("direct (plain)", f"http://127.0.0.1:{up_http}/", None),
            ]
            # Warm the proxies (TLS session caches, upstream pools).
            for _, url, pid in targets:
                if pid:
                    wrk(url, 3, CONNECTIONS)

            passes = {name: [] for name, _, _ in targets}
            before = cpu_times()
            for _ in range(rounds):
                for name, url, pid in targets:
                    used = cpu_seconds(pid) if pid else 0.0
                    r = {"h1": wrk(url, seconds, CONNECTIONS)}
                    if pid:
                        spent = cpu_seconds(pid) - used
                        per_request = spent / (r["h1"][0] * seconds) * 1e6
                        r["cpu"] = (positive(per_request, f"{name} CPU per request"), "")
                    if url.startswith("https"):
                        used = cpu_seconds(pid) if pid else 0.0
                        r["h2"] = h2load(url, seconds, tmp)
                        if pid:
                            spent = cpu_seconds(pid) - used
                            per_request = spent / (r["h2"][0] * seconds) * 1e6
                            r["cpu2"] = (positive(per_request, f"{name} CPU per HTTP/2 request"), "")
                    if pid:
                        r["rss"] = peak_rss_under(pid, url, 10)
                    passes[name].append(r)
            steal = steal_share(before, cpu_times())
            results = {name: median_of(rs) for name, rs in passes.items()}

            print(f"edge bench: {THREADS} load threads, {CONNECTIONS} connections, {seconds} s per run, "
                  f"median of {rounds} rounds; upstream answers 23 bytes")
            print(f"{'':24} {'h1 req/s':>10} {'h1 p99 ms':>10} {'h2 req/s':>10} {'h2 p99 ms':>10} "
                  f"{'RSS@1000 MiB':>13} {'anon MiB':>9} {'h1 CPU µs':>10} {'h2 CPU µs':>10}  notes")
            for name, r in results.items():
                h2 = r.get("h2", (float("nan"), float("nan"), ""))
                rss = r.get("rss", (float("nan"), float("nan"), 0, ""))
                cpu = r.get("cpu", (float("nan"), ""))
                cpu2 = r.get("cpu2", (float("nan"), ""))
                notes = "; ".join(x for x in (r["h1"][2], h2[2], rss[3]) if x)
                print(f"{name:24} {r['h1'][0]:10.0f} {r['h1'][1]:10.2f} {h2[0]:10.0f} {h2[1]:10.2f} "
                      f"{rss[0]:13.1f} {rss[1]:9.1f} {cpu[0]:10.1f} {cpu2[0]:10.1f}  {notes}")
            d = results["direct (TLS)"]
            ours = [n for n in results if n.startswith(("appliance", "pingora-minimal"))]
            peers = [n for n, _, pid in targets if pid and n not in ours]
            for name in ours:
                a = results[name]
                for peer in peers:
                    c = results[peer]
                    print(f"{name} / {peer}: h1 {a['h1'][0] / c['h1'][0]:.2f}x req/s, "
                          f"h2 {a['h2'][0] / c['h2'][0]:.2f}x req/s, memory {a['rss'][0] / c['rss'][0]:.2f}x "
                          f"(anonymous {a['rss'][1] / c['rss'][1]:.2f}x), "
                          f"CPU per request {a['cpu'][0] / c['cpu'][0]:.2f}x")
                print(f"{name} / direct (TLS) ceiling: h1 {a['h1'][0] / d['h1'][0]:.2f}, "
                      f"h2 {a['h2'][0] / d['h2'][0]:.2f}")
                # The ceiling of the design: pingora and rustls with no hooks
                # (and doing the same job the plain way). Each round's ratio
                # is taken within the round (the two ran minutes apart, not
                # a whole run apart), and the median of those is printed
                # with its range.
                for ceiling in ("pingora-minimal rustls", SAME_JOB):
                    if name.startswith("appliance") and ceiling in passes and ceiling != name:
                        ratios = paired(passes[name], passes[ceiling])
                        print(f"{name} / {ceiling}, per round: " + ", ".join(
                            f"{label} {mid:.2f}x ({low:.2f}-{high:.2f})" for label, (mid, low, high) in ratios))
            print(f"CPU stolen by the hypervisor during the runs: {steal:.0%}")
        finally:
            for p in procs:
                p.send_signal(signal.SIGTERM)
            for p in procs:
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()


if __name__ == "__main__":
    main_guard(main)
