"""engine/ is pure: it imports only the standard library, numpy, pandas, scipy and itself."""

import sys
from pathlib import Path

from ..imports import imported_roots

ENGINE = Path(__file__).resolve().parents[2] / "saleor_ltv_plugin" / "engine"
ALLOWED_THIRD_PARTY = {"numpy", "pandas", "scipy"}
FORBIDDEN = {"django", "saleor", "celery", "saleor_ltv_plugin"}


def test_engine_files_exist():
    assert len(list(ENGINE.glob("*.py"))) >= 8


def test_engine_imports_only_stdlib_numpy_pandas_scipy():
    allowed = set(sys.stdlib_module_names) | ALLOWED_THIRD_PARTY
    offenders = {
        str(path.relative_to(ENGINE)): sorted(imported_roots(path) - allowed)
        for path in ENGINE.rglob("*.py")
        if imported_roots(path) - allowed
    }
    assert offenders == {}


def test_engine_never_imports_django_saleor_or_the_app():
    # The app package itself is reached only by relative imports inside engine/,
    # so importing the engine can never pull in models, settings or Saleor.
    for path in ENGINE.rglob("*.py"):
        assert not imported_roots(path) & FORBIDDEN, path


def test_importing_the_engine_loads_no_django():
    import subprocess

    code = (
        "import sys, saleor_ltv_plugin.engine as e, pkgutil, importlib\n"
        "for m in pkgutil.iter_modules(e.__path__): importlib.import_module(e.__name__ + '.' + m.name)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('django', 'saleor', 'celery')]\n"
        "assert not bad, bad\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
