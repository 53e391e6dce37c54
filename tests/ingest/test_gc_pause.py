"""An import pauses the cyclic collector (ingest/gc_pause.py) and leaves it as it found it, also when
the file is refused or the store raises."""

import gc

import pytest
from saleor_ltv_plugin.api import file_import
from saleor_ltv_plugin.ingest.formats import FileProblem
from saleor_ltv_plugin.ingest.gc_pause import collector_paused


def test_paused_inside_restored_after_even_on_error():
    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        with collector_paused():
            assert not gc.isenabled()
            raise RuntimeError
    assert gc.isenabled()
    gc.disable()  # a caller that had paused it already keeps it paused
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_refused_file_leaves_the_collector_on():
    with pytest.raises(FileProblem):
        file_import.import_file(b"\xff\xfe\x00garbage", file_import.Context(channel="default-channel"))
    assert gc.isenabled()
