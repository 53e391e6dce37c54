import pytest

from saleor_ltv_plugin import auth

from .support.facts import make_checkout, make_order  # noqa: F401 — the tests import them from here

# The Saleor tier runs in Saleor's own interpreter (bin/test-saleor-tier), not here.
collect_ignore = ["saleor_tier"]


def pytest_collection_finish(session):
    """Start the Dashboard tests' demo build now, in the background, when they are selected."""
    if any("demo_server" in getattr(item, "fixturenames", ()) for item in session.items):
        from .dashboard.conftest import DEMO_BUILD

        DEMO_BUILD.start()


def pytest_sessionfinish(session):
    import sys

    dashboard = sys.modules.get("tests.dashboard.conftest")
    if dashboard is not None:
        dashboard.DEMO_BUILD.stop()  # an interrupted run leaves no build behind


@pytest.fixture
def order_factory():
    return make_order


# --- a scored demo shop shared by a module's tests, and credentials -------------------
# Built once per test run, restored for each module (tests/support/scored_shop.py says how).
from .support.scored_shop import NOW, SCORED_SHOP, truncate_plugin_tables  # noqa: E402, F401


@pytest.fixture(scope="module")
def scored_shop(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        yield SCORED_SHOP.install()
        truncate_plugin_tables()


@pytest.fixture
def key_for(db):
    def make(*scopes):
        raw, _ = auth.new_api_key("test", scopes or [auth.Scope.READ.value])
        return raw

    return make


@pytest.fixture
def as_customer():
    """Resolve `customer:<user id>` tokens to a customer, as plugin.py does with Saleor's JWTs
    (the Saleor tier tests the real tokens; here only our side of the seam)."""

    def resolver(request, token):
        if token.startswith("customer:"):
            return auth.Principal(kind="customer", user_id=token.split(":", 1)[1])
        return None

    previous = auth._host_resolver
    auth.set_token_resolver(resolver)
    yield lambda user_id: f"customer:{user_id}"
    auth.set_token_resolver(previous)


@pytest.fixture
def stored_host(db):
    """A host that reads the settings stored in the database, as the external App's does (the
    standalone host's other seams)."""
    import dataclasses

    from saleor_ltv_plugin import hosts, shop_settings

    previous = hosts.current()
    hosts.install(dataclasses.replace(previous, name="saleor_app", settings_provider=shop_settings.stored_settings))
    shop_settings.forget_cached()
    yield
    hosts.install(previous)
