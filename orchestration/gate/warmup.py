"""Import Great Expectations in the background while dbt builds the models the gate reads.

Importing GE takes ~4 s of CPU (scipy, pandas extensions, its data-context machinery); the dbt step
spends most of its time waiting for the dbt process, so the import costs the run almost nothing
there instead of ~4 s at the start of the gate step.
"""

from __future__ import annotations

import importlib
import os
import threading

_started: threading.Thread | None = None
_lock = threading.Lock()


def _import() -> None:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    try:
        importlib.import_module("great_expectations")
    except Exception:  # the gate step imports it again and reports the error where it matters
        pass


def import_great_expectations_in_background() -> threading.Thread:
    """Start the import once per process; the gate's own `import` waits for it if it is still running."""
    global _started
    with _lock:
        if _started is None:
            _started = threading.Thread(target=_import, name="great-expectations-import", daemon=True)
            _started.start()
        return _started
