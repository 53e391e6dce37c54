"""The demo's printed scenario report says in words what its small holdout cannot tell (issue 16)."""

from __future__ import annotations

import re
import subprocess

from tests.standalone_server import CLI

from .test_demo_serve import _env


def test_the_printed_report_never_shows_a_bare_incremental_figure(tmp_path):
    result = subprocess.run([*CLI, "ltv_demo", "--no-serve", "--companies", "80", "--automation-days", "7"],
                            env=_env(tmp_path / "d"), cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    lines = [line.strip() for line in result.stdout.splitlines() if line.strip().startswith("incremental:")]
    assert lines, result.stdout[-2000:]
    for line in lines:
        told = re.fullmatch(r"incremental: [+-][\d,]+ \(95%: [+-][\d,]+ … [+-][\d,]+\) — .+", line)
        words = line.startswith(("incremental: too small to tell", "incremental: no holdout group"))
        assert told or words, line
    # The demo's holdout (10 % of a few dozen enrollments) is too small: the total says so.
    assert "too small to tell" in lines[-1]
    # What a newcomer reads: the demo's progress and report, not the flow scheduler's log lines.
    assert "ltv flow entry" not in result.stdout + result.stderr
