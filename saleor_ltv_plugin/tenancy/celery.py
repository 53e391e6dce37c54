"""A task runs for the tenant that sent it: the sender's schema travels in a message header."""

from __future__ import annotations

from celery import signals

from . import _current, check_schema, current

HEADER = "ltv_tenant"
_tokens: dict[str, object] = {}


def _publish(headers=None, **_kwargs):
    schema = current()
    if schema and headers is not None and HEADER not in headers:
        headers[HEADER] = schema


def _prerun(task_id=None, task=None, **_kwargs):
    if task is None:
        return
    schema = getattr(task.request, HEADER, None) or (task.request.headers or {}).get(HEADER)
    if schema:
        _tokens[task_id] = _current.set((check_schema(schema), False))


def _postrun(task_id=None, **_kwargs):
    token = _tokens.pop(task_id, None)
    if token is not None:
        _current.reset(token)


def connect() -> None:
    signals.before_task_publish.connect(_publish, weak=False, dispatch_uid="ltv-tenant-publish")
    signals.task_prerun.connect(_prerun, weak=False, dispatch_uid="ltv-tenant-enter")
    signals.task_postrun.connect(_postrun, weak=False, dispatch_uid="ltv-tenant-leave")
