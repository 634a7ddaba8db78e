#!/usr/bin/env python3
"""Job queue throughput and latency, side by side on one Redis.

For each peer — our queue (`queue-probe`, release build), the published
apalis-redis 1.0.0 (bench/apalis-redis-peer) and Celery 5 with the prefork
pool — the bench queues 10,000 no-op jobs one call per job with no worker
running (the enqueue rate; ours also in its batches of 250), then starts a
worker of concurrency 8 and times the burn-down from the first job counted
to the last (the drain rate). apalis-redis's worker dies on a backlog of
10,000 (its fetch unpacks the whole list in one Lua call); the bench shows
that, then measures it on 7,500, a backlog it survives. Every peer's job
does the same one thing: INCR a counter in Redis, which is also how the
bench sees jobs finish.

Then, for our queue only: the drain rate at the front of a 1,000,000-job
backlog against the rate from an empty queue (flat is the goal), and the
wait from enqueue to start on an idle queue (p50/p99 of 300 jobs sent 10 ms
apart, timed in the job).

Every figure is the median of three rounds, the peers taking turns.

    python3 bench/jobs.py            # builds what it needs; about 8 minutes

Figures on this machine are in docs/jobs.md.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

from common import BenchError, main_guard, percentiles, positive

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
CELERY_VENV = os.path.expanduser("~/.cache/erp-tools/celery")
JOBS = 10_000
APALIS_SURVIVES = 7_500
CONCURRENCY = 8
# A drain of 10,000 jobs lasts half a second: one round is at the mercy of
# whatever else the two cores do. Every figure is the median of ROUNDS,
# the peers taking turns.
ROUNDS = 3


def median(xs):
    return sorted(xs)[len(xs) // 2]


def build():
    subprocess.run(["cargo", "build", "--release", "-p", "jobs", "--bin", "queue-probe"],
                   cwd=ROOT, check=True)
    peer_target = os.path.join(TARGET, "apalis-peer")
    subprocess.run(["cargo", "build", "--release"], cwd=os.path.join(ROOT, "bench/apalis-redis-peer"),
                   env=dict(os.environ, CARGO_TARGET_DIR=peer_target), check=True)
    if not os.path.exists(os.path.join(CELERY_VENV, "bin/celery")):
        subprocess.run([sys.executable, "-m", "venv", CELERY_VENV], check=True)
        subprocess.run([os.path.join(CELERY_VENV, "bin/pip"), "install", "-q", "celery[redis]>=5.4,<6"],
                       check=True)
    return (os.path.join(TARGET, "release/queue-probe"),
            os.path.join(peer_target, "release/apalis-redis-peer"))


class Redis:
    """A private redis-server on a unix socket, as the appliance runs it."""

    def __init__(self, tmp):
        self.sock = os.path.join(tmp, "redis.sock")
        self.conn = None
        self.proc = subprocess.Popen(
            ["redis-server", "--port", "0", "--unixsocket", self.sock, "--save", "",
             "--appendonly", "no", "--dir", tmp],
            stdout=subprocess.DEVNULL)
        for _ in range(100):
            if os.path.exists(self.sock):
                return
            time.sleep(0.05)
        raise BenchError("redis-server did not start")

    def cli(self, *args):
        out = subprocess.run(["redis-cli", "-s", self.sock, *args], capture_output=True, text=True,
                             check=True).stdout.strip()
        return out

    def count(self):
        """The counter, read on one kept connection: spawning redis-cli for
        every look would take a core's share from the peers measured."""
        if self.conn is None:
            self.conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.conn.connect(self.sock)
            self.reader = self.conn.makefile("rb")
        self.conn.sendall(b"GET erp:bench:done\r\n")
        header = self.reader.readline()
        if header.startswith(b"$-1"):
            return 0
        if not header.startswith(b"$"):
            raise BenchError(f"unexpected answer from Redis: {header!r}")
        return int(self.reader.readline())

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def timed_push(command, env, what):
    t0 = time.monotonic()
    out = subprocess.run(command, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise BenchError(f"{what}: queueing failed: {out.stderr.strip()[-400:]}")
    return time.monotonic() - t0


def burn_down(redis, command, env, total, what, timeout=600):
    """Start a worker and time the jobs from the first counted to the last."""
    worker = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout
        first = None
        while True:
            if worker.poll() is not None:
                raise BenchError(f"{what}: the worker exited with status {worker.returncode}")
            n = redis.count()
            now = time.monotonic()
            if first is None and n > 0:
                first = (now, n)
            if n >= total:
                break
            if now > deadline:
                raise BenchError(f"{what}: only {n} of {total} jobs ran in {timeout} s")
            time.sleep(0.01)
        seconds = now - first[0]
        return positive((n - first[1]) / seconds if seconds > 0 else 0, f"{what} drain rate")
    finally:
        worker.terminate()
        try:
            worker.wait(10)
        except subprocess.TimeoutExpired:
            worker.kill()


def side_by_side(redis, probe, apalis_peer):
    env = dict(os.environ, ERP_REDIS_URL=f"redis+unix://{redis.sock}", RUST_LOG="error",
               BENCH_BROKER=f"redis+socket://{redis.sock}", PYTHONPATH=os.path.dirname(__file__))
    celery_push = [os.path.join(CELERY_VENV, "bin/python"), os.path.join(ROOT, "bench/celery_peer.py")]
    celery_work = [os.path.join(CELERY_VENV, "bin/celery"), "-A", "celery_peer", "worker", "-P", "prefork",
                   "-c", str(CONCURRENCY), "-Q", "bench", "--without-gossip", "--without-mingle",
                   "--without-heartbeat", "-l", "WARNING"]
    our_work = [probe, "work", "--bench", "--concurrency", str(CONCURRENCY)]
    apalis_work = [apalis_peer, "work", str(CONCURRENCY)]
    # (name, jobs, push command, worker command)
    peers = [
        ("our queue", JOBS, [probe, "push", "--one-by-one", "--count", str(JOBS)], our_work),
        ("our queue, batches", JOBS, [probe, "push", "--count", str(JOBS)], our_work),
        ("apalis-redis 1.0.0", APALIS_SURVIVES, [apalis_peer, "push", str(APALIS_SURVIVES)], apalis_work),
        ("Celery 5 prefork", JOBS, celery_push + [str(JOBS)], celery_work),
    ]
    # The backlog apalis-redis cannot take: shown, not measured.
    redis.cli("FLUSHALL")
    timed_push([apalis_peer, "push", str(JOBS)], env, "apalis-redis")
    try:
        burn_down(redis, apalis_work, env, JOBS, "apalis-redis", timeout=60)
        print(f"  apalis-redis 1.0.0 drained a backlog of {JOBS:,} (the unpack defect did not show)")
    except BenchError as e:
        print(f"  apalis-redis 1.0.0 with a backlog of {JOBS:,}: {e} after {redis.count()} jobs")
    enqueues = {name: [] for name, *_ in peers}
    drains = {name: [] for name, *_ in peers}
    for _ in range(ROUNDS):
        for name, jobs, push, work in peers:
            redis.cli("FLUSHALL")
            seconds = timed_push(push, env, name)
            enqueues[name].append(positive(jobs / seconds, f"{name} enqueue rate"))
            drains[name].append(burn_down(redis, work, env, jobs, name))
    rates = {}
    for name, jobs, _, _ in peers:
        rates[name] = median(drains[name])
        rounds = " ".join(f"{d:.0f}" for d in drains[name])
        print(f"  {name:20} {jobs:6,} jobs  enqueue {median(enqueues[name]):9.0f} jobs/s   "
              f"drain {rates[name]:9.0f} jobs/s   (rounds: {rounds})", flush=True)
    return rates


def backlog(redis, probe):
    env = dict(os.environ, ERP_REDIS_URL=f"redis+unix://{redis.sock}", RUST_LOG="error")
    runs = {JOBS: [], 1_000_000: []}
    for _ in range(ROUNDS):
        for size, measured in ((JOBS, JOBS), (1_000_000, 100_000)):
            redis.cli("FLUSHALL")
            timed_push([probe, "push", "--count", str(size)], env, f"backlog {size}")
            runs[size].append(burn_down(redis, [probe, "work", "--bench", "--concurrency", str(CONCURRENCY)],
                                        env, measured, f"backlog {size}"))
    figures = {}
    for size, measured in ((JOBS, JOBS), (1_000_000, 100_000)):
        figures[size] = median(runs[size])
        rounds = " ".join(f"{r:.0f}" for r in runs[size])
        print(f"  drain with a backlog of {size:>9,}: {figures[size]:9.0f} jobs/s (first {measured:,} jobs; "
              f"rounds: {rounds})", flush=True)
    return figures


def latency(redis, probe):
    env = dict(os.environ, ERP_REDIS_URL=f"redis+unix://{redis.sock}", RUST_LOG="error")
    redis.cli("FLUSHALL")
    worker = subprocess.Popen([probe, "work", "--bench", "--concurrency", str(CONCURRENCY)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.5)
        subprocess.run([probe, "latency", "--count", "300", "--gap-ms", "10"], env=env, check=True)
        time.sleep(0.5)
        samples = [int(x) / 1000 for x in redis.cli("LRANGE", "erp:bench:wait_us", "0", "-1").split()]
        if len(samples) != 300:
            raise BenchError(f"latency: {len(samples)} of 300 jobs ran")
        p50, p99, worst = percentiles(samples)
        positive(p50, "latency p50")
        print(f"  enqueue to start, idle: p50 {p50:.2f} ms, p99 {p99:.2f} ms, worst {worst:.2f} ms")
        return p50, p99
    finally:
        worker.terminate()
        worker.wait(10)


def main():
    if not shutil.which("redis-server"):
        raise BenchError("redis-server is not installed (scripts/setup-debian.sh installs it)")
    probe, apalis_peer = build()
    with tempfile.TemporaryDirectory() as tmp:
        redis = Redis(tmp)
        try:
            print(f"{JOBS:,} no-op jobs, concurrency {CONCURRENCY}, one Redis ({redis.cli('INFO', 'server').splitlines()[1]}):")
            rates = side_by_side(redis, probe, apalis_peer)
            ours, celery = rates["our queue"], rates["Celery 5 prefork"]
            print(f"  our drain / Celery's: {ours / celery:.1f}x (goal: 20x); "
                  f"/ apalis-redis's: {ours / rates['apalis-redis 1.0.0']:.1f}x")
            print("backlog:")
            figures = backlog(redis, probe)
            print(f"  1,000,000 / empty: {figures[1_000_000] / figures[JOBS]:.2f} (goal: flat, 1.00)")
            print("latency:")
            latency(redis, probe)
        finally:
            redis.stop()


if __name__ == "__main__":
    main_guard(main)
