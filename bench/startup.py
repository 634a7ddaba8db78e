#!/usr/bin/env python3
"""Start-up and idle figures of `appliance up`.

Starts the given binary three times on one fresh data directory (the first
start runs initdb and loads the demo data) and prints, for each start: the
time from exec to READY=1 on a private NOTIFY_SOCKET, the appliance
process's resident memory after 10 s idle (PostgreSQL and Redis are separate
processes and not counted), its thread count, and how long SIGTERM takes to
a clean exit.

    python3 bench/startup.py target/release/appliance
"""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

from common import main_guard, wait_ready


def start_once(binary: str, data_dir: str, label: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "notify.sock")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        env = dict(os.environ, NOTIFY_SOCKET=path)
        t0 = time.monotonic()
        proc = subprocess.Popen(
            [binary, "up", "--demo", "--data-dir", data_dir, "--https-port", "9743", "--http-port", "9380"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_ready(proc, sock, f"{binary} up ({label})", 180)
        ready = time.monotonic() - t0
        time.sleep(10)
        with open(f"/proc/{proc.pid}/status") as status:
            rss = next(line.split()[1] for line in status if line.startswith("VmRSS"))
        threads = len(os.listdir(f"/proc/{proc.pid}/task"))
        t1 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait()
        stop = time.monotonic() - t1
        print(f"{label:28} READY=1 {ready:5.2f} s   idle RSS {int(rss) / 1024:6.1f} MiB   "
              f"threads {threads:3}   SIGTERM->exit {stop:4.2f} s (code {code})")


def main() -> None:
    binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/appliance"
    with tempfile.TemporaryDirectory(prefix="erp-bench-") as data:
        os.chmod(data, 0o755)  # the postgres user must reach it when run as root
        start_once(binary, os.path.join(data, "var"), "first start (initdb + demo)")
        start_once(binary, os.path.join(data, "var"), "second start")
        start_once(binary, os.path.join(data, "var"), "third start")


if __name__ == "__main__":
    main_guard(main)
