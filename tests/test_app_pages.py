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
