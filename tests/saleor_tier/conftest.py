"""Saleor tier: a real Saleor 3.23 (its venv runs this), a real server, real checkouts.

bin/test-saleor-tier installs this checkout into that venv and runs here; where no
Saleor is installed it prints one SKIPPED line instead.
"""

import base64
import uuid

import pytest

from . import saleor_env, storefront


@pytest.fixture(scope="session")
def saleor_db():
    saleor_env.prepare_database()
    return saleor_env.DB_NAME


@pytest.fixture(scope="session")
def saleor_url(saleor_db):
    with saleor_env.running_server("saleor") as url:
        yield url


@pytest.fixture(scope="session")
def staff(saleor_url):
    token = storefront.staff_token(saleor_url)
    # The tier's database outlives runs: an interrupted bench or test may have left the plugin off.
    storefront.gql(saleor_url, 'mutation{pluginUpdate(id:"saleor.ltv", input:{active:true}){errors{message}}}',
                   token=token)
    return token


@pytest.fixture(scope="session")
def variants(saleor_url, staff):
    return storefront.purchasable_variants(saleor_url)


@pytest.fixture
def db():
    with saleor_env.connect() as conn:
        yield conn


@pytest.fixture
def unique():
    """A run-unique suffix: the tier's database is kept between runs."""
    return uuid.uuid4().hex[:10]


def order_uuid(global_id: str) -> str:
    return base64.b64decode(global_id).decode().split(":", 1)[1]


def apply_events() -> str:
    """What the Celery beat task does every 10 s, run now."""
    return saleor_env.django_admin("ltv_process_events")
