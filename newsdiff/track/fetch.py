"""Polite, bounded HTTP fetching: many requests at once, few per host, none that can hang or flood memory."""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import os
import random
import socket
import ssl
import time
import zlib
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Generic, Protocol, TypeVar

import httpcore
import httpx

from ..sources.sites import Ruleset, SiteRule
from ..urls import BadURL, check_url, host_key, host_of, joined, private_address
from .settings import FetchSettings

T = TypeVar("T")

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
PERMANENT_REDIRECTS = frozenset({301, 308})


@dataclass
class Fetched:
    """What one GET came to; `error` is set when no usable HTTP answer arrived."""

    url: str
    final_url: str
    status: int | None = None
    reason: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: str | None = None
    redirects: tuple[str, ...] = ()  # every URL passed through before final_url
    permanent: bool = False  # every redirect was a 301/308, so final_url is the article's new address
    attempts: int = 0
    duration_ms: int = 0

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")


class _Refused(Exception):
    """A request or response refused (an internal address, a bad redirect, too large, undecodable); the
    message is the one-line reason. Never retried: the same request would be refused again."""


class _GuardedNetwork(httpcore.AsyncNetworkBackend):
    """Every connection of a poll, redirect hops included, is made here: the host name is resolved, each
    address it resolves to is checked, and the connection goes to an address that was checked.

    Connecting to the checked address itself, not to the name again, leaves no window for DNS rebinding
    (a name that resolves to a public address for the check and to 127.0.0.1 for the connection). TLS
    still verifies the certificate against the host name, which the HTTP layer passes on separately.
    """

    def __init__(self, is_named: Callable[[str], bool], allow_private: bool) -> None:
        self._is_named = functools.cache(is_named)  # asked once per host and poll, only about internal ones
        self._allow_private = allow_private
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        addresses = await self.checked(host, port, timeout)
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        raise failure or httpcore.ConnectError(f"{host} resolves to no address")

    async def checked(self, host: str, port: int, timeout: float | None) -> list[str]:
        """The addresses `host` resolves to; _Refused when one is internal and the host is not named."""
        addresses = await self._resolve(host, port, timeout)
        if not self._allow_private:
            for address in addresses:
                kind = private_address(address)
                if kind and not self._is_named(host_key(host)):
                    what = f"{address} is" if address == host else f"{host} resolves to {address}, which is"
                    raise _Refused(f"refused: {what} internal ({kind}), not fetched: not a host you named "
                                   "([fetch] allow_private_hosts = true allows all)")
        return addresses

    @staticmethod
    async def _resolve(host: str, port: int, timeout: float | None) -> list[str]:
        """The addresses to try, in the resolver's order; an IP address stands for itself."""
        try:
            return [str(ipaddress.ip_address(host))]
        except ValueError:
            pass
        try:
            async with asyncio.timeout(timeout):
                found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"could not resolve {host} in time") from None
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc.strerror or exc}") from None
        return list(dict.fromkeys(str(info[4][0]) for info in found))

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


async def _check_redirect(response: httpx.Response) -> None:
    """A Location is a URL from outside like any other: checked before the client follows (or parses) it."""
    if response.has_redirect_location:
        location = response.headers["location"]
        try:  # an address urllib cannot join is checked as it came: `check_url` says what is wrong with it
            check_url(joined(str(response.request.url), location) or location)
        except BadURL as exc:
            raise _Refused(f"redirected to a bad URL: {exc}") from None


class _BoundedBody:
    """Collects a body, decompressing it here so that the size cap applies to what it expands to."""

    def __init__(self, encoding: str, limit: int) -> None:
        self.limit = limit
        self.data = bytearray()
        encoding = encoding.strip().lower()
        if encoding in ("", "identity"):
            self._inflater = None
        elif encoding in ("gzip", "x-gzip"):
            self._inflater = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
        elif encoding == "deflate":
            self._inflater = zlib.decompressobj()
        else:
            raise _Refused(f"unsupported content-encoding {encoding!r}")

    def feed(self, chunk: bytes) -> None:
        if self._inflater is None:
            self.data += chunk
        else:
            try:
                self.data += self._inflater.decompress(chunk, self.limit + 1 - len(self.data))
            except zlib.error as exc:
                raise _Refused(f"corrupt compressed body ({exc})") from None
            if self._inflater.unconsumed_tail:
                self._too_large()
        if len(self.data) > self.limit:
            self._too_large()

    def finish(self) -> bytes:
        if self._inflater is not None:
            self.data += self._inflater.flush()
        if len(self.data) > self.limit:
            self._too_large()
        return bytes(self.data)

    def _too_large(self) -> None:
        raise _Refused(f"response larger than {self.limit:,} bytes, not read further")


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return max(0.0, moment.timestamp() - (now if now is not None else datetime.now(timezone.utc).timestamp()))


