"""The demo's load (ltv_demo's shop) through the ingest door, on SQLite as a newcomer runs it.

    python bench/demo_load.py [--companies 3000] [--years 3]     (a fresh SQLite file under /tmp)

Times demo.loader.load_shop alone (contacts, orders in batches, checkouts, LINE followers), not
the generation nor the recompute after it, and once more the same shop (idempotent: nothing
written). Target (issue 19): ≥ 10 k orders/s. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _time(module, name: str, stage: str, seconds: dict) -> None:
    inner = getattr(module, name)

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            seconds[stage] = seconds.get(stage, 0.0) + time.perf_counter() - started

    setattr(module, name, timed)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=3000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    path = Path(tempfile.mkdtemp(prefix="ltv-demo-load-")) / "demo.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"  # set, never defaulted: a bench's own file
    os.environ["DJANGO_SETTINGS_MODULE"] = "saleor_ltv_plugin.hosts.standalone.settings"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("DEBUG", "0")
    import django

    django.setup()
    from django.core.management import call_command

    from saleor_ltv_plugin.demo.loader import load_shop
    from saleor_ltv_plugin.demo.synthetic import generate_shop
    from saleor_ltv_plugin.models import OrderFact, OrderLineFact

    from saleor_ltv_plugin.demo import loader
    from saleor_ltv_plugin.ingest import bulk_orders, checkouts, identity

    call_command("migrate", verbosity=0)
    shop = generate_shop(n_companies=args.companies, years=args.years, seed=args.seed)
    stages: dict[str, float] = {}
    for module, name, stage in ((identity, "upsert_customers", "customers"), (loader, "order_data", "order_data"),
                                (bulk_orders, "upsert_chunk", "orders"), (checkouts, "upsert_checkout", "checkouts")):
        _time(module, name, stage, stages)
    started, cpu_started = time.perf_counter(), time.process_time()
    counts = load_shop(shop)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    first_stages = {k: round(v, 2) for k, v in stages.items()}
    print(f"stages: {first_stages}", flush=True)
    stored = OrderFact.objects.count()
    print(f"loaded {counts['orders']:,} orders ({OrderLineFact.objects.count():,} lines, {counts['contacts']:,} "
          f"contacts) in {seconds:.2f} s", flush=True)
    started = time.perf_counter()
    load_shop(shop)
    again = time.perf_counter() - started
    print(f"again: {again:.2f} s", flush=True)
    result = {"orders": counts["orders"], "stored": stored, "contacts": counts["contacts"],
              "checkouts": counts["checkouts"], "load_seconds": round(seconds, 3),
              "orders_per_second": round(counts["orders"] / seconds), "again_seconds": round(again, 3),
              # SQLite runs in this process, so its CPU is the load's whole cost; on a shared machine
              # the wall seconds also count the time other processes held the cores
              "load_cpu_seconds": round(cpu, 3), "orders_per_cpu_second": round(counts["orders"] / cpu),
              "load_average": round(os.getloadavg()[0], 1),
              "stages": first_stages, "target_orders_per_second": 10_000}
    result["target_met"] = result["orders_per_second"] >= 10_000
    print(json.dumps(result))
    path.unlink(missing_ok=True)
    return result


if __name__ == "__main__":
    main()
