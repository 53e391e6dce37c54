"""The cyclic garbage collector paused while a bulk file is read and stored.

A file makes millions of small acyclic objects (cells, row dicts, Decimals, facts) that live until
the import ends; the collector walks them again every few hundred allocations, and the oldest
generation whole every so often: ~30 % of a 100 k-row import (bench/import.py). Reference
counting still frees everything; cycles made meanwhile wait for the next collection after it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