def _root_cause(exc: BaseException) -> str:
    """The operating system's words for what broke a connection ("connection reset by peer"), or the
    first message found down the chain of causes; HTTP libraries often wrap it in an empty exception."""
    seen: BaseException | None = exc
    message = ""
    for _ in range(10):  # a chain is short; the bound only guards against a cycle
        if seen is None:
            break
        if isinstance(seen, OSError) and seen.errno:
            return (seen.strerror or os.strerror(seen.errno)).lower()
        message = message or str(seen).strip()
        seen = seen.__cause__ or seen.__context__
    return message or type(exc).__name__


def _describe(exc: Exception, settings: FetchSettings) -> str:
    if isinstance(exc, httpx.ConnectTimeout):
        return f"could not connect within {settings.connect_timeout:g} s"
    if isinstance(exc, httpx.ReadTimeout):
        return f"no data for {settings.read_timeout:g} s"
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out ({type(exc).__name__})"
    if isinstance(exc, httpx.TooManyRedirects):
        return f"more than {settings.max_redirects} redirects (a redirect loop?)"
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect: {_root_cause(exc)}"
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
        return f"connection broken: {_root_cause(exc)}"
    if isinstance(exc, httpx.UnsupportedProtocol):
        return f"redirected to an unsupported address: {exc}"
    return f"{type(exc).__name__}: {exc}"


class HostTurns(Protocol):
    """Where requests to one host take turns beyond this process: the store, whose PostgreSQL side
    shares them between every poll on the database (its SQLite side always gives a turn)."""

    def take_host_turn(self, host: str, *, per_host: int, delay_s: float,
                       lease_s: float) -> tuple[int | None, float]: ...

    def end_host_turn(self, host: str, slot: int) -> None: ...


# A turn is held through one attempt, which `total_timeout` ends: past that and this margin, the turn of a
# poll that died (SIGKILL, a lost host) is free again.
TURN_MARGIN_S = 10.0
TURN_RETRY_MAX_S = 0.5  # the longest wait before asking again for a host's turn

_RETRYABLE = (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)


