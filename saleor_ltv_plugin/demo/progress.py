"""What the demo is doing while it already serves: loading, scoring, playing scenarios, ready.

The demo loads its shop in the same process that serves it, so a module-level record is enough;
/health reports it and the Dashboard harness shows it as a banner until the shop is ready.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

STEPS = ("generating", "loading", "scoring", "scenarios", "ready", "failed")


@dataclass
class DemoProgress:
    step: str = "generating"
    done: int = 0  # units of the current step (orders, days)
    total: int = 0
    unit: str = ""
    error: str = ""
    started: float = field(default_factory=time.monotonic)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def begin(self, step: str, total: int = 0, unit: str = "") -> None:
        assert step in STEPS, step
        with self._lock:
            self.step, self.done, self.total, self.unit = step, 0, total, unit

    def advance(self, count: int) -> None:
        with self._lock:
            self.done += count

    def fail(self, error: str) -> None:
        with self._lock:
            self.step, self.error = "failed", error

    def as_dict(self) -> dict:
        with self._lock:
            body = {"step": self.step, "done": self.done, "total": self.total, "unit": self.unit,
                    "error": self.error}
        body["ready"] = body["step"] == "ready"
        body["seconds"] = round(time.monotonic() - self.started, 1)
        return body


current: DemoProgress | None = None  # set by ltv_demo; None outside the demo


def start() -> DemoProgress:
    global current
    current = DemoProgress()
    return current
