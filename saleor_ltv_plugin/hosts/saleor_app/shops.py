"""The shop a task or request is working for, as an installation: its Saleor and its API client."""

from __future__ import annotations

from ... import tenancy
from .client import SaleorClient
from .models import Installation


class NotInstalled(RuntimeError):
    pass


def current_installation() -> Installation:
    schema = tenancy.current()
    if schema is None:
        raise NotInstalled("no shop entered (tenancy.enter)")
    with tenancy.leave():  # the installations live in the shared schema
        installation = Installation.objects.filter(schema=schema).first()
    if installation is None or installation.removed_at is not None or not installation.token_sealed:
        raise NotInstalled(f"{schema}: the app is not installed (or was removed) there")
    return installation


def current_client() -> SaleorClient:
    installation = current_installation()
    return SaleorClient(installation.saleor_api_url, installation.token)
