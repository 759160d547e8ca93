"""Pages that need a browser: a site rule's `fetch = "browser"` renders its articles in headless Chromium.

Chromium never touches the network itself. Every request a page makes (the document, scripts, images,
XHR, popups) is intercepted and answered by the poll's own `Fetcher`, so the URL checks, the refusal of
internal hosts, the size cap, the site's headers, cookies and proxy apply to it exactly as to a plain
fetch. Non-GET requests, WebSockets and service workers are refused, images, media and fonts are not
fetched (they hold no text), downloads are off, and name lookups inside Chromium are switched off as a
second fence. Playwright (`pip install 'newsdiff[browser]'`) and
the system's Chromium are loaded only when a poll first meets such a page.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from .fetch import Fetched, Fetcher

if TYPE_CHECKING:
    from playwright.async_api import Browser, Playwright, Route

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
MISSING_PLAYWRIGHT = "fetch = \"browser\" needs Playwright, which is not installed: pip install 'newsdiff[browser]'"
MISSING_CHROMIUM = (f"fetch = \"browser\" needs Chromium, and none is on PATH ({', '.join(CHROMIUM_NAMES)}): "
                    "install your system's chromium package")
PAGES_AT_ONCE = 2  # Chromium pages open together: each costs tens of megabytes
MAX_REQUESTS = 300  # sub-requests one page may make; the rest are refused
SKIPPED = frozenset({"image", "media", "font"})  # no text in them: never fetched
SETTLE_SECONDS = 5.0  # after the load event, how long scripts may keep fetching before the page is read
# Chromium's own networking fenced off: every request is answered through the route below, so any that
# escaped it (a preconnect, WebRTC) finds no name resolver and no UDP.
CHROMIUM_ARGS = ("--disable-dev-shm-usage", "--disable-gpu", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update", "--dns-prefetch-disable",
                 "--host-resolver-rules=MAP * ~NOTFOUND", "--force-webrtc-ip-handling-policy=disable_non_proxied_udp")
# Hop-by-hop and encoding headers describe the fetcher's connection, not the (decoded) body handed over.
_NOT_PASSED = frozenset({"content-encoding", "content-length", "transfer-encoding", "connection", "keep-alive",
                         "set-cookie"})


class BrowserUnavailable(Exception):
    """Playwright or Chromium is missing or would not start; the message is one line."""


def chromium_path() -> str:
    """The system's Chromium; BrowserUnavailable naming the package when there is none."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserUnavailable(MISSING_CHROMIUM)


