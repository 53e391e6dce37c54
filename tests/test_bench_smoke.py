"""Every bench/ script runs in CI at a small scale, so none rots (issue 14 #2).

Each runs as a subprocess in this venv's python, the way a person runs it, and must exit 0 with
one JSON object as its last line holding the figures its docstring names. A script in bench/
with no entry here (or in the Saleor tier, for the one that needs a real Saleor) fails the suite.
The benches on PostgreSQL get databases of their own, named after this run's test database.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest
import redis
from django.conf import settings

from .bench_smoke import ROOT, check, run, scripts
from .dashboard.conftest import _missing as dashboard_missing
from .standalone_server import admin_sql
from .support.processes import BROKER


@dataclass(frozen=True)
class Smoke:
    args: tuple[str, ...]
    keys: tuple[str, ...]
    positive: tuple[str, ...] = ()  # finite numbers > 0: ratios, rates, fitted parameters
    needs: frozenset[str] = field(default_factory=frozenset)  # postgres, redis, chromium, lifetimes
    agrees: Callable[[dict], bool] | None = None  # a self-check the script reports


PYTHON = "{python}"  # replaced by this venv's interpreter
SMOKE = {
    "engine.py": Smoke(
        ("--scale", "0.001"),
        keys=("orders", "accounts", "seconds.floor", "seconds.bgnbd_fit", "peak_rss_gb", "targets_met",
              "bgnbd.status", "gamma_gamma.status"),
        positive=("ratio_to_floor", "descriptive_ratio", "fits_ratio")),
    "engine_quality.py": Smoke(
        ("--companies", "300"),
        keys=("cdnow.calibration_check", "cdnow.bgnbd.mae", "cdnow.naive_average_interval.mae", "cdnow.by_frequency",
              "synthetic_b2b.interval_vs_truth.all_with_an_interval", "synthetic_b2b.next_purchase_date",
              "synthetic_b2b.reorder.per_unit", "synthetic_b2b.reorder.per_occasion"),
        positive=("cdnow.bgnbd.predicted_total", "cdnow.bgnbd.rmse", "cdnow.params"),
        agrees=lambda r: r["cdnow"]["calibration_check"]["sum_x_ours"] == r["cdnow"]["calibration_check"]["sum_x_published"]),
    "lifetimes_speed.py": Smoke(
        ("--python", PYTHON),
        keys=("customers", "ours_seconds", "our_params", "lifetimes_seconds", "lifetimes_params",
              "max_param_rel_diff"),
        positive=("speedup", "our_params", "lifetimes_params"), needs=frozenset({"lifetimes"}),
        agrees=lambda r: r["max_param_rel_diff"] < 0.01),  # our BG/NBD fit is lifetimes' fit
    "recompute.py": Smoke(
        ("--scale", "0.001", "--rounds", "1"),
        keys=("orders", "accounts_written", "floor_seconds", "recompute_seconds", "stages", "prediction_model.name"),
        positive=("ratio",), needs=frozenset({"postgres"})),
    "api.py": Smoke(
        ("--accounts", "1000", "--rounds", "3", "--export-rounds", "1"),
        keys=("accounts", "list_rows", "list_total", "ltvAccounts.p95_ms", "ltvOverview.p95_ms", "export.rows"),
        positive=("ltvAccounts.ratio_p50", "ltvAccounts.ratio_p95", "ltvOverview.ratio_p50", "ltvOverview.ratio_p95",
                "export.ratio", "export.rows_per_second"), needs=frozenset({"postgres"})),
    "automation.py": Smoke(
        ("--accounts", "500", "--messages", "30", "--rounds", "1"),
        keys=("accounts", "scan_first_s", "scan_steady_s", "enrolled", "outbox_rows", "messages"),
        positive=("send_rate_ours", "send_rate_bare", "send_ratio"), needs=frozenset({"postgres"})),
    "line_push.py": Smoke(  # the outbox's LINE pushes beside a bare keep-alive loop, to the fake in its own process
        ("--messages", "30", "--rounds", "1"),
        keys=("messages", "rounds", "processes_each_side", "body_bytes_mean", "target", "met"),
        positive=("push_rate_ours", "push_rate_bare", "ratio"), needs=frozenset({"postgres"}),
        agrees=lambda r: r["messages"] == 30 and r["target"] == 0.5),
    "flows.py": Smoke(  # the same --accounts as automation.py: it reuses that shop
        ("--accounts", "500", "--rounds", "1"),
        keys=("accounts", "entered", "entry_first_s", "first_tick_s", "first_tick_mails", "tick_steady_s",
              "broadcast_s", "broadcast_mails"),
        positive=("entry_ratio", "tick_ratio"), needs=frozenset({"postgres"}),
        agrees=lambda r: r["entered"] == r["accounts"] and r["broadcast_mails"] > 0),
    "import.py": Smoke(
        ("--rows", "2000"),
        keys=("rows", "orders", "floor_seconds", "import_seconds", "stages", "again_unchanged", "targets_met"),
        positive=("ratio", "rows_per_second", "accounts_rescored"), needs=frozenset({"postgres"}),
        agrees=lambda r: r["again_written"] == 0 and r["again_unchanged"] == r["orders"] == r["created"]),
    "demo_load.py": Smoke(  # SQLite, a file of its own
        ("--companies", "60", "--years", "1"),
        keys=("orders", "stored", "contacts", "load_seconds", "again_seconds", "stages", "target_met"),
        positive=("orders_per_second",),
        agrees=lambda r: r["stored"] == r["orders"] > 0),
    "analyses.py": Smoke(  # the same --accounts as api.py: it reuses that shop
        ("--accounts", "1000", "--rounds", "1"),
        keys=("accounts", "orders", "order_copy_ms", "cohorts_ms", "buying_patterns_ms", "products_ms", "crosstab_ms",
              "crosstab_source_ms", "rfmi_ms"),
        positive=("cohorts_ratio_to_copy", "buying_patterns_ratio_to_copy", "crosstab_source_ratio_to_copy",
                  "rfmi_ratio_to_copy"), needs=frozenset({"postgres"})),
    "dashboard.py": Smoke(  # the same --accounts as api.py: it reuses that shop
        ("--accounts", "1000", "--rounds", "1"),
        keys=("accounts", "overview_drawn_p50_ms", "overview_api_p50_ms", "met"),
        positive=("ratio_page_to_api_p50",), needs=frozenset({"postgres", "chromium"})),
    "segments.py": Smoke(
        ("--accounts", "1000", "--rounds", "3"),
        keys=("accounts", "segment_matches", "bare_matches", "segment_p95_ms", "bare_p95_ms"),
        positive=("ratio_p95", "segment_p50_ms", "bare_p50_ms"), needs=frozenset({"postgres"}),
        agrees=lambda r: r["bare_matches"] == r["accounts"] >= 900 and r["segment_matches"] < r["accounts"]),
    "app_scale.py": Smoke(  # real Celery workers of the App host, on this session's Redis database
        ("--shops", "2", "--accounts", "300", "--rounds", "1"),
        keys=("shops", "night_seconds.1", "night_seconds.2", "task_seconds_per_worker.2",
              "schemas.schema_copy_equals_migrated"),
        positive=("night_seconds", "speedup", "ratio"), needs=frozenset({"postgres", "redis"}),
        agrees=lambda r: r["isolation_ok"] is True and r["schemas"]["schema_copy_equals_migrated"] is True
        and r["task_errors"] == 0),
    "app_webhooks.py": Smoke(  # the App's webhook endpoint beside a bare view, on a real uvicorn server
        ("--requests", "200", "--rounds", "2", "--clients", "4", "--web-workers", "1"),
        keys=("deliveries", "webhook_p95_ms", "bare_p95_ms", "recorded"),
        positive=("webhook_p50_ms", "bare_p50_ms", "webhook_per_second", "bare_per_second", "ratio_p95"),
        needs=frozenset({"postgres"}), agrees=lambda r: r["agrees"] is True and r["recorded"] == 200),
    "flows_preview.py": Smoke(
        ("--companies", "60", "--previews", "40"),
        keys=("previews", "accounts", "preview_ms_p50", "preview_ms_p95", "render_ms_p95", "bare_ms_p95",
              "meets_target"),
        positive=("preview_to_bare_p50", "preview_to_bare_p95", "render_to_bare_p50"), needs=frozenset({"postgres"})),
    "thresholds_preview.py": Smoke(  # the same --accounts as api.py: it reuses that shop
        ("--accounts", "1000", "--rounds", "1"),
        keys=("accounts", "preview_s", "bare_copy_s", "recompute_s"),
        positive=("preview_over_copy", "recompute_over_preview"), needs=frozenset({"postgres"})),
}
# Benches whose smoke run lives in another tier: the file must name the script.
ELSEWHERE = {"hook_overhead.py": "tests/saleor_tier/test_bench_hook_overhead.py",
             "app_backfill.py": "tests/saleor_tier/test_bench_app_backfill.py",
             # a loop over the kill test, which every suite run runs once (a nested pytest here
             # would share the outer run's test database)
             "outbox_kill.py": "tests/automation/test_reliability.py"}


def test_every_bench_script_has_a_smoke_run():
    covered = set(SMOKE) | set(ELSEWHERE)
    assert not set(scripts()) - covered, (
        f"bench scripts without a smoke run: {sorted(set(scripts()) - covered)}; add each to SMOKE in {__file__}")
    assert not covered - set(scripts()), f"smoke entries for scripts that are gone: {sorted(covered - set(scripts()))}"
    for script, test in ELSEWHERE.items():
        assert script in (ROOT / test).read_text(), f"{test} does not run bench/{script}"


# Scripts that fill the same database run one after another, in this order (the first fills it).
LANES = (("api.py", "analyses.py", "dashboard.py", "thresholds_preview.py"), ("automation.py", "flows.py"))


@pytest.fixture(scope="module")
def bench_databases():
    """Environment variables naming each bench's database (None off PostgreSQL); the databases
    are dropped afterwards."""
    db = settings.DATABASES["default"]
    if "sqlite" in db["ENGINE"]:
        yield None
        return
    # As pytest-django names the test database (whether or not it is made yet): never a bench's own
    # default (ltv_bench_api …), which holds a developer's full-size fill.
    base = db["NAME"] if db["NAME"].startswith("test_") else f"test_{db['NAME']}"
    names = {variable: f"{base}_bench_{stem}" for variable, stem in (
        ("LTV_BENCH_DATABASE", "recompute"), ("LTV_BENCH_API_DATABASE", "api"),
        ("LTV_BENCH_AUTOMATION_DATABASE", "automation"), ("LTV_BENCH_IMPORT_DATABASE", "import"),
        ("LTV_BENCH_FLOWS_PREVIEW_DATABASE", "flows_preview"), ("LTV_BENCH_SEGMENTS_DATABASE", "segments"),
        ("LTV_BENCH_APP_SCALE_DATABASE", "app_scale"), ("LTV_BENCH_APP_WEBHOOKS_DATABASE", "app_webhooks"),
        ("LTV_BENCH_LINE_PUSH_DATABASE", "line_push"))}
    yield names
    for name in names.values():
        admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _missing(need: str) -> str | None:
    if need == "chromium":
        return dashboard_missing()
    if need == "redis":
        try:
            redis.Redis.from_url(BROKER, socket_timeout=2).ping()
        except redis.RedisError as error:
            return f"no Redis at {BROKER} ({error}); the bench runs real Celery workers"
        return None
    if need == "lifetimes":
        probe = subprocess.run([sys.executable, "-c", "import lifetimes"], capture_output=True)
        return "lifetimes is not installed in this venv (the test extras have it: pip install -e '.[test]')" \
            if probe.returncode else None
    return None


class Skipped(str):
    """Why a script was not run here."""


class BenchRuns:
    """Every smoke run, started at once, two at a time: each is a subprocess the pytest process only
    waits for, so both cores work (about half the wall time of one after another)."""

    def __init__(self, databases: dict[str, str] | None, selected: set[str]):
        self.databases = databases
        self.results: dict[str, Future] = {script: Future() for script in selected}
        laned = {script for lane in LANES for script in lane}
        lanes = [tuple(s for s in lane if s in selected) for lane in LANES]
        lanes += [(script,) for script in sorted(selected) if script not in laned]
        self.pool = ThreadPoolExecutor(max_workers=2)
        for lane in lanes:
            self.pool.submit(self._lane, lane)

    def _lane(self, lane: tuple[str, ...]) -> None:
        for script in lane:
            try:
                self.results[script].set_result(self._run(script))
            except BaseException as error:  # noqa: BLE001 — handed to the script's test
                self.results[script].set_exception(error)

    def _run(self, script: str) -> dict | Skipped:
        smoke = SMOKE[script]
        for need in sorted(smoke.needs):
            reason = "the benches fill PostgreSQL through COPY" if need == "postgres" and self.databases is None \
                else _missing(need)
            if reason:
                return Skipped(f"bench/{script}: {reason}")
        env = {**os.environ, **(self.databases if "postgres" in smoke.needs else {}),
               **({"LTV_BENCH_BROKER_URL": BROKER} if "redis" in smoke.needs else {})}
        args = [sys.executable if a == PYTHON else a for a in smoke.args]
        return run(sys.executable, script, args, env, timeout=300)


@pytest.fixture(scope="module")
def bench_runs(bench_databases, request):
    selected = {item.callspec.params["script"] for item in request.session.items
                if getattr(item, "originalname", "") == "test_bench_script_runs_small"}
    runs = BenchRuns(bench_databases, selected)
    yield runs
    runs.pool.shutdown(wait=True, cancel_futures=True)  # before the databases are dropped


@pytest.mark.slow
@pytest.mark.bench_smoke
@pytest.mark.parametrize("script", sorted(SMOKE))
def test_bench_script_runs_small(script, bench_runs):
    result = bench_runs.results[script].result(timeout=900)
    if isinstance(result, Skipped):
        pytest.skip(result)
    smoke = SMOKE[script]
    check(result, smoke.keys, smoke.positive)
    assert smoke.agrees is None or smoke.agrees(result), f"bench/{script}: its self-check failed: {result}"
