#!/usr/bin/env python3
"""Figures of the appliance as it ships, measured on the install the end-to-end
run left running (`E2E_KEEP=1 ./scripts/e2e-quadlets.sh`, as root):

- the image's size;
- the memory of every container of the appliance (PostgreSQL and Redis
  included) idle after a sign-in: the proportional set size (PSS) of the
  processes in each, summed, and their resident sets (RSS) summed as well
  (goal: under 200 MiB for the whole appliance);
- a warm start: `systemctl --user start erp.target` on a stopped appliance
  whose images and data are there, to the first HTTPS 200 (goal: under 10 s).

Usage: python3 bench/quadlets.py [ROUNDS]   (as root; default 3 warm starts)
"""

import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from common import BenchError, main_guard, positive  # noqa: E402

WORK = os.environ.get("E2E_DIR", os.path.expanduser("~/.cache/erp-e2e"))
IMAGE = "localhost:5000/erp/appliance:stable"
USER_ENV = ["runuser", "-u", "erp", "--", "env", "XDG_RUNTIME_DIR=/run/user/1000",
            "DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus", "HOME=/home/erp"]


def tree_pid():
    try:
        with open(os.path.join(WORK, "tree.pid")) as f:
            pid = f.read().strip()
    except OSError:
        raise BenchError(f"no running tree ({WORK}/tree.pid): run E2E_KEEP=1 ./scripts/e2e-quadlets.sh first")
    if not os.path.exists(f"/proc/{pid}"):
        raise BenchError(f"the tree's systemd (pid {pid}) is gone: run E2E_KEEP=1 ./scripts/e2e-quadlets.sh again")
    return pid


def inside(pid, *args, user=False, check=True):
    cmd = ["nsenter", "-t", pid, "-a"] + (USER_ENV if user else []) + list(args)
    out = subprocess.run(cmd, capture_output=True, text=True)
    if check and out.returncode != 0:
        raise BenchError(f"{' '.join(args)}: {out.stderr.strip() or out.stdout.strip()}")
    return out.stdout


def https_200(pid):
    out = inside(pid, "curl", "-sk", "--max-time", "2", "-o", "/dev/null", "-w", "%{http_code}",
                 "https://127.0.0.1/login", check=False)
    return out.strip() == "200"


def sign_in(pid):
    body = json.dumps({"email": "admin@motosdelvalle.hn", "password": "clave-segura-2026"})
    out = inside(pid, "curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}", "-H",
                 "content-type: application/json", "-d", body, "https://127.0.0.1/api/v1/session")
    if out.strip() != "200":
        raise BenchError(f"sign-in answered {out.strip()}: the e2e run's user is not there")


def container_memory(pid):
    """Memory (KiB) of each running container's processes, by name: the
    resident set (RSS) summed, and the proportional set (PSS), which counts
    a page shared by several processes (PostgreSQL's buffers in each
    backend, the one binary in every role) once in all, split among them."""
    names = inside(pid, "podman", "ps", "--format", "{{.Names}}", user=True).split()
    if not names:
        raise BenchError("no container runs")
    sizes = {}
    for name in names:
        pids = inside(pid, "podman", "top", name, "hpid", user=True).split()[1:]
        rss = pss = 0
        for p in pids:
            rollup = inside(pid, "cat", f"/proc/{p}/smaps_rollup", check=False)
            for line in rollup.splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        sizes[name] = (positive(rss, f"RSS of {name}"), positive(pss, f"PSS of {name}"))
    return sizes


def stopped(pid):
    """Stop the appliance and wait until systemd has no job left: `stop
    erp.target` returns once the target is down, while the stops it
    propagated to the roles (PartOf=) still run."""
    inside(pid, "systemctl", "--user", "stop", "erp.target", user=True)
    deadline = time.monotonic() + 120
    while inside(pid, "systemctl", "--user", "list-jobs", "--no-legend", user=True).strip():
        if time.monotonic() > deadline:
            raise BenchError("the appliance's units were still stopping 120 s after stop erp.target")
        time.sleep(0.2)
    active = inside(pid, "systemctl", "--user", "list-units", "--no-legend", "--plain",
                    "--state=active,activating", "erp-*.service", "erp-proxy.socket", user=True)
    running = [line.split()[0] for line in active.splitlines()
               if line and not line.split()[0].endswith("-volume.service")
               and line.split()[0] != "erp-network.service"]
    if running or https_200(pid):
        raise BenchError(f"the appliance still runs after stopping erp.target: {running}")


def warm_start(pid):
    stopped(pid)
    t0 = time.monotonic()
    inside(pid, "systemctl", "--user", "start", "--no-block", "erp.target", user=True)
    while not https_200(pid):
        if time.monotonic() - t0 > 120:
            raise BenchError("no HTTPS 200 within 120 s of starting erp.target")
        time.sleep(0.1)
    return time.monotonic() - t0


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    pid = tree_pid()
    size = int(inside(pid, "podman", "image", "inspect", "--format", "{{.Size}}", IMAGE, user=True))
    print(f"image {IMAGE}: {positive(size, 'image size') / 1048576:.1f} MiB")

    starts = [warm_start(pid) for _ in range(rounds)]
    print(f"warm start erp.target → first HTTPS 200: median {statistics.median(starts):.2f} s "
          f"({', '.join(f'{s:.2f}' for s in starts)}; goal < 10 s)")

    sign_in(pid)
    time.sleep(20)  # idle: health checks and the first jobs have run
    sizes = container_memory(pid)
    print(f"  {'container':<16} {'RSS':>9} {'PSS':>9}")
    for name, (rss, pss) in sorted(sizes.items(), key=lambda kv: -kv[1][1]):
        print(f"  {name:<16} {rss / 1024:5.1f} MiB {pss / 1024:5.1f} MiB")
    rss = sum(r for r, _ in sizes.values()) / 1024
    pss = sum(p for _, p in sizes.values()) / 1024
    print(f"memory of the {len(sizes)} containers, idle after a sign-in: PSS {pss:.1f} MiB "
          f"(goal < 200 MiB); RSS summed {rss:.1f} MiB (counts shared pages once per process)")


if __name__ == "__main__":
    main_guard(main)
