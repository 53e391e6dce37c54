"""One BLAS thread while a model is fitted.

A fit makes many tiny BLAS calls: scipy's L-BFGS-B on 4-element vectors a few times a
step, and the likelihood's weighted sums (``w @ values``, 10⁴–10⁶ rows). With OpenBLAS's
default of one thread per core each call wakes a thread pool, and on a busy 2-core
server that cost more than the work: a 10-step L-BFGS-B fit of 4 parameters took
50–150 ms in those calls (1–2 ms with one thread), one 12 000-element ``w @ v`` 3–20 ms
(4 µs). :func:`single_blas_thread` sets numpy's and scipy's OpenBLAS (two copies) to
one thread for the ``with`` block and puts the previous counts back when the last
such block ends (the counts are process-wide: overlapping blocks in several threads
share one change). Without a scipy-openblas build (MKL, Accelerate, another OpenBLAS
build) it does nothing.
"""

from __future__ import annotations

import ctypes
import threading
from contextlib import contextmanager

_LOCK = threading.Lock()
_state = {"depth": 0, "previous": []}
_found: list = []  # [[(get, set), …]], looked up on first use
_SYMBOLS = (("scipy_openblas_get_num_threads", "scipy_openblas_set_num_threads"),  # scipy's
            ("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"))  # numpy's


def _controls():
    if not _found:
        _found.append(_find())
    return _found[0]


def _find():
    import scipy.optimize  # noqa: F401  (loads scipy's OpenBLAS, if it has one)

    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "libscipy_openblas" in line}
    except OSError:
        return []
    controls = []
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for get, set_ in _SYMBOLS:
            if hasattr(lib, get) and hasattr(lib, set_):
                controls.append((getattr(lib, get), getattr(lib, set_)))
                break
    return controls


@contextmanager
def single_blas_thread():
    controls = _controls()
    with _LOCK:
        if _state["depth"] == 0:
            _state["previous"] = [get() for get, _ in controls]
            for _, set_ in controls:
                set_(1)
        _state["depth"] += 1
    try:
        yield
    finally:
        with _LOCK:
            _state["depth"] -= 1
            if _state["depth"] == 0:
                for (_, set_), count in zip(controls, _state["previous"]):
                    set_(count)
