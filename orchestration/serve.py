"""`budget-recon serve`: the discrepancy reports and the Great Expectations Data Docs over HTTP on
loopback, so the links in the Dagster UI open (browsers refuse `file://` links from an http page).

    /                   index: every report with its latest discrepancy report
    /discrepancies/…    $BUDGET_RECON_HOME/discrepancies/<report>/<run>.html (and latest.html)
    /data-docs/…        the Data Docs site built by the gate (styled offline: orchestration/gate/data_docs.py)

Nothing else under the home (the warehouse, the Dagster instance) is served. The links the gate
writes into Dagster metadata start with $BUDGET_RECON_REPORTS_URL (default http://127.0.0.1:8765);
`make ui` starts this server on that port beside `dagster dev`.
"""

from __future__ import annotations

import html
import http.server
import os
import posixpath
import urllib.parse
from functools import partial
from pathlib import Path

from .settings import paths

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
DISCREPANCIES, DATA_DOCS = "discrepancies", "data-docs"


def base_url() -> str:
    return os.environ.get("BUDGET_RECON_REPORTS_URL") or f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"


def data_docs_site() -> Path:
    """Where GE's file context (GateValidator, context dir `<home>/gx`) builds its local site."""
    return paths().home / "gx" / "gx" / "uncommitted" / "data_docs" / "local_site"


def roots() -> dict[str, Path]:
    return {DISCREPANCIES: paths().discrepancy_reports, DATA_DOCS: data_docs_site()}


def url_for(path: Path, fragment: str | None = None) -> str | None:
    """The served address of a file under one of the served folders (None if it is not under one)."""
    path = Path(path).resolve()
    for prefix, root in roots().items():
        try:
            relative = path.relative_to(root.resolve())
        except ValueError:
            continue
        url = f"{base_url().rstrip('/')}/{prefix}/{urllib.parse.quote(relative.as_posix())}"
        return url + (f"#{urllib.parse.quote(fragment)}" if fragment else "")
    return None


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Static files from the served folders only; `/` lists the reports."""

    def translate_path(self, path: str) -> str:
        path = urllib.parse.unquote(urllib.parse.urlsplit(path).path)
        parts = [p for p in posixpath.normpath(path).split("/") if p and p not in (".", "..")]
        root = roots().get(parts[0]) if parts else None
        if root is None:
            return str(paths().home / "__not_served__")
        return str(root.joinpath(*parts[1:]))

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        if urllib.parse.urlsplit(self.path).path in ("", "/"):
            body = _index().encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the http.server API
        pass  # quiet: the UI opens many pages


def _index() -> str:
    reports = sorted(p.parent.name for p in paths().discrepancy_reports.glob("*/latest.html"))
    items = "".join(
        f"<li><a href='/{DISCREPANCIES}/{urllib.parse.quote(r)}/latest.html'>{html.escape(r)}</a></li>" for r in reports
    )
    docs = "<p><a href='/data-docs/index.html'>Great Expectations Data Docs</a></p>" if (data_docs_site() / "index.html").exists() else ""
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>budget-recon reports</title></head><body>"
        f"<h1>budget-recon</h1><h2>Discrepancy reports</h2><ul>{items or '<li>none yet: run budget-recon run</li>'}</ul>{docs}"
        "</body></html>"
    )


def make_server(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> http.server.ThreadingHTTPServer:
    handler = partial(_Handler, directory=str(paths().home))
    return http.server.ThreadingHTTPServer((host, port), handler)


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    server = make_server(host, port)
    print(f"serving discrepancy reports and Data Docs of {paths().home} at http://{host}:{server.server_address[1]}/ (Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