class Fetcher:
    """An HTTP client with overall and per-host concurrency limits; use as `async with Fetcher(settings)`.

    Each host gets its own small connection pool: httpcore scans a pool on every request, so one
    pool per host keeps that cost flat however many outlets a poll visits. `is_named` says whether the
    user named a host (a feed's, a `track`ed URL's): only those may be reached at internal addresses.
    `rules` are the site rules whose `headers`, `cookies` and `proxy` apply to their outlets' hosts.
    Requests to one host are at most `per_host` at once and start `per_host_delay` apart: in this process,
    and through `turns` (a poll's store) across every poll sharing it.
    """

    def __init__(self, settings: FetchSettings, *, transport: httpx.AsyncBaseTransport | None = None,
                 is_named: Callable[[str], bool] = lambda host: False, rules: Ruleset | None = None,
                 turns: HostTurns | None = None) -> None:
        self.settings = settings
        self.rules = rules
        self._transport = transport
        self._turns = turns
        self._next_start: dict[str, float] = {}  # when the next request to a host may start (monotonic)
        # A proxy a site rule names is a host the user named, wherever it is.
        proxies = {host_key(host_of(r.proxy)) for r in (rules.rules if rules else ()) if r.proxy}
        self._network = _GuardedNetwork(lambda host: host in proxies or is_named(host), settings.allow_private_hosts)
        # Every header name some rule sets: dropped from a request to a host whose rule does not set it, so
        # a redirect to another host never carries one outlet's secrets along.
        self._rule_headers = {name.lower() for r in (rules.rules if rules else ()) for name, _ in r.headers}
        self._slots = asyncio.Semaphore(settings.jobs)
        self._hosts: dict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(settings.per_host))
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._tls: ssl.SSLContext | None = None  # loading CA certificates costs ~30 ms: once per poll

    async def __aenter__(self) -> "Fetcher":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        for client in self._clients.values():
            await client.aclose()

    def rule(self, url: str) -> SiteRule | None:
        """The site rule for a URL's host, if any."""
        return self.rules.find(host_of(url)) if self.rules else None

    async def _site_headers(self, request: httpx.Request, *, proxied: bool = False) -> None:
        """Each request, redirect hops included, carries the headers and cookies of its own host's rule
        only; through a proxy, where the guard never sees the connection, the host is checked here."""
        if proxied:
            port = request.url.port or (443 if request.url.scheme == "https" else 80)
            await self._network.checked(request.url.host, port, self.settings.connect_timeout)
        for name in self._rule_headers:
            request.headers.pop(name, None)
        rule = self.rules.find(request.url.host) if self.rules else None
        if rule is None:
            return
        request.headers.update(dict(rule.headers))
        if rule.cookies:
            mine = "; ".join(f"{name}={value}" for name, value in rule.cookies)
            jar = request.headers.get("cookie")
            request.headers["Cookie"] = f"{jar}; {mine}" if jar else mine

    def _client(self, host: str) -> httpx.AsyncClient:
        if host not in self._clients:
            s = self.settings
            rule = self.rules.find(host) if self.rules else None
            proxy = rule.proxy if rule and not self._transport else None
            tls = self._tls = self._tls or httpx.create_ssl_context()
            connections = s.per_host * 2  # room for redirects to another host
            limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
            self._clients[host] = httpx.AsyncClient(
                headers={
                    "User-Agent": s.user_agent,
                    "Accept-Encoding": "gzip, deflate",  # only what _BoundedBody can cap
                    "Accept": "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
                              "application/xml;q=0.9,text/plain;q=0.8,*/*;q=0.5",
                },
                timeout=httpx.Timeout(s.read_timeout, connect=s.connect_timeout, pool=None),
                follow_redirects=True,
                max_redirects=s.max_redirects,
                event_hooks={"request": [functools.partial(self._site_headers, proxied=proxy is not None)],
                             "response": [_check_redirect]},
                transport=self._transport or self._guarded_transport(tls, limits, proxy),
            )
        return self._clients[host]

    def _guarded_transport(self, tls: ssl.SSLContext, limits: httpx.Limits,
                           proxy: str | None = None) -> httpx.AsyncHTTPTransport:
        """httpx's own transport, connecting through `_GuardedNetwork`.

        httpx takes no network backend, so its connection pool is replaced by one built the same way with
        ours. No proxy from the environment is used: through a proxy the addresses could not be checked.
        A site rule's proxy is used for its outlet; the target's name is then checked by `_site_headers`
        (the proxy resolves it again on its own: the one gap a proxy leaves).
        """
        transport = httpx.AsyncHTTPTransport(verify=tls, limits=limits, trust_env=False)
        pool: dict[str, Any] = dict(ssl_context=tls, max_connections=limits.max_connections,
                                    max_keepalive_connections=limits.max_keepalive_connections,
                                    keepalive_expiry=limits.keepalive_expiry, network_backend=self._network)
        if proxy is None:
            transport._pool = httpcore.AsyncConnectionPool(**pool)
        else:
            parts = httpx.URL(proxy)
            auth = (parts.username, parts.password) if parts.username else None
            transport._pool = httpcore.AsyncHTTPProxy(proxy_url=str(parts.copy_with(username=None, password=None)),
                                                      proxy_auth=auth, **pool)
        return transport

    async def get(self, url: str, headers: dict[str, str] | None = None) -> Fetched:
        """GET with retries; never raises for network trouble, the result says what happened."""
        started = time.monotonic()
        s = self.settings
        try:
            check_url(url)  # stored before URLs were checked, or handed in by a library caller
        except BadURL as exc:
            return Fetched(url=url, final_url=url, error=str(exc))
        for attempt in range(s.retries + 1):
            result = Fetched(url=url, final_url=url, attempts=attempt + 1)
            host = host_of(url)
            client = self._client(host)  # made before the turn: the request starts as soon as its turn comes
            async with self._hosts[host], self._turn(host):
                retryable = await self._attempt(client, url, headers or {}, result)
            wait = self._retry_wait(result, attempt) if retryable else None
            if wait is None or attempt == s.retries:
                break
            await asyncio.sleep(wait)  # outside the slots: a backing-off request blocks nobody
        rule = self.rule(url)
        if rule and result.error:
            result.error = rule.redact(result.error)
        result.duration_ms = int((time.monotonic() - started) * 1000)
        return result

    @asynccontextmanager
    async def _turn(self, host: str) -> AsyncIterator[None]:
        """Hold a request slot (`jobs`) and this host's turn together: `per_host_delay` after this
        process's last start to the host, then a turn from `turns` (given back on leaving).

        The slot is taken first and the turn asked for while it is held, so the request starts the moment
        its turn is given: a turn given to a request that then waited for a slot would start it late, and
        closer than `per_host_delay` to the next request another poll sends. Waiting for a turn holds no
        slot, so requests to other hosts go on meanwhile."""
        s = self.settings
        tries = 0
        while True:
            async with self._slots:
                now = time.monotonic()
                wait = self._next_start.get(host, now) - now
                turn = None
                if wait <= 0 and self._turns is not None:
                    turn, wait = self._turns.take_host_turn(host_key(host), per_host=s.per_host,
                                                            delay_s=s.per_host_delay,
                                                            lease_s=s.total_timeout + TURN_MARGIN_S)
                    if turn is None:
                        # A host whose turns stay taken (many polls at it) is asked less and less often,
                        # at random moments, so that waiting polls do not keep the database busy asking.
                        wait = max(wait, min(TURN_RETRY_MAX_S, wait * 2 ** min(tries, 10)) * random.uniform(0.5, 1.0),
                                   0.001)
                        tries += 1
                if wait <= 0 or turn is not None:
                    self._next_start[host] = time.monotonic() + s.per_host_delay
                    try:
                        yield
                    finally:
                        if turn is not None and self._turns is not None:
                            self._turns.end_host_turn(host_key(host), turn)
                    return
            await asyncio.sleep(wait)

    async def _attempt(self, client: httpx.AsyncClient, url: str, headers: dict[str, str], result: Fetched) -> bool:
        """One request into `result`; True when a failure is worth retrying."""
        try:
            async with asyncio.timeout(self.settings.total_timeout):
                async with client.stream("GET", url, headers=headers) as response:
                    result.status, result.reason = response.status_code, response.reason_phrase
                    result.final_url = str(response.url)
                    result.headers = {k.lower(): v for k, v in response.headers.items()}
                    result.redirects = tuple(str(r.url) for r in response.history)
                    result.permanent = bool(response.history) and all(
                        r.status_code in PERMANENT_REDIRECTS for r in response.history
                    )
                    if response.status_code == 200:
                        result.body = await self._read_body(response)
            return result.status in RETRY_STATUSES
        except TimeoutError:
            result.error = f"took longer than {self.settings.total_timeout:g} s in all"
        except _Refused as exc:
            result.error = str(exc)
        except httpx.HTTPError as exc:
            result.error = _describe(exc, self.settings)
            return isinstance(exc, _RETRYABLE)
        result.status = None
        return False

    async def _read_body(self, response: httpx.Response) -> bytes:
        """The body, capped at `max_bytes` after decompression. A response built whole (an
        `httpx.MockTransport` handler's `Response(text=...)`) arrives already read and decoded."""
        if response.is_stream_consumed:
            body = _BoundedBody("identity", self.settings.max_bytes)
            body.feed(response.content)
            return body.finish()
        body = _BoundedBody(response.headers.get("content-encoding", ""), self.settings.max_bytes)
        async for chunk in response.aiter_raw():
            body.feed(chunk)
        return body.finish()

    def _retry_wait(self, result: Fetched, attempt: int) -> float | None:
        """Seconds before the next attempt, or None to stop (a Retry-After beyond the limit is not waited)."""
        backoff = self.settings.backoff * (2 ** attempt) * random.uniform(0.75, 1.25)
        if result.status not in (429, 503):
            return backoff
        asked = retry_after_seconds(result.headers.get("retry-after"))
        if asked is None:
            return backoff
        if asked > self.settings.max_retry_after:
            result.reason += f" (Retry-After {asked:g} s is beyond the {self.settings.max_retry_after:g} s limit)"
            return None
        return max(asked, backoff)


