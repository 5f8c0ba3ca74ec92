"""The HTTP side of the service: `/healthz`, `/metrics`, the JSON API and the Atom feeds.

Entry points: `build_web_app`, `serve` (→ `WebServer.stop`) and `running` in `bot.web.app`;
`HealthProbe` and `SchemaLookup` in `bot.web.context`.
"""

from bot.web.app import WebServer, build_web_app, running, serve
from bot.web.context import HealthProbe, SchemaLookup

__all__ = ["HealthProbe", "SchemaLookup", "WebServer", "build_web_app", "running", "serve"]
