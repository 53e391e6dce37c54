"""Helpers every test tier shares: one copy of each (issue 14 #3).

- `net`: a free loopback port, polling a condition or a URL until it holds.
- `processes`: the standalone server and Celery worker/beat as real subprocesses.
- `scored_shop`: the scored demo shop built once per test run and restored per module.

`net` needs only the standard library: the Saleor tier imports it from Saleor's venv.
"""
