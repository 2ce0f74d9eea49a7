"""The text a scrape of ``/metrics`` gets."""

from __future__ import annotations

import weakref

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest

from openseal.bootstrap import Wiring
from openseal.ops.metrics.instruments import scrape_registry
from openseal.ops.metrics.state import InstanceState

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_states: weakref.WeakKeyDictionary[Wiring, InstanceState] = weakref.WeakKeyDictionary()


def metrics_text(wiring: Wiring) -> bytes:
    """This process's (or, in multiprocess mode, every worker's) instruments, then the
    instance's state read from the database."""
    state = _states.setdefault(wiring, InstanceState(wiring))
    scraped = scrape_registry()
    instruments = generate_latest(scraped if scraped is not None else REGISTRY)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(state)
    return instruments + generate_latest(registry)