class BrowserFetcher:
    """A Fetcher for a poll's articles: pages of `fetch = "browser"` sites rendered, all others fetched
    plainly. Chromium starts on the first such page and stops with the poll (`async with`)."""

    def __init__(self, fetcher: Fetcher) -> None:
        self.fetcher = fetcher
        self.settings = fetcher.settings
        self._pages = asyncio.Semaphore(PAGES_AT_ONCE)
        self._start = asyncio.Lock()
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._unavailable: str | None = None  # why Chromium cannot run: said once per page, tried once per poll

    async def __aenter__(self) -> "BrowserFetcher":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._browser is not None:
            await self._browser.close()
        if self._playwright is not None:
            await self._playwright.stop()

    async def get(self, url: str, headers: dict[str, str] | None = None) -> Fetched:
        """The page as the poll's fetcher gives it, rendered when its site's rule asks for a browser."""
        rule = self.fetcher.rule(url)
        if rule is None or rule.fetch != "browser":
            return await self.fetcher.get(url, headers)
        # No conditional GET: a 304 would leave nothing to render, and a page built by scripts changes
        # without its document changing.
        document = await self.fetcher.get(url)
        media_type = (document.content_type or "text/html").split(";")[0].strip().lower()
        if document.status != 200 or document.error or media_type not in ("text/html", "application/xhtml+xml"):
            return document  # an error, a page gone, or no page (a PDF): as a plain fetch gives it
        started = time.monotonic()
        try:
            async with self._pages, asyncio.timeout(self.settings.total_timeout):  # waiting for a page is free
                body = await self._render(document)
        except TimeoutError:
            return self._failed(document, f"browser: the page took longer than {self.settings.total_timeout:g} s "
                                          "to render")
        except BrowserUnavailable as exc:
            return self._failed(document, str(exc))
        except Exception as exc:  # Playwright's errors: a crashed page costs its article, never the poll
            reason = " ".join(str(exc).split("\n")[0].split()) or type(exc).__name__
            return self._failed(document, f"browser: {rule.redact(reason)}")
        if len(body) > self.settings.max_bytes:
            return self._failed(document, f"browser: rendered page larger than {self.settings.max_bytes:,} bytes")
        document.body = body
        document.headers = {**document.headers, "content-type": "text/html; charset=utf-8"}
        document.duration_ms += int((time.monotonic() - started) * 1000)
        return document

    @staticmethod
    def _failed(document: Fetched, error: str) -> Fetched:
        document.status, document.body, document.error = None, b"", error
        return document

    async def _launch(self) -> Browser:
        """Chromium, started once; BrowserUnavailable (remembered for the rest of the poll) when it cannot be."""
        async with self._start:
            if self._browser is not None:
                return self._browser
            if self._unavailable is None:
                try:
                    self._browser = await self._start_chromium()
                    return self._browser
                except BrowserUnavailable as exc:
                    self._unavailable = str(exc)
            raise BrowserUnavailable(self._unavailable)

    async def _start_chromium(self) -> Browser:
        try:
            from playwright.async_api import Error, async_playwright
        except ImportError:
            raise BrowserUnavailable(MISSING_PLAYWRIGHT) from None
        path = chromium_path()
        self._playwright = await async_playwright().start()
        try:
            return await self._playwright.chromium.launch(executable_path=path, headless=True, args=list(CHROMIUM_ARGS),
                                                          timeout=self.settings.total_timeout * 1000)
        except Error as exc:
            reason = " ".join(str(exc).split("\n")[0].split())
            raise BrowserUnavailable(f"browser: Chromium at {path} would not start: {reason}") from None

    async def _render(self, document: Fetched) -> bytes:
        """The page's DOM once its scripts have run, every request answered through the fetcher."""
        browser = await self._launch()
        context = await browser.new_context(accept_downloads=False, service_workers="block",
                                            user_agent=self.settings.user_agent, java_script_enabled=True)
        context.set_default_timeout(self.settings.total_timeout * 1000)  # the poll's limit, not Playwright's 30 s
        try:
            await context.route("**/*", self._router(document))
            await context.route_web_socket("**/*", lambda socket: None)  # never connected to any server
            page = await context.new_page()
            await page.goto(document.final_url, wait_until="load")
            try:  # scripts that fetch the text after the load event are given a little longer
                await page.wait_for_load_state("networkidle", timeout=SETTLE_SECONDS * 1000)
            except Exception:  # still busy (a ticker, analytics): the page is read as it stands
                pass
            return (await page.content()).encode("utf-8")
        finally:
            await context.close()

    def _router(self, document: Fetched) -> Callable[[Route], Awaitable[None]]:
        """The handler that answers each of a page's requests: the document from the fetch already made,
        everything else through the fetcher: GET only, no images, media or fonts, at most MAX_REQUESTS,
        and all of them together within the fetch's size cap."""
        document_served, requests, budget = False, 0, self.settings.max_bytes

        async def route(route: Route) -> None:
            nonlocal document_served, requests, budget
            request = route.request
            if not document_served and request.is_navigation_request() and request.url == document.final_url:
                document_served = True
                await route.fulfill(status=200, headers=_passed(document.headers), body=document.body)
                return
            requests += 1
            if request.method != "GET" or request.resource_type in SKIPPED or requests > MAX_REQUESTS or budget <= 0:
                await route.abort("blockedbyclient")
                return
            fetched = await self.fetcher.get(request.url, _forwarded(await request.all_headers()))
            budget -= len(fetched.body)
            if fetched.error or fetched.status is None or budget < 0:
                await route.abort("blockedbyclient")
                return
            await route.fulfill(status=fetched.status, headers=_passed(fetched.headers), body=fetched.body)

        return route


def _passed(headers: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name not in _NOT_PASSED}


def _forwarded(headers: dict[str, str]) -> dict[str, str]:
    """What of Chromium's request headers the fetcher sends on: content negotiation and the referrer.
    Its cookies and user agent are the fetcher's to set."""
    return {name: value for name, value in headers.items() if name in ("accept", "accept-language", "referer")}
