"""Many shops in one App deployment: the night's work with one and with two Celery worker processes.

    python bench/app_scale.py [--shops 50] [--accounts 20000] [--workers 1,2] [--rounds 3]
    (PostgreSQL on 127.0.0.1, database ltv_bench_app_scale; Redis LTV_BENCH_BROKER_URL,
     default redis://127.0.0.1:6379/15, flushed at the start)

Issue 18: each installation's nightly recompute and flow scans are separate Celery tasks, so
adding worker processes shortens the night. The bench installs N shops (Installation rows in
public, a schema each), fills every shop with its own accounts' orders through COPY (shop i has
accounts + i accounts, seed i: the same channel slug and the same account keys and ids in every
shop, different histories, each ending yesterday), then, per round and per worker count, has that
many real worker processes of the App's Celery app (`celery -A saleor_ltv_plugin.hosts.saleor_app.celery worker
--concurrency 1` each, fair scheduling, prefetch 1) consume, sends what beat sends at night — the
fan-out `for_each_shop` for scan_scenarios, run_flows and recompute_metrics, which sends each once
per shop with the shop in its header — and times from the first send to the last shop's last stamp (its
RecomputeRun's finished_at and its two TaskHeartbeats, all written by the workers in the shop's
own schema). Worker counts alternate order round by round; medians are reported. The worker
processes start once (their start-up is not the night's) and a night with fewer of them has the
others stop consuming.

The scans' and flow ticks' fan-outs go first, the recompute's once every shop's scan and tick have
run. Sent together, on the one queue the minute tasks of a shop can land behind every shop's
recompute and outlive their 120 s `expires` (seen here: 10 shops, one worker, every run_flows
discarded). So it goes in production, where beat sends them all together: every shop's scans,
flow ticks and outbox dispatches would wait out the night's recomputes, then expire — which is why
the App host routes the recompute to a queue of its own (settings.NIGHTLY_QUEUE); these workers
consume both, as `saleor-ltv worker` does by default.

Shop schemas are copies of one migrated template (pg_dump of its structure and django_migrations
rows, the schema name swapped; partial indexes built again from the models, see
_index_as_migrated): 0.3 s a shop instead of 5-10 s of migrating. Every run checks that each copy
describes exactly as the template (tables, columns, defaults, identities, indexes, constraints,
sequences, django_migrations rows and their id sequence) and reports it.

Checked after every night (`isolation_ok`): each shop's RecomputeRun counted its own accounts,
its AccountMetrics are exactly its own accounts, all written this night, and their spend adds up
to its own orders' amounts; public holds none of the app's tables. Last line: JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _standalone import ROOT, use_database  # noqa: E402

DB = use_database("LTV_BENCH_APP_SCALE_DATABASE", "ltv_bench_app_scale")

import recompute as recompute_bench  # noqa: E402  (its database helper and COPY fill, per schema here)

from saleor_ltv_plugin.hosts.saleor_app.schedule import FAN_OUT  # noqa: E402  (no Django in it)

BROKER = os.environ.get("LTV_BENCH_BROKER_URL", "redis://127.0.0.1:6379/15")
TEMPLATE = "ltv_bench_template"
CHANNEL = recompute_bench.CHANNEL
ORDERS_PER_ACCOUNT = 10
QUEUES = "celery,ltv-nightly"  # the App host's settings.NIGHTLY_QUEUE beside Celery's default
# Sent in two steps, the second when the first is done everywhere: on one queue, behind every shop's
# recompute, the minute tasks would outlive their `expires` (120 s) and be discarded (docstring).
NIGHT = (("saleor_ltv_plugin.scan_scenarios", "saleor_ltv_plugin.run_flows"), ("saleor_ltv_plugin.recompute_metrics",))
HEARTBEATS = ("scan_scenarios", "run_flows")
CELERY_APP = "saleor_ltv_plugin.hosts.saleor_app.celery"
TASK_FAILED = re.compile(r"Task [\w.]+\[[\w-]+\] raised|Discarding revoked task|ERROR/")
TASK_DONE = re.compile(r"Task (?P<name>[\w.]+)\[[\w-]+\] succeeded in (?P<seconds>[\d.]+)s")
# Imported before the pool forks, as in a worker that has run a night before: the first task of
# a fresh process would otherwise pay pandas' and scipy's imports inside the timed night.
PRELOAD = ("saleor_ltv_plugin.metrics.recompute", "saleor_ltv_plugin.automation.scan")


def app_environment() -> dict[str, str]:
    """What the App host requires, for this process and its workers (recompute's import reset it)."""
    from cryptography.fernet import Fernet

    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "saleor_ltv_plugin.hosts.saleor_app.settings", "CELERY_BROKER_URL": BROKER,
        "PUBLIC_URL": "https://bench.example", "LTV_APP_ALLOWED_SALEOR_URLS": r"https://shop-\d+\.bench\.example/",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "bench"), os.environ.get("PYTHONPATH", "")]),
    })
    os.environ.setdefault("LTV_APP_ENCRYPTION_KEYS", Fernet.generate_key().decode())
    return dict(os.environ)


