"""Database access helpers shared by tasks and commands.

Inside Saleor every write outside `allow_writer()` is flagged (and fails under
its test settings); the Saleor plugin host installs Saleor's context manager
here (hosts.install) so the rest of the package never imports Saleor.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextlib import AbstractContextManager

_writer: Callable[[], AbstractContextManager] = contextlib.nullcontext


def set_writer_context(factory: Callable[[], AbstractContextManager]) -> None:
    global _writer
    _writer = factory


def writer() -> AbstractContextManager:
    """Context in which this package writes to the primary database."""
    return _writer()
