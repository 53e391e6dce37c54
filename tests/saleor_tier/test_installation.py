"""The package installs into Saleor without changing it, and Saleor finds the plugin."""

import importlib.metadata
import json
import subprocess
import sys
from pathlib import Path

from . import saleor_env

REPO = Path(__file__).resolve().parents[2]


def test_entry_point_is_discovered_and_the_app_installed():
    names = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="saleor.plugins")}
    assert names.get("saleor_ltv_plugin") == "saleor_ltv_plugin.plugin:LTVPlugin"
    out = saleor_env.django_admin(
        "shell", "-c",
        "from django.conf import settings; import json; print(json.dumps({'apps': settings.INSTALLED_APPS, "
        "'plugins': settings.PLUGINS, 'beat': sorted(settings.CELERY_BEAT_SCHEDULE)}))",
    )
    config = json.loads(out.strip().splitlines()[-1])
    assert "saleor_ltv_plugin" in config["apps"]
    assert "saleor_ltv_plugin.plugin.LTVPlugin" in config["plugins"]
    assert "ltv-process-inbound-events" in config["beat"]


def test_installing_changes_none_of_saleors_pinned_packages(tmp_path):
    report = tmp_path / "report.json"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--quiet",
         "--report", str(report), str(REPO)],
        check=True, capture_output=True, text=True,
    )
    wanted = {item["metadata"]["name"].lower().replace("_", "-"): item["metadata"]["version"]
              for item in json.loads(report.read_text())["install"]}
    installed = {d.metadata["Name"].lower().replace("_", "-"): d.version for d in importlib.metadata.distributions()}
    changed = {name: (installed[name], version) for name, version in wanted.items()
               if name in installed and installed[name] != version and name != "saleor-ltv-plugin"}
    assert changed == {}, f"installing the plugin would change Saleor's pins: {changed}"
    check = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout


def test_migrations_apply_inside_saleor(saleor_db, db):
    tables = {row[0] for row in db.execute(
        "SELECT tablename FROM pg_tables WHERE tablename LIKE 'saleor_ltv_plugin_%'")}
    assert {"saleor_ltv_plugin_orderfact", "saleor_ltv_plugin_inboundevent",
            "saleor_ltv_plugin_checkoutfact", "saleor_ltv_plugin_contact"} <= tables
    applied = db.execute("SELECT count(*) FROM django_migrations WHERE app = 'saleor_ltv_plugin'").fetchone()[0]
    assert applied >= 1


def test_health_answers_through_saleors_plugin_route(saleor_url):
    import requests

    response = requests.get(saleor_url + "/plugins/global/saleor.ltv/health", timeout=10)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["database"] == "ok" and "orders" in body["facts"]
