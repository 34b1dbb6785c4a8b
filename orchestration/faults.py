"""Fault injection for the crash-recovery tests (tests/test_faults.py): nothing happens unless
$BUDGET_RECON_KILL_AT names the point a run reaches; then the process kills itself with SIGKILL,
exactly as `kill -9` would (no cleanup, no finally blocks, locks released only by the kernel)."""

from __future__ import annotations

import os
import signal

ENV = "BUDGET_RECON_KILL_AT"


def checkpoint(name: str) -> None:
    if os.environ.get(ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def wanted(name: str) -> bool:
    return os.environ.get(ENV) == name
