"""Processes started together: the outbox senders bench/automation and bench/line_push time, and
their bare loops run in as many processes, so both sides of a ratio get the same number of
processes. Each sets Django up (and does what it does before the clock) first and then waits for the
common start, so the clock does not time a start-up that takes longer on a busy machine."""

from __future__ import annotations

import multiprocessing
import time
from typing import Callable


def _warm() -> None:
    """What a worker that has sent before has loaded (the send path imports its renderers lazily)."""
    from saleor_ltv_plugin.automation import render  # noqa: F401
    from saleor_ltv_plugin.automation.channels import registry
    from saleor_ltv_plugin.automation.content import flex_part, rendering  # noqa: F401
    from saleor_ltv_plugin.automation.flows import content_ref  # noqa: F401

    for kind in registry.kinds():
        registry.get(kind)


def _sender(configure: Callable[[int], None], port: int) -> Callable[[], object]:
    from saleor_ltv_plugin.automation.outbox import send_due

    _warm()
    return lambda: send_due(budget_seconds=600)


def _child(prepare, configure, port: int, args: tuple, go, queue) -> None:
    import django

    django.setup()
    configure(port)
    run = prepare(configure, port, *args)  # before the clock: what the timed part needs at hand
    queue.put("ready")
    go.wait()
    queue.put(run())


def run_together(prepare: Callable, configure: Callable[[int], None], port: int,
                 args: list[tuple]) -> tuple[float, list]:
    """One process per `args` entry: `prepare(configure, port, *entry)` returns what the clock times.
    Returns (seconds from the common start until every process returned, what each returned).
    `prepare` and `configure` are top-level functions (spawned processes import them)."""
    from django.db import connection

    connection.close()  # the children open their own
    context = multiprocessing.get_context("spawn")
    queue, go = context.Queue(), context.Event()
    workers = [context.Process(target=_child, args=(prepare, configure, port, entry, go, queue)) for entry in args]
    for w in workers:
        w.start()
    assert [queue.get(timeout=300) for _ in workers] == ["ready"] * len(workers)
    started = time.perf_counter()
    go.set()
    results = [queue.get(timeout=900) for _ in workers]
    elapsed = time.perf_counter() - started
    for w in workers:
        w.join()
    return elapsed, results


def run_senders(configure: Callable[[int], None], port: int, senders: int) -> tuple[float, list]:
    """`senders` outbox sender processes (send_due), started together."""
    return run_together(_sender, configure, port, [()] * senders)


def slices(n: int, parts: int) -> list[tuple[int, int]]:
    """(offset, count) of `parts` near-equal slices of n items: each bare process's share."""
    bounds = [n * i // parts for i in range(parts + 1)]
    return [(bounds[i], bounds[i + 1] - bounds[i]) for i in range(parts)]
