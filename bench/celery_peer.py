"""Celery 5 running the bench's no-op job (for bench/jobs.py): each task
counts itself in `erp:bench:done`, as the other peers' jobs do.

    celery -A celery_peer worker -P prefork -c 8 -Q bench
"""

import os

import redis
from celery import Celery

BROKER = os.environ["BENCH_BROKER"]
app = Celery("bench", broker=BROKER)
app.conf.update(task_default_queue="bench", worker_prefetch_multiplier=4,
                task_ignore_result=True, worker_hijack_root_logger=False)
_counter = None


@app.task(name="noop")
def noop(n):
    global _counter
    if _counter is None:
        _counter = redis.Redis.from_url(BROKER.replace("redis+socket://", "unix://"))
    _counter.incr("erp:bench:done")


if __name__ == "__main__":
    import sys
    import time
    count = int(sys.argv[1])
    began = time.monotonic()
    for i in range(count):
        noop.delay(i)
    print(f"queued {count} in {time.monotonic() - began:.3f} s")
