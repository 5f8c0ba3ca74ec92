"""The demo's stand-in for treaties.un.org: an aiohttp server on 127.0.0.1 (an ephemeral port)
serving the Cybercrime Convention's status page as it stands at the story's current step.

    async with DemoSite(STORY) as site:
        site.show(3)                       # the page after step 3
        config … base_url = site.base_url

Only `/Pages/ViewDetails.aspx?mtdsg_no=XVIII-16…` is a status page; another `mtdsg_no` gets the
site's "no record" page (HTTP 200, as the real site answers), any other path a 404. It binds to
loopback only and never makes a request itself.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from aiohttp import web

from bot.demo.hanoi import TREATY_ID
from bot.demo.page import render_status_page
from bot.demo.story import Step, in_force_since, table_at

HOST = "127.0.0.1"
HTML = "text/html"
NO_RECORD = (
    "<html><head><title>United Nations Treaty Collection</title></head><body>"
    "<div id='ctl00_ctl00_ContentPlaceHolder1_ContentPlaceHolderInnerPage_divNoRecord'>"
    "No record found.</div></body></html>"
)


class DemoSite:
    def __init__(self, steps: tuple[Step, ...]) -> None:
        self.steps = steps
        self.step = 0
        self.requests = 0
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise RuntimeError("the demo site is not running")
        return f"http://{HOST}:{self._port}"

    def show(self, step: int) -> None:
        """Serve the page as it stands after `step` from now on."""
        if not 0 <= step < len(self.steps):
            raise IndexError(f"the story has no step {step}")
        self.step = step

    def page(self) -> str:
        """The status page of the current step."""
        step = self.steps[self.step]
        return render_status_page(
            table_at(self.steps, self.step),
            moment=step.at,
            in_force_since=in_force_since(self.steps, self.step),
        )

    async def _status(self, request: web.Request) -> web.Response:
        self.requests += 1
        if request.query.get("mtdsg_no", "").upper() != TREATY_ID:
            return web.Response(text=NO_RECORD, content_type=HTML)
        return web.Response(text=self.page(), content_type=HTML)

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_get("/Pages/ViewDetails.aspx", self._status)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, HOST, 0)
        await site.start()
        address = self._runner.addresses[0]
        self._port = int(address[1])
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = None
        self._port = None
