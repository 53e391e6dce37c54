"""The demo generator's tests need only numpy; the loader's need Django.

Where Django is not installed (a bare numpy + pytest environment), leave the
loader's tests out instead of failing the whole directory at collection.
"""

import importlib.util

collect_ignore = [] if importlib.util.find_spec("django") else ["test_loader.py"]