def shop_schema(index: int) -> str:
    return f"ltv_bench_shop_{index:03d}"


def shop_accounts(index: int, accounts: int) -> int:
    """Shop i's own account count: a shop whose rows landed elsewhere shows in every count."""
    return accounts + index


# -- schemas: one migrated template, copied --------------------------------------------------------

DESCRIBE = {
    "relations": """SELECT c.relname, c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = %(s)s ORDER BY 1""",
    "columns": """SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                         pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, a.attgenerated::text,
                         pg_get_serial_sequence(format('%%I.%%I', n.nspname, c.relname), a.attname)
                  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                  WHERE n.nspname = %(s)s AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v')
                  ORDER BY c.relname, a.attnum""",
    "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = %(s)s ORDER BY 1, 2",
    "constraints": """SELECT c.relname, k.conname, k.contype::text, pg_get_constraintdef(k.oid), k.condeferrable,
                             k.condeferred
                      FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
                      JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %(s)s ORDER BY 1, 2""",
    "sequences": """SELECT sequencename, data_type::text, start_value, increment_by, min_value, max_value, cache_size,
                           cycle FROM pg_sequences WHERE schemaname = %(s)s ORDER BY 1""",
    # (the shops' own ids move on with their data; the migration record's must match the template's)
    "django_migrations_next_id": """SELECT last_value FROM pg_sequences WHERE schemaname = %(s)s
                                    AND sequencename = 'django_migrations_id_seq'""",
    "triggers": """SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                   JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %(s)s AND NOT t.tgisinternal
                   ORDER BY 1, 2""",
    "functions": """SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                    WHERE n.nspname = %(s)s ORDER BY 1""",
}


def describe(schema: str) -> dict[str, list]:
    """The schema's structure and migration record, with its own name written as <schema>."""
    from django.db import connection

    def plain(value):
        return value.replace(f'"{schema}".', "<schema>.").replace(f"{schema}.", "<schema>.") \
            if isinstance(value, str) else value

    found = {}
    with connection.cursor() as cursor:
        for part, sql in DESCRIBE.items():
            cursor.execute(sql, {"s": schema})
            found[part] = [tuple(plain(v) for v in row) for row in cursor.fetchall()]
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations ORDER BY app, name')
        found["django_migrations"] = cursor.fetchall()
    return found


def _dump(*args: str) -> str:
    done = subprocess.run(["pg_dump", "-h", "127.0.0.1", "-U", "postgres", "--no-owner", "--no-privileges", *args, DB],
                          capture_output=True, text=True, check=True)
    # psql's own lines (\restrict …) go: the text runs through psycopg, in one transaction.
    return "\n".join(line for line in done.stdout.splitlines() if not line.startswith("\\"))