@dataclass(frozen=True)
class Request(Generic[T]):
    url: str
    item: T
    headers: dict[str, str] = field(default_factory=dict)


def interleave_hosts(requests: Iterable[Request[T]]) -> list[Request[T]]:
    """Round-robin over hosts, keeping each host's order, so one big outlet never starves the rest."""
    queues: dict[str, deque[Request[T]]] = defaultdict(deque)
    for request in requests:
        queues[host_of(request.url)].append(request)
    ordered: list[Request[T]] = []
    while queues:
        for host in list(queues):
            ordered.append(queues[host].popleft())
            if not queues[host]:
                del queues[host]
    return ordered


class Getter(Protocol):
    """What `fetch_each` fetches through: a Fetcher, or one that renders some pages (track/browser.py)."""

    settings: FetchSettings

    async def get(self, url: str, headers: dict[str, str] | None = None) -> Fetched: ...


async def fetch_each(
    fetcher: Getter, requests: Sequence[Request[T]], handle: Callable[[Request[T], Fetched], Awaitable[None] | None],
    more: Callable[[], Sequence[Request[T]]] | None = None,
) -> None:
    """Fetch every request with `jobs` workers and hand each answer to `handle` as soon as it arrives.

    A worker waits for an awaitable `handle` before its next fetch, so at most `jobs` answers are held.
    When the requests run out, `more()` gives the next batch (taken only as it is needed, so polls sharing
    a store share the work), until it gives none.
    """
    pending = deque(interleave_hosts(requests))
    source = more

    async def worker() -> None:
        nonlocal source
        while True:
            if not pending and source is not None:
                batch = source()
                if batch:
                    pending.extend(interleave_hosts(batch))
                else:
                    source = None
            if not pending:
                return
            request = pending.popleft()
            handled = handle(request, await fetcher.get(request.url, request.headers))
            if handled is not None:
                await handled

    workers = fetcher.settings.jobs if more is not None else min(fetcher.settings.jobs, len(pending))
    await asyncio.gather(*(worker() for _ in range(workers)))
