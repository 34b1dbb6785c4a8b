"""Great Expectations Data Docs that render offline.

GE 1.24's page templates load Bootstrap, jQuery, bootstrap-table and Font Awesome from CDNs; without
network (air-gapped agencies, this project's CI) the pages render unstyled and the validation list,
drawn by bootstrap-table, stays empty. After each build the gate copies the vendored files of
`data_docs_static/` (versions and licenses in its LICENSES.txt) into the site and points the pages
at them. CDN files that are not vendored (the optional dark theme, Vega for profiling charts this
gate's expectations never draw) are dropped rather than left to time out.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

STATIC = Path(__file__).with_name("data_docs_static")
VENDOR_DIR = "static/vendor"

# CDN address (without scheme) -> vendored file, or None to drop the tag that loads it.
CDN_FILES: dict[str, str | None] = {
    "maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "css/bootstrap.min.css",
    "stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "js/bootstrap.min.js",
    "code.jquery.com/jquery-3.7.1.min.js": "js/jquery.min.js",
    "cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "js/popper.min.js",
    "unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "css/bootstrap-table.min.css",
    "unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "js/bootstrap-table.min.js",
    "unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js": "js/bootstrap-table-filter-control.min.js",
    "unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css": "css/bootstrap-table-filter-control.min.css",
    "unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css": "css/bootstrap-table-filter-control.min.css",
    "cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": "css/bootstrap-datepicker.min.css",
    "cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": "js/bootstrap-datepicker.min.js",
    "cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "css/fontawesome-all.min.css",
    "cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": None,
    "cdn.jsdelivr.net/npm/vega@5": None,
    "cdn.jsdelivr.net/npm/vega-lite@5": None,
    "cdn.jsdelivr.net/npm/vega-embed@6": None,
}
_CDN = "|".join(re.escape(k) for k in sorted(CDN_FILES, key=len, reverse=True))
_TAG = re.compile(
    rf"""<(?:link|script)\b[^>]*?(?:href|src)=["'](?:https?:)?//(?P<url>{_CDN})["'][^>]*>(?:\s*</script>)?""",
    re.IGNORECASE,
)
_URL = re.compile(rf"""(?P<quote>["'])(?:https?:)?//(?P<url>{_CDN})(?P=quote)""")


def vendor_assets(site: Path) -> Path:
    """Copy the vendored files into the site (once per content change); returns their folder."""
    target = site / VENDOR_DIR
    for source in STATIC.rglob("*"):
        if source.is_file():
            destination = target / source.relative_to(STATIC)
            if not destination.exists() or destination.stat().st_size != source.stat().st_size:
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, destination)
    return target


def offline_page(text: str, depth: int) -> str:
    """The page with CDN links pointing at the vendored copies (relative to a page `depth` folders deep)."""
    prefix = "../" * depth + VENDOR_DIR + "/"

    def tag(match: re.Match) -> str:
        local = CDN_FILES[match.group("url")]
        return "" if local is None else _URL.sub(lambda m: f"{m.group('quote')}{prefix}{local}{m.group('quote')}", match.group(0))

    text = _LOGO.sub(lambda m: f'src="{"../" * depth}static/images/{m.group("file")}"', _TAG.sub(tag, text))
    return text


# GE's logo comes from its web-assets bucket; the same file ships in the site's static/images.
_LOGO = re.compile(r'src="https://great-expectations-web-assets\.[^"/]+/(?P<file>logo-long\.png)[^"]*"')
_NO_ASSET = "Data asset: None"


def make_offline(site: Path, since: float | None = None) -> int:
    """Point every page of the site (or those written at or after `since`, a timestamp) at local
    copies of its CDN files. Returns how many pages were rewritten."""
    if not site.is_dir():
        return 0
    vendor_assets(site)
    rewritten = 0
    for page in site.rglob("*.html"):
        if since is not None and page.stat().st_mtime < since - 1:
            continue
        text = page.read_text(encoding="utf-8")
        depth = len(page.relative_to(site).parts) - 1
        new = offline_page(text, depth)
        parts = page.relative_to(site).parts
        if parts[0] == "validations" and _NO_ASSET in new:
            # A validated DataFrame has no asset name in GE's batch spec: name the suite's frame.
            new = new.replace(_NO_ASSET, f"Data asset: {html.escape(parts[1])} (rows of the run's reports)")
        if new != text:
            page.write_text(new, encoding="utf-8")
            rewritten += 1
    return rewritten
