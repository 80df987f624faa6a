"""The local stack's own pages: Swagger UI at /docs and an index of the routes at /.

Swagger UI's static files come from the npm package ``swagger-ui-dist`` (5.x, which reads
OpenAPI 3.1), pinned in tools/swagger-ui/package-lock.json and installed by ``make dev`` and
``make test``, so the docs work with no network at run time
(docs/decisions/0013-swagger-ui-from-npm.md). The page is
pointed at /openapi.json, which is a real route served by the OpenApiFunction: what the UI
shows is exactly what the deployed API documents.
"""

from __future__ import annotations

import html
import json
import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

DOCS_PREFIX = "/docs"
OPENAPI_PATH = "/openapi.json"

_ASSETS = (
    "swagger-ui.css",
    "index.css",
    "swagger-ui-bundle.js",
    "swagger-ui-standalone-preset.js",
    "favicon-32x32.png",
    "favicon-16x16.png",
    "oauth2-redirect.html",
    "oauth2-redirect.js",
)

SWAGGER_UI_DIR = (
    Path(__file__).resolve().parents[1]
    / "tools"
    / "swagger-ui"
    / "node_modules"
    / "swagger-ui-dist"
)

_MISSING_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8"><title>Swagger UI is not installed</title></head>
<body><h1>Swagger UI is not installed</h1>
<p>Its files come from npm: run <code>make dev</code> (or
<code>npm ci --prefix tools/swagger-ui --ignore-scripts</code>) and reload.
The OpenAPI document itself is at <a href="/openapi.json">/openapi.json</a>.</p>
</body></html>
"""

_DOCS_HTML = """<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>Byline API (local)</title>
    <link rel="stylesheet" type="text/css" href="{prefix}/swagger-ui.css" />
    <link rel="stylesheet" type="text/css" href="{prefix}/index.css" />
    <link rel="icon" type="image/png" href="{prefix}/favicon-32x32.png" sizes="32x32" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="{prefix}/swagger-ui-bundle.js" charset="UTF-8"></script>
    <script src="{prefix}/swagger-ui-standalone-preset.js" charset="UTF-8"></script>
    <script src="{prefix}/swagger-initializer.js" charset="UTF-8"></script>
  </body>
</html>
"""

_INITIALIZER_JS = """window.onload = function () {{
  window.ui = SwaggerUIBundle({{
    url: {openapi},
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout",
  }});
}};
"""

# Swagger UI styles elements inline, and loads nothing from elsewhere.
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "frame-ancestors 'none'"
)


@dataclass(frozen=True)
class Page:
    body: bytes
    content_type: str
    cache_control: str = "no-cache"


def docs_page(path: str) -> Page | None:
    """The page or asset for a path under /docs, or None when there is none."""
    if path in (DOCS_PREFIX, DOCS_PREFIX + "/"):
        if not (SWAGGER_UI_DIR / "swagger-ui-bundle.js").is_file():
            return Page(_MISSING_HTML.encode(), "text/html; charset=utf-8")
        body = _DOCS_HTML.format(prefix=DOCS_PREFIX).encode()
        return Page(body, "text/html; charset=utf-8")
    if not path.startswith(DOCS_PREFIX + "/"):
        return None
    name = path[len(DOCS_PREFIX) + 1 :]
    if name == "swagger-initializer.js":
        script = _INITIALIZER_JS.format(openapi=json.dumps(OPENAPI_PATH))
        return Page(script.encode(), "text/javascript; charset=utf-8")
    if name not in _ASSETS:  # an allow-list: nothing else of the filesystem is reachable
        return None
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if content_type.startswith("text/") or content_type.endswith("javascript"):
        content_type += "; charset=utf-8"
    try:
        data = (SWAGGER_UI_DIR / name).read_bytes()
    except FileNotFoundError:
        return None
    return Page(data, content_type, "public, max-age=86400")


@dataclass(frozen=True)
class RouteInfo:
    method: str
    path: str
    function: str
    protected: bool


def index_json(routes: Sequence[RouteInfo], extra: dict[str, object]) -> Page:
    document = {
        "routes": [
            {"method": r.method, "path": r.path, "function": r.function, "auth": r.protected}
            for r in routes
        ],
        **extra,
    }
    return Page(json.dumps(document, indent=2).encode(), "application/json")


def index_html(
    routes: Sequence[RouteInfo], base_url: str, notes: Sequence[str], *, outbox: bool = False
) -> Page:
    rows = "\n".join(
        "<tr><td><code>{m}</code></td><td>{link}</td><td>{f}</td><td>{a}</td></tr>".format(
            m=html.escape(r.method),
            link=(
                f'<a href="{html.escape(r.path)}"><code>{html.escape(r.path)}</code></a>'
                if r.method in ("GET", "ANY") and "{" not in r.path
                else f"<code>{html.escape(r.path)}</code>"
            ),
            f=html.escape(r.function),
            a="Cognito id token" if r.protected else "none",
        )
        for r in routes
    )
    items = "\n".join(f"<li>{html.escape(n)}</li>" for n in notes)
    outbox_link = ' &middot; <a href="/_outbox">Outbox (emails sent)</a>' if outbox else ""
    body = f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="UTF-8"><title>Byline local stack</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}}
td,th{{padding:.2rem .8rem;text-align:left}}code{{font-size:.95em}}</style></head>
<body>
<h1>Byline local stack</h1>
<p>API base URL <code>{html.escape(base_url)}</code> &middot;
<a href="{DOCS_PREFIX}">Swagger UI</a> &middot; <a href="{OPENAPI_PATH}">OpenAPI document</a>
{outbox_link}</p>
<h2>Routes (from template.yaml)</h2>
<table><tr><th>Method</th><th>Path</th><th>Function</th><th>Auth</th></tr>
{rows}
</table>
<h2>Notes</h2><ul>{items}</ul>
</body></html>
"""
    return Page(body.encode(), "text/html; charset=utf-8")
