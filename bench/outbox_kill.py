"""The outbox kill test, N times in a row: two real Celery workers, one SIGKILLed mid-run.

    python bench/outbox_kill.py [--runs 20] [--reminders 10000]
    (PostgreSQL and Redis as for the tests: LTV_TEST_DATABASE_URL, LTV_TEST_BROKER_URL)

Each run is tests/automation/test_reliability.py's kill test in its own pytest process; it writes
its figures to a file before asserting. Lost: an outbox row whose buyer got no mail. Duplicates:
copies at the SMTP sink beyond one per Message-ID; the stated rule allows them only for rows the
sweeper resent from `committing` (same Message-ID), and `duplicates_outside_rule` counts the rest.
Last line: JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TEST = "tests/automation/test_reliability.py::test_thousands_of_reminders_two_workers_one_killed_mid_run_none_lost"


def one_run(reminders: int, report: Path) -> tuple[dict | None, int]:
    env = {**os.environ, "LTV_KILL_TEST_REMINDERS": str(reminders), "LTV_KILL_TEST_REPORT": str(report)}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", TEST], cwd=REPO, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if done.returncode:
        print(done.stdout[-3000:], file=sys.stderr)
    return (json.loads(report.read_text()) if report.exists() else None), done.returncode


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--reminders", type=int, default=10_000)
    args = parser.parse_args()
    runs, started = [], time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        for number in range(1, args.runs + 1):
            figures, code = one_run(args.reminders, Path(tmp) / f"run{number}.json")
            runs.append({"run": number, "exit": code, **(figures or {"missing": True})})
            print(json.dumps(runs[-1]), flush=True)
    totals = {name: sum(r.get(name, 0) for r in runs) for name in ("lost", "duplicates", "duplicates_outside_rule")}
    print(json.dumps({"runs": len(runs), "reminders_per_run": args.reminders, **totals,
                      "failed_runs": sum(1 for r in runs if r["exit"] or r.get("missing")),
                      "messages": sum(r.get("messages", 0) for r in runs), "rows": sum(r.get("rows", 0) for r in runs),
                      "seconds": round(time.monotonic() - started, 1)}))


if __name__ == "__main__":
    main()
