"""Real Celery workers (subprocesses) on the real Redis, for the automation reliability tests.
The helpers live in tests/support; these names stay for the tests that import them here."""

from ..support.net import wait_for  # noqa: F401
from ..support.processes import BROKER, REPO, Worker, enqueue, start_beat, stop_all, worker_env  # noqa: F401
