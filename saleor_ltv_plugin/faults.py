"""Fault injection for tests: make every Saleor hook fail inside its guard.

Enabled by the environment variable LTV_FAULT_INJECTION=hooks (or the Django
setting of the same name); proves that a broken plugin never breaks Saleor and
that reconcile later recovers what the hooks missed.
"""

import os

from django.conf import settings


class InjectedFault(RuntimeError):
    pass


def hooks_fail() -> bool:
    value = os.environ.get("LTV_FAULT_INJECTION") or getattr(settings, "LTV_FAULT_INJECTION", "")
    return "hooks" in str(value).split(",")


def check_hooks() -> None:
    if hooks_fail():
        raise InjectedFault("LTV_FAULT_INJECTION=hooks")
