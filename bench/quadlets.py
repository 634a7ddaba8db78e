#!/usr/bin/env python3
"""Figures of the appliance as it ships, measured on the install the end-to-end
run left running (`E2E_KEEP=1 ./scripts/e2e-quadlets.sh`, as root):

- the image's size;
- the memory of every container of the appliance (PostgreSQL and Redis
  included) idle after a sign-in: the resident memory of the processes in
  each, summed (goal: under 200 MiB for the whole appliance);
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
    """Resident memory (KiB) of each running container's processes, by name."""
    names = inside(pid, "podman", "ps", "--format", "{{.Names}}", user=True).split()
    if not names:
        raise BenchError("no container runs")
    sizes = {}
    for name in names:
        pids = inside(pid, "podman", "top", name, "hpid", user=True).split()[1:]
        total = 0
        for p in pids:
            status = inside(pid, "cat", f"/proc/{p}/status", check=False)
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        sizes[name] = positive(total, f"resident memory of {name}")
    return sizes


def warm_start(pid):
    inside(pid, "systemctl", "--user", "stop", "erp.target", user=True)
    time.sleep(2)
    if https_200(pid):
        raise BenchError("the site still answers after stopping erp.target")
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
    for name, kib in sorted(sizes.items(), key=lambda kv: -kv[1]):
        print(f"  {name:<16} {kib / 1024:6.1f} MiB")
    total = sum(sizes.values()) / 1024
    print(f"resident memory of the {len(sizes)} containers, idle after a sign-in: {total:.1f} MiB (goal < 200 MiB)")


if __name__ == "__main__":
    main_guard(main)
