"""Prometheus metrics (``/metrics``): counters moved by committed audit entries and by the
RFC endpoints, the sealing latency histogram, and gauges read from the database at scrape
time (docs/operations.md, "Monitoring")."""

from openseal.ops.metrics.exposition import metrics_text
from openseal.ops.metrics.observer import count_events

__all__ = ["count_events", "metrics_text"]
