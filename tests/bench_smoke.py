"""Run a bench/ script small and check what it prints: its figures, then one JSON object.

Shared by the main tier (tests/test_bench_smoke.py) and the Saleor tier, which runs the bench
that needs a real Saleor; no Django here, so both interpreters can import it.
"""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"


def scripts() -> list[str]:
    """Every bench script: bench/*.py but the helpers (_*.py)."""
    return sorted(p.name for p in BENCH.glob("*.py") if not p.name.startswith("_"))


def run(python: str, script: str, args: list[str], env: dict[str, str], timeout: int) -> dict:
    """The script's last line, parsed; fails with the script's own output when it does not get there."""
    done = subprocess.run([python, str(BENCH / script), *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)
    story = f"stdout:\n{done.stdout[-2000:]}\nstderr:\n{done.stderr[-4000:]}"
    assert done.returncode == 0, f"bench/{script} {' '.join(args)} exited {done.returncode}\n{story}"
    lines = done.stdout.strip().splitlines()
    assert lines, f"bench/{script} printed nothing\n{story}"
    try:
        result = json.loads(lines[-1])
    except json.JSONDecodeError as error:
        raise AssertionError(f"bench/{script}: the last line is not JSON ({error}): {lines[-1][:300]}") from None
    assert isinstance(result, dict), f"bench/{script}: the last line is JSON but not an object: {lines[-1][:300]}"
    return result


def value(result: dict, path: str):
    """`a.b.c` in the result, or a failure naming what is there instead."""
    node = result
    for part in path.split("."):
        assert isinstance(node, dict) and part in node, (
            f"no {path!r} in the result (at {part!r}: {sorted(node) if isinstance(node, dict) else node!r})")
        node = node[part]
    return node


def check(result: dict, keys: tuple[str, ...], positive: tuple[str, ...]) -> None:
    """Every documented key is there; every ratio, rate or fitted parameter named in `positive`
    (or each value of a dict of them) is a finite number > 0."""
    for path in keys:
        value(result, path)
    for path in positive:
        found = value(result, path)
        for each in found.values() if isinstance(found, dict) else [found]:
            assert isinstance(each, (int, float)) and not isinstance(each, bool), f"{path} = {each!r}: not a number"
            assert math.isfinite(each) and each > 0, f"{path} = {each!r}: not finite and > 0"
