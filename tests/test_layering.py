"""The layering in DESIGN.md, enforced: who may import Django and Saleor, and where Saleor is known."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command

from .imports import imported_roots

PACKAGE = Path(__file__).resolve().parents[1] / "saleor_ltv_plugin"
HOSTS = PACKAGE / "hosts"
# Saleor's code is imported by its in-process host alone (and the entry point's module re-exports it).
SALEOR_IMPORTERS = HOSTS / "saleor_plugin"
# The layers below the hosts: they see the hosts' seams, never a host.
GENERIC = ("ingest", "engine", "metrics", "automation", "queries", "models", "demo")
# The URL prefix is one setting (conf.url_prefix); its default and examples live in conf.py.
PREFIX_LITERAL = "/plugins/global/"


def modules(root: Path = PACKAGE):
    return sorted(p for p in root.rglob("*.py") if "migrations" not in p.parts)


def relative(path: Path) -> str:
    return str(path.relative_to(PACKAGE))


def test_only_the_saleor_plugin_host_imports_saleor():
    offenders = [relative(p) for p in modules()
                 if "saleor" in imported_roots(p) and SALEOR_IMPORTERS not in p.parents]
    assert offenders == []


def test_the_shared_saleor_rules_and_standalone_run_without_saleor():
    # An external App (and standalone) has no Saleor installed: nothing they load may need it.
    for folder in (HOSTS / "saleor", HOSTS / "standalone"):
        for path in modules(folder):
            assert "saleor" not in imported_roots(path), relative(path)
            assert "saleor_plugin" not in path.read_text(encoding="utf-8"), relative(path)


def test_the_layers_below_the_hosts_never_import_a_host():
    pattern = re.compile(r"^\s*(from|import)\s+[\w.]*hosts\b", re.M)
    offenders = [relative(p) for layer in GENERIC for p in modules(PACKAGE / layer)
                 if pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_saleor_mapping_and_sync_live_in_the_host():
    # The ORM mapping and backfill/reconcile are the plugin host's; ingest keeps generic adapters only.
    leftovers = [relative(p) for p in modules(PACKAGE / "ingest") if "saleor" in p.name]
    assert leftovers == []
    names = re.compile(r"\b(saleor_mapping|saleor_sync|register_applier)\b")
    offenders = [relative(p) for p in modules() if HOSTS not in p.parents and names.search(p.read_text("utf-8"))]
    assert offenders == []


def test_the_url_prefix_is_written_in_one_place():
    offenders = [relative(p) for p in modules() if HOSTS not in p.parents and p.name != "conf.py"
                 and PREFIX_LITERAL in re.sub(r'"""(.|\n)*?"""', "", p.read_text(encoding="utf-8"))]
    assert offenders == []
    bundle = PACKAGE.parent / "dashboard_extension" / "src"
    assert [str(p) for p in bundle.rglob("*.ts*") if PREFIX_LITERAL in p.read_text(encoding="utf-8")] == []


def test_demo_generator_is_pure():
    for path in (PACKAGE / "demo").glob("synthetic*.py"):
        assert not imported_roots(path) & {"django", "saleor"}, path


@pytest.mark.django_db
def test_models_and_migrations_agree():
    call_command("makemigrations", "saleor_ltv_plugin", "--check", "--dry-run", verbosity=0)
