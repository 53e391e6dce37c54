"""The layering in DESIGN.md, enforced: who may import Django and Saleor."""

from pathlib import Path

import pytest
from django.core.management import call_command

from .imports import imported_roots

PACKAGE = Path(__file__).resolve().parents[1] / "saleor_ltv_plugin"
SALEOR_ALLOWED = {"plugin.py", "ingest/saleor_mapping.py", "ingest/saleor_sync.py",
                  "management/commands/ltv_reconcile.py",
                  "management/commands/ltv_backfill.py"}


def modules():
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def test_only_the_adapter_imports_saleor():
    offenders = [
        str(p.relative_to(PACKAGE)) for p in modules()
        if "saleor" in imported_roots(p) and str(p.relative_to(PACKAGE)) not in SALEOR_ALLOWED
    ]
    assert offenders == []


def test_demo_generator_is_pure():
    for path in (PACKAGE / "demo").glob("synthetic*.py"):
        assert not imported_roots(path) & {"django", "saleor"}, path


@pytest.mark.django_db
def test_models_and_migrations_agree():
    call_command("makemigrations", "saleor_ltv_plugin", "--check", "--dry-run", verbosity=0)
