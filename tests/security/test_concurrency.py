"""Issue 15 #9 and #13: concurrent requests against a live server on PostgreSQL (each request
thread has its own connection) — order batches neither deadlock nor miscount, and two
recompute triggers never start two recomputes."""

import json
import random
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from saleor_ltv_plugin import auth
from saleor_ltv_plugin.models import AccountContact, OrderFact, OrderLineFact, RecomputeRun

pytestmark = pytest.mark.django_db(transaction=True)
API = "/plugins/global/saleor.ltv/api/v1/"
CLIENTS = 10


def call(url, key, body) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def all_at_once(function, bodies) -> list[tuple[int, dict]]:
    """Run function(body) for every body in its own thread, released together."""
    start = threading.Barrier(len(bodies))

    def released(body):
        start.wait()
        return function(body)

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(released, bodies))


def orders(version: int, prefix: str = "erp") -> list[dict]:
    """300 orders of 60 companies (several buyers each), two lines each; `version` changes totals."""
    out = []
    for i in range(300):
        company = i % 60
        price = 1000 + version * 10 + i
        out.append({
            "external_id": f"{prefix}-{i:04d}", "channel": "erp", "currency": "JPY",
            "created_at": f"2026-{1 + i % 9:02d}-{1 + i % 27:02d}T10:00:00+09:00",
            "source_updated_at": f"2026-10-{1 + version:02d}T10:00:00+09:00",
            "total_gross": str(price * 3),
            "customer": {"email": f"buyer{i % 120}@company{company}.example", "company_name": f"株式会社テスト{company}"},
            "lines": [{"sku": "A", "quantity": 1, "unit_price": str(price)},
                      {"sku": f"B-{i % 7}", "quantity": 2, "unit_price": str(price)}],
        })
    return out


def test_concurrent_batches_neither_deadlock_nor_miscount(live_server):
    key, _ = auth.new_api_key("erp", ["orders:write"])
    url = live_server.url + API + "orders"
    # The companies and buyers exist already, so nothing serialises the calls before the orders.
    assert call(url, key, {"orders": orders(0, "seed")})[0] == 200
    rng = random.Random(15)
    for round in range(6):  # 10 concurrent calls each: new orders, then the same orders changed
        version, prefix = round % 2, f"erp{round // 2}"
        batches = []
        for _ in range(CLIENTS):
            batch = orders(version, prefix)
            rng.shuffle(batch)
            batches.append({"orders": batch})
        replies = all_at_once(lambda body: call(url, key, body), batches)
        assert [status for status, _ in replies] == [200] * CLIENTS, [r for r in replies if r[0] != 200][:2]
        counts = {name: sum(reply.get(name, 0) for _, reply in replies) for name in ("created", "updated", "written")}
        # Each order is created (or changed to the new version) by exactly one of the ten calls.
        expected = {"created": 300, "updated": 0} if version == 0 else {"created": 0, "updated": 300}
        assert counts == {**expected, "written": 300}, (round, counts)
        assert sum(reply["unchanged"] for _, reply in replies) == CLIENTS * 300 - 300
    assert OrderFact.objects.count() == 4 * 300 and OrderLineFact.objects.count() == 4 * 600
    assert OrderFact.objects.get(external_id="erp0-0000").total_gross == 3 * (1000 + 10)
    assert AccountContact.objects.count() == 120


def test_concurrent_recompute_triggers_start_one_recompute(live_server):
    from saleor_ltv_plugin.demo.loader import load_shop
    from saleor_ltv_plugin.demo.synthetic import generate_shop

    load_shop(generate_shop(n_companies=60, seed=3))  # enough that a recompute takes a while
    key, _ = auth.new_api_key("ops", ["recompute", "metrics:read"])
    url = live_server.url + API + "recompute"
    statuses = []
    for _ in range(3):
        statuses += [status for status, _ in all_at_once(lambda body: call(url, key, body), [{}] * 4)]
    assert set(statuses) <= {202, 409} and 409 in statuses, statuses
    runs = list(RecomputeRun.objects.order_by("started_at"))
    assert len(runs) == statuses.count(202) and all(run.status == "done" for run in runs)
    for before, after in zip(runs, runs[1:]):
        assert before.finished_at <= after.started_at, "two recomputes ran at the same time"


def test_a_batch_that_loses_a_deadlock_is_run_again(order_factory):
    """A deadlock forced between a batch and another transaction: PostgreSQL aborts the batch
    (it waited first), and the batch runs again once the other transaction is done."""
    from django.db import connection, transaction

    from saleor_ltv_plugin.ingest.orders import store_orders

    store_orders([order_factory("o-1"), order_factory("o-2")])
    holds_o2, done = threading.Event(), threading.Event()

    def other_transaction():
        try:
            with transaction.atomic():
                OrderFact.objects.select_for_update().get(external_id="o-2")
                holds_o2.set()
                time.sleep(0.5)  # the batch locks o-1 and waits for o-2 meanwhile
                OrderFact.objects.select_for_update().get(external_id="o-1")  # closes the cycle
        finally:
            done.set()
            connection.close()

    thread = threading.Thread(target=other_transaction)
    thread.start()
    holds_o2.wait(5)
    counts = store_orders([order_factory("o-2", gross="12000"), order_factory("o-1", gross="12000")])
    thread.join(30)
    assert done.is_set() and counts.updated == 2 and counts.created == 0
    assert set(OrderFact.objects.values_list("total_gross", flat=True)) == {12000}