def copy_schemas(names: list[str]) -> None:
    """Each schema made as a copy of the migrated template: its structure and django_migrations."""
    import psycopg

    structure = _dump("--schema-only", "-n", TEMPLATE)
    migrations = _dump("--data-only", "--inserts", "-t", f"{TEMPLATE}.django_migrations")
    # Every name in the dump is schema-qualified; the template's name is nowhere else in it.
    with psycopg.connect(f"postgres://postgres@127.0.0.1:5432/{DB}") as conn:
        for name in names:  # a transaction each (fifty at once outgrow the lock table)
            conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
            conn.execute((structure + "\n" + migrations).replace(TEMPLATE, name))
            conn.commit()
    template = {row[1]: row for row in describe(TEMPLATE)["indexes"]}
    for name in names:
        _index_as_migrated(name, template)


def _index_as_migrated(name: str, template: dict[str, tuple]) -> None:
    """A partial index's predicate read back from its text is a different (equivalent) expression:
    `x::text = ANY ((ARRAY['a'::varchar])::text[])` returns as `ANY (ARRAY[('a'::varchar)::text])`.
    Such indexes are built again from the model, with the very statement the migration ran."""
    from django.apps import apps
    from django.db import connection

    from saleor_ltv_plugin import tenancy

    copied = {row[1]: row for row in describe(name)["indexes"]}
    differing = [index for index, row in copied.items() if template.get(index) != row]
    if not differing:
        return
    declared = {item.name: (model, item) for model in apps.get_app_config("saleor_ltv_plugin").get_models()
                for item in [*model._meta.indexes, *model._meta.constraints]}
    with tenancy.enter(name), connection.schema_editor() as editor:
        for index in differing:
            model, item = declared[index]  # a KeyError here: an index the models do not declare
            if item in model._meta.indexes:
                editor.execute(f'DROP INDEX "{index}"')
                editor.add_index(model, item)
            else:
                editor.remove_constraint(model, item)
                editor.add_constraint(model, item)


def prepare_schemas(shops: int) -> dict:
    """Template migrated (or brought up to date), missing or out-of-date shop schemas copied from it,
    every shop schema checked against it. Returns the figures."""
    from saleor_ltv_plugin import tenancy

    started = time.perf_counter()
    tenancy.create(TEMPLATE)
    migrate_seconds = time.perf_counter() - started
    template = describe(TEMPLATE)
    present = set(tenancy.schemas())
    names = [shop_schema(i) for i in range(shops)]
    stale = [n for n in names if n not in present or describe(n)["django_migrations"] != template["django_migrations"]]
    started = time.perf_counter()
    if stale:
        print(f"copying {len(stale)} shop schemas from {TEMPLATE} …", flush=True)
        copy_schemas(stale)
    copy_seconds = time.perf_counter() - started
    differing = [n for n in names if describe(n) != template]
    return {"migrate_template_s": round(migrate_seconds, 2), "copied": len(stale),
            "copy_s_per_schema": round(copy_seconds / len(stale), 3) if stale else None,
            "schema_copy_equals_migrated": not differing, "differing_schemas": differing,
            "tables_per_schema": sum(1 for _, kind in template["relations"] if kind == "r")}


# -- installations and their orders ----------------------------------------------------------------

def prepare_shops(shops: int, accounts: int) -> dict:
    from django.db import connection

    from saleor_ltv_plugin import tenancy
    from saleor_ltv_plugin.hosts.saleor_app.models import Installation
    from saleor_ltv_plugin.models import Account, OrderFact

    figures = prepare_schemas(shops)
    assert figures["schema_copy_equals_migrated"], f"copied schemas differ from {TEMPLATE}: {figures}"
    names = [shop_schema(i) for i in range(shops)]
    Installation.objects.exclude(schema__in=names).delete()  # other sizes' shops keep their schemas
    for i, name in enumerate(names):
        Installation.objects.update_or_create(schema=name, defaults={
            "saleor_api_url": f"https://shop-{i:03d}.bench.example/graphql/", "domain": f"shop-{i:03d}.bench.example",
            "app_id": f"bench-{i}", "removed_at": None})
    started, filled = time.perf_counter(), 0
    for i, name in enumerate(names):
        n_accounts = shop_accounts(i, accounts)
        n_orders = n_accounts * ORDERS_PER_ACCOUNT
        with tenancy.enter(name):
            if Account.objects.count() != n_accounts or abs(OrderFact.objects.count() - n_orders) > n_orders * 0.05:
                print(f"filling {name}: ~{n_orders:,} orders for {n_accounts:,} accounts …", flush=True)
                recompute_bench.fill(n_orders, n_accounts, seed=1000 + i)
                filled += 1
            anchor_to_yesterday()
    connection.close()
    figures.update(filled=filled, fill_s=round(time.perf_counter() - started, 1))
    return figures


