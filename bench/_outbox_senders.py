"""Outbox senders in processes of their own, started together: what bench/automation.py and
bench/line_push.py time. Each sets Django up first and then waits for the common start, so the
clock does not time a start-up that takes longer on a busy machine."""

from __future__ import annotations

import multiprocessing
import time
from typing import Callable


def _sender(configure: Callable[[int], None], port: int, go, queue) -> None:
    import django

    django.setup()
    configure(port)
    from saleor_ltv_plugin.automation.outbox import send_due

    queue.put("ready")
    go.wait()
    queue.put(send_due(budget_seconds=600))


def run_senders(configure: Callable[[int], None], port: int, senders: int) -> tuple[float, list]:
    """(seconds from the common start until every sender returned, what each send_due returned).
    `configure` is a top-level function of the calling script (spawned processes import it)."""
    from django.db import connection

    connection.close()  # the children open their own
    context = multiprocessing.get_context("spawn")
    queue, go = context.Queue(), context.Event()
    workers = [context.Process(target=_sender, args=(configure, port, go, queue)) for _ in range(senders)]
    for w in workers:
        w.start()
    assert [queue.get(timeout=300) for _ in workers] == ["ready"] * senders
    started = time.perf_counter()
    go.set()
    results = [queue.get(timeout=900) for _ in workers]
    elapsed = time.perf_counter() - started
    for w in workers:
        w.join()
    return elapsed, results
