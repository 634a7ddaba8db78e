"""What the benches share: starting the appliance, failing loudly, figures.

A bench that cannot measure must say so and exit non-zero; it never prints a
zero or a median of nothing. Everything here raises BenchError (or exits
with its message) instead of returning an empty figure.
"""

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time


class BenchError(RuntimeError):
    """The bench could not measure what it set out to measure."""


def fail(message):
    """Stop the bench with a sentence on stderr and exit status 1."""
    print(f"bench failed: {message}", file=sys.stderr)
    sys.exit(1)


def main_guard(main):
    """Run `main`, turning a BenchError into a clear failure."""
    try:
        main()
    except BenchError as e:
        fail(str(e))


# The per-client limits of the edge (requests per second, requests in flight,
# connections) are off in the benches: all their load comes from one address,
# and they measure the work behind the edge, not the limiter turning it away.
LIMITS_OFF = ["--max-requests-per-second", "0", "--max-concurrent-requests", "0",
              "--max-connections-per-client", "0"]


def wait_ready(proc, sock, what, timeout):
    """Wait for READY=1 on `sock` from `proc`; fail if it exits or takes too long."""
    deadline = time.monotonic() + timeout
    sock.settimeout(0.5)
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"{what} exited with status {proc.returncode} before it was ready")
        try:
            if "READY=1" in sock.recv(4096).decode().split("\n"):
                return
        except socket.timeout:
            pass
    proc.kill()
    raise BenchError(f"{what} was not ready after {timeout} s")


def start(binary, data_dir, port, timeout=180):
    """`appliance up --demo` on `data_dir` with HTTPS on `port` (HTTP on port+1)
    and the per-client limits off; returns the process once it is ready."""
    path = os.path.join(tempfile.mkdtemp(), "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    proc = subprocess.Popen(
        [binary, "up", "--demo", "--data-dir", data_dir, "--https-port", str(port),
         "--http-port", str(port + 1), *LIMITS_OFF],
        env=dict(os.environ, NOTIFY_SOCKET=path, RUST_LOG="warn"),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    wait_ready(proc, sock, f"{binary} up", timeout)
    return proc


def run_threads(target, count):
    """Run `target(i)` in `count` threads and return their results in order.
    A thread that fails fails the bench: Python drops an exception (and a
    SystemExit) raised in a thread with at most a traceback, and the figures
    would silently count only the threads that lived."""
    results, errors = [None] * count, []

    def run(i):
        try:
            results[i] = target(i)
        except BaseException as e:  # noqa: B036 - every failure must reach the main thread
            errors.append(f"thread {i}: {type(e).__name__}: {e}")

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise BenchError("; ".join(errors))
    return results


def percentiles(samples):
    """p50, p99 and the worst of a list of figures (which must not be empty)."""
    if not samples:
        raise BenchError("no samples to summarize")
    s = sorted(samples)
    pick = lambda q: s[min(len(s) - 1, int(q * len(s)))]
    return pick(0.5), pick(0.99), s[-1]


def positive(value, what):
    """`value` if it is above zero; a zero figure is a failed measurement."""
    if not value > 0:
        raise BenchError(f"{what} is {value}: nothing was measured")
    return value


def cpu_times():
    """The machine's CPU counters (jiffies) from /proc/stat: user … steal."""
    with open("/proc/stat") as f:
        return [int(x) for x in f.readline().split()[1:9]]


def steal_share(before, after):
    delta = [b - a for a, b in zip(before, after)]
    return delta[7] / max(1, sum(delta))
