"""The built Dashboard extension is served with the right types and cache headers."""

import pytest
from django.test import Client

from saleor_ltv_plugin import app_pages

BASE = "/plugins/global/saleor.ltv/app/"


@pytest.fixture
def build(tmp_path, monkeypatch):
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text('<!doctype html><script src="assets/index-abc123.js"></script>')
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log(1)")
    (tmp_path / "assets" / "index-abc123.css").write_text("body{}")
    (tmp_path.parent / "secret.txt").write_text("no")
    monkeypatch.setattr(app_pages, "BUILD", tmp_path)
    return tmp_path


@pytest.mark.parametrize("page", ["", "overview", "accounts", "widgets/customer"])
def test_every_page_path_gets_the_index_revalidated(build, page):
    response = Client().get(BASE + page)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8" and response["Cache-Control"] == "no-cache"
    assert b"assets/index-abc123.js" in response.content


@pytest.mark.parametrize("name, content_type", [("index-abc123.js", "text/javascript; charset=utf-8"),
                                                ("index-abc123.css", "text/css; charset=utf-8")])
def test_hashed_assets_are_cached_for_a_year(build, name, content_type):
    response = Client().get(BASE + "assets/" + name)
    assert response.status_code == 200 and response["Content-Type"] == content_type
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"


@pytest.mark.parametrize("path", ["assets/missing.js", "assets/../../secret.txt", "assets/%2e%2e/%2e%2e/secret.txt"])
def test_missing_or_escaping_asset_paths_are_404(build, path):
    assert Client().get(BASE + path).status_code == 404


def test_manifest_and_register_are_not_shadowed(build):
    assert Client().get(BASE + "manifest").json()["id"] == "saleor.ltv"


def test_an_unbuilt_extension_says_how_to_build_it(tmp_path, monkeypatch):
    monkeypatch.setattr(app_pages, "BUILD", tmp_path / "nothing")
    response = Client().get(BASE + "overview")
    assert response.status_code == 404 and "npm ci && npm run build" in response.json()["error"]["message"]


def test_the_dashboards_labels_are_the_engines():
    """dashboard_extension/src/labels.json mirrors the engine's Japanese names (the seeds' words)."""
    import json
    from pathlib import Path

    from saleor_ltv_plugin.engine.cpm import CELL_LABELS_JA, CELLS
    from saleor_ltv_plugin.engine.lifecycle import STAGE_LABELS_JA, STAGES
    from saleor_ltv_plugin.engine.rfm import SEGMENT_LABELS_JA, SEGMENTS

    labels = json.loads((Path(__file__).resolve().parents[1] / "dashboard_extension/src/labels.json").read_text())
    for kind, order, ja in (("stage", STAGES, STAGE_LABELS_JA), ("cpm", CELLS, CELL_LABELS_JA),
                            ("rfm", SEGMENTS, SEGMENT_LABELS_JA)):
        assert labels[kind]["order"] == list(order) and labels[kind]["ja"] == ja, kind
        assert set(labels[kind]["en"]) == set(order), kind



def test_the_flow_editors_labels_cover_the_vocabulary():
    """Every word of automation/flows/definition.py's vocabulary the editor shows has a ja and an en label
    in labels.json's `flow` family (a term added to the vocabulary without labels fails here)."""
    import json
    import re
    from pathlib import Path

    from saleor_ltv_plugin.automation.flows import definition as d

    labels = json.loads((Path(__file__).resolve().parents[1] / "dashboard_extension/src/labels.json").read_text())["flow"]
    families = {"trigger": d.TRIGGERS, "event": d.EVENTS, "metric": d.METRIC_TRIGGERS, "insight": d.INSIGHT_TRIGGERS,
                "step": d.STEPS, "condition": d.CONDITIONS, "update": d.UPDATES}
    wanted = {f"{family}.{name}" for family, names in families.items() for name in names}
    wanted |= {f"exit.{name}" for name in d.EXITS} | {f"date.{name}" for name in d.DATE_FIELDS}
    specs = [spec for table in (d.TRIGGERS, d.EVENTS, d.METRIC_TRIGGERS, d.INSIGHT_TRIGGERS, d.STEPS, d.CONDITIONS,
                                d.UPDATES) for fields in table.values() for spec in fields.items()]
    wanted |= {f"field.{name}" for name, _ in specs}
    # A choice is worded by its own family (event, metric …) or as a shared value; operators read as they are.
    own = {"event": "event", "insight": "insight", "action": "update"}
    for name, spec in specs:
        for choice in spec.choices:
            if re.fullmatch(r"[<>=!]+", choice):
                continue
            family = own.get(name)
            key = f"{family}.{choice}" if family else f"value.{choice}"
            if name == "metric" and f"metric.{choice}" in labels["en"]:
                key = f"metric.{choice}"
            wanted.add(key)
    # an A/B step's auto-winner fields (its `metric` is labelled winner_metric: the trigger's metric is another)
    wanted |= {f"field.{'winner_metric' if name == 'metric' else name}" for name in d.AUTO_WINNER}
    wanted |= {f"value.{choice}" for spec in d.AUTO_WINNER.values() for choice in spec.choices}
    for lang in ("ja", "en"):
        assert not sorted(wanted - set(labels[lang])), (lang, sorted(wanted - set(labels[lang])))
    assert set(labels["ja"]) == set(labels["en"])
    for key, text in labels["ja"].items():
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", text) or text.isupper() or text in ("CLV",), (key, text)


def test_the_committed_build_is_the_sources_build():
    """bin/browser rebuilds before the tests: a diff here means sources changed without a rebuild."""
    import shutil
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    if not (root / ".git").exists() or not shutil.which("git"):
        pytest.skip("not a git checkout")
    if not (app_pages.BUILD / "index.html").exists():
        pytest.fail("no Dashboard build in the package: run `npm ci && npm run build` in dashboard_extension/")
    status = subprocess.run(["git", "status", "--porcelain", "--", str(app_pages.BUILD)], cwd=root,
                            capture_output=True, text=True, check=True).stdout
    assert status == "", "the built Dashboard differs from the committed one: run `npm run build` " \
                         "in dashboard_extension/ and commit saleor_ltv_plugin/static/\n" + status
