"""Running a coroutine from a test whatever its process's main thread is doing.

The e2e tests' session-wide Playwright browser (its sync API) keeps an event loop running in the main thread for
the rest of an xdist worker's session, and `asyncio.run` refuses to start under a running loop: a test that ran
after a browser test in the same worker failed. A thread of its own has no loop running.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
