"""openseal serve: the REST API (and, later, the web console) with uvicorn."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable

import structlog
import typer

from openseal.bootstrap import Wiring
from openseal.interfaces.cli.output import lang, translated_errors
from openseal.ops.backup import restore_not_checked, restore_pending
from openseal.ops.logs import configure_logging


def register(app: typer.Typer, wiring: Callable[[], Wiring]) -> None:
    @app.command()
    def serve(host: str = typer.Option("127.0.0.1", help="Address to listen on"),
              port: int = typer.Option(8000, help="Port"),
              workers: int = typer.Option(1, help="Worker processes")) -> None:
        """Run the server: REST API under /api/v1, OpenAPI at /openapi.json, docs at /docs."""
        import uvicorn

        configure_logging()  # JSON lines on stderr from here on, in every worker too
        with translated_errors(False):
            w = wiring()
            w.require_schema()
            if restore_pending(w.settings.home):
                raise restore_not_checked(w.settings.home)
        url = f"http://{host}:{port}"
        structlog.get_logger("openseal.serve").info(
            ("OpenSeal 服务地址：" if lang() == "zh" else "OpenSeal listening on ") + url,
            url=url, docs=f"{url}/docs", workers=workers)
        if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            # every worker writes its counters here; a scrape of any worker adds them up
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="openseal-metrics-")
        uvicorn.run("openseal.interfaces.api.app:create_served_app", factory=True, host=host,
                    port=port, workers=workers, log_config=None, log_level="info")