def anchor_to_yesterday() -> None:
    """Move the shop's orders by whole days so its history ends yesterday, as a live shop's does.
    (The generator's calendar ends on 2025-12-31: against today every account would be a year
    lapsed, and the model fits would search their bounds instead of converging.)"""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT (now() AT TIME ZONE 'Asia/Tokyo')::date - 1 "
                       "- max((created_at AT TIME ZONE 'Asia/Tokyo')::date) FROM saleor_ltv_plugin_orderfact")
        days = cursor.fetchone()[0]
        if days:
            cursor.execute("UPDATE saleor_ltv_plugin_orderfact SET created_at = created_at + make_interval(days => %s)",
                           [days])
            cursor.execute("VACUUM ANALYZE saleor_ltv_plugin_orderfact")


# -- one night -------------------------------------------------------------------------------------

class Workers:
    """Worker processes of the App's Celery app, one task at a time each, started once for the
    whole run; a night uses the first `count` of them (the others stop consuming, and idle)."""

    def __init__(self, count: int, log_dir: Path, env: dict[str, str]):
        self.names = [f"bench{i}@app-scale" for i in range(count)]
        self.logs = [log_dir / f"worker-{i}.log" for i in range(count)]
        self.processes = []
        for name, log in zip(self.names, self.logs):
            with open(log, "w") as out:
                self.processes.append(subprocess.Popen(
                    [sys.executable, "-m", "celery", "-A", CELERY_APP, "worker", "--concurrency", "1", "-Q", QUEUES,
                     "-n", name, "-O", "fair", "--prefetch-multiplier", "1", "--without-gossip",
                     "--without-mingle", "--without-heartbeat", "--loglevel", "INFO", "--include", ",".join(PRELOAD)],
                    env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT))
        self.offsets = [0] * count

    def wait_ready(self, app, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.check_alive()
            if len(app.control.ping(destination=self.names, timeout=0.5)) >= len(self.names):
                return
        raise RuntimeError(f"workers not ready after {seconds} s:\n{self.tails()}")

    def use(self, app, count: int) -> None:
        """The first `count` workers consume the queue, the others not (each answers before this returns)."""
        for i, name in enumerate(self.names):
            command = app.control.add_consumer if i < count else app.control.cancel_consumer
            for queue in QUEUES.split(","):
                replies = command(queue, destination=[name], reply=True, timeout=10)
                assert replies, f"{name} did not answer {command.__name__}({queue})"
        self.offsets = [log.stat().st_size for log in self.logs]

    def check_alive(self) -> None:
        if any(p.poll() is not None for p in self.processes):
            raise RuntimeError(f"a worker exited:\n{self.tails()}")

    def tasks_done(self, count: int) -> list[dict]:
        """Per worker in use, the seconds its shop tasks took since `use` (by task; fan-outs aside)."""
        done = []
        for log, offset in list(zip(self.logs, self.offsets))[:count]:
            busy: dict[str, float] = {}
            with open(log) as text:
                text.seek(offset)
                for found in TASK_DONE.finditer(text.read()):
                    if found["name"] != FAN_OUT:
                        short = found["name"].rsplit(".", 1)[-1]
                        busy[short] = round(busy.get(short, 0) + float(found["seconds"]), 2)
            done.append(busy)
        return done

    def errors(self) -> list[str]:
        """Lines of failed, expired or erroring tasks in any worker's log."""
        return [line for log in self.logs for line in log.read_text().splitlines() if TASK_FAILED.search(line)]

    def tails(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text()[-3000:]}" for log in self.logs)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGQUIT)  # cold: every night ended, the queue is empty
        for process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def night_stamps(names: list[str], since: datetime) -> list[tuple]:
    """Per shop: (schema, its RecomputeRun's status and end, its heartbeats) written since `since`."""
    from django.db import connection

    parts = []
    for name in names:
        parts.append(f"""SELECT '{name}',
            (SELECT status FROM "{name}".saleor_ltv_plugin_recomputerun WHERE started_at >= %(t)s ORDER BY id DESC LIMIT 1),
            (SELECT max(finished_at) FROM "{name}".saleor_ltv_plugin_recomputerun WHERE started_at >= %(t)s),
            """ + ", ".join(f"""(SELECT beat_at FROM "{name}".saleor_ltv_plugin_taskheartbeat
                                WHERE task = '{task}' AND beat_at >= %(t)s)""" for task in HEARTBEATS))
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), {"t": since})
        return cursor.fetchall()


def cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine so far (Linux /proc/stat; others' work included)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def run_night(workers: Workers, count: int, names: list[str], timeout: float) -> dict:
    """Seconds from sending the night's first fan-out to the last shop's last stamp, `count` workers on."""
    import redis

    from saleor_ltv_plugin.hosts.saleor_app.celery import app

    broker = redis.Redis.from_url(BROKER)
    workers.use(app, count)
    since, ticks = datetime.now(timezone.utc), cpu_ticks()
    deadline = time.monotonic() + timeout
    scanned = lambda row: all(row[3:])  # noqa: E731 — both heartbeats of the shop written tonight
    recomputed = lambda row: row[1] == "done"  # noqa: E731
    for tasks, done in zip(NIGHT, (scanned, recomputed)):
        for task in tasks:  # what beat sends: each entry once, fanned out per shop by a worker
            app.send_task(FAN_OUT, args=[task])
        while True:
            stamps = night_stamps(names, since)
            failed = [row[0] for row in stamps if row[1] == "failed"]
            if failed:
                raise RuntimeError(f"recompute failed in {failed}:\n{workers.tails()}")
            if all(done(row) for row in stamps):
                break
            workers.check_alive()
            if time.monotonic() > deadline:
                waiting = [row[0] for row in stamps if not done(row)]
                raise RuntimeError(f"{len(waiting)} shops unfinished after {timeout} s ({tasks}): {waiting[:5]}\n"
                                   f"{workers.tails()}")
            time.sleep(0.2)
    end = max(max(row[2], *row[3:]) for row in stamps)
    busy, total = (now - before for now, before in zip(cpu_ticks(), ticks))
    while broker.llen("celery") and time.monotonic() < deadline:  # the scans' outbox dispatches
        time.sleep(0.2)
    time.sleep(1)  # the last dispatches' log lines
    return {"seconds": (end - since).total_seconds(), "task_seconds_per_worker": workers.tasks_done(count),
            "since": since, "machine_cpu_busy": round(busy / max(total, 1), 2)}


def check_isolation(names: list[str], since: datetime) -> dict:
    """Each shop's night counted and wrote its own accounts only; public holds no app table."""
    from django.db import connection

    wrong = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('public.saleor_ltv_plugin_account') IS NULL "
                       "AND to_regclass('public.saleor_ltv_plugin_accountmetrics') IS NULL")
        public_clean = cursor.fetchone()[0]
        for name in names:
            cursor.execute(f"""SELECT
                (SELECT count(*) FROM "{name}".saleor_ltv_plugin_account),
                (SELECT accounts FROM "{name}".saleor_ltv_plugin_recomputerun WHERE started_at >= %(t)s
                 ORDER BY id DESC LIMIT 1),
                (SELECT count(*) FROM "{name}".saleor_ltv_plugin_accountmetrics),
                (SELECT count(*) FROM "{name}".saleor_ltv_plugin_accountmetrics WHERE computed_at >= %(t)s),
                (SELECT count(DISTINCT channel) FROM "{name}".saleor_ltv_plugin_accountmetrics),
                (SELECT round(sum(monetary)) FROM "{name}".saleor_ltv_plugin_accountmetrics),
                (SELECT round(sum(amount)) FROM "{name}".saleor_ltv_plugin_orderfact WHERE counts_as_purchase)""",
                           {"t": since})
            own, counted, metrics, tonight, channels, spend, ordered = cursor.fetchone()
            if not (own == counted == metrics == tonight and channels == 1 and spend == ordered):
                wrong.append({"schema": name, "accounts": own, "run_counted": counted, "metrics": metrics,
                              "written_tonight": tonight, "spend": float(spend or 0), "orders": float(ordered or 0)})
    return {"isolation_ok": public_clean and not wrong, "public_has_no_app_tables": public_clean, "wrong": wrong[:5]}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shops", type=int, default=50)
    parser.add_argument("--accounts", type=int, default=20_000, help="per shop (shop i has this + i)")
    parser.add_argument("--workers", default="1,2", help="worker process counts to compare, e.g. 1,2")
    parser.add_argument("--rounds", type=int, default=3, help="nights per worker count, interleaved")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds one night may take")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # the workers are stopped on the way out
    counts = [int(c) for c in args.workers.split(",")]
    env = app_environment()
    recompute_bench.ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)  # public: the installations (the router keeps the shops' apart)
    figures = prepare_shops(args.shops, args.accounts)
    names = [shop_schema(i) for i in range(args.shops)]
    connection.close()  # the workers' recomputes need the server more than this idle connection
    nights: dict[int, list[dict]] = {c: [] for c in counts}
    isolation = {"isolation_ok": True}
    import redis

    redis.Redis.from_url(BROKER).flushdb()  # once, before any worker binds its queues there
    from saleor_ltv_plugin.hosts.saleor_app.celery import app

    with tempfile.TemporaryDirectory(prefix="ltv-app-scale-") as log_dir:
        started = time.perf_counter()
        workers = Workers(max(counts), Path(log_dir), env)
        try:
            workers.wait_ready(app)
            print(f"{max(counts)} worker processes ready in {time.perf_counter() - started:.1f} s", flush=True)
            for round_ in range(args.rounds):
                order = counts if round_ % 2 == 0 else counts[::-1]  # interleaved: noise hits both alike
                for count in order:
                    night = run_night(workers, count, names, args.timeout)
                    checked = check_isolation(names, night["since"])
                    if not checked["isolation_ok"]:
                        isolation = checked
                    nights[count].append(night)
                    print(f"round {round_ + 1}: {count} worker(s) {night['seconds']:.1f} s (machine CPU "
                          f"{night['machine_cpu_busy']:.0%} busy), task seconds per "
                          f"worker {night['task_seconds_per_worker']}, isolation ok {checked['isolation_ok']}",
                          flush=True)
            errors = workers.errors()
        finally:
            workers.stop()
    medians = {c: statistics.median(n["seconds"] for n in nights[c]) for c in counts}
    first, last = counts[0], counts[-1]
    result = {
        "shops": args.shops, "accounts_per_shop": args.accounts, "orders_per_account": ORDERS_PER_ACCOUNT,
        "worker_processes": counts, "process": "a celery worker --concurrency 1 each", "rounds": args.rounds,
        "night_seconds": {str(c): round(medians[c], 2) for c in counts},
        "night_seconds_all": {str(c): [round(n["seconds"], 2) for n in nights[c]] for c in counts},
        "speedup": round(medians[first] / medians[last], 2),
        "ratio": round(medians[last] / medians[first], 3),
        "seconds_per_shop": {str(c): round(medians[c] / args.shops, 3) for c in counts},
        "task_seconds_per_worker": {str(c): nights[c][-1]["task_seconds_per_worker"] for c in counts},
        # Both cores' share busy during each night (this run's and anything else on the machine)
        "machine_cpu_busy": {str(c): statistics.median(n["machine_cpu_busy"] for n in nights[c]) for c in counts},
        "task_errors": len(errors), "task_error_lines": errors[:5], "schemas": figures, **isolation,
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
