"""The one way in and out of the network: :class:`Session`.

A request goes: version check (once) -> attempts (each: a request slot of the rate limiter,
aiohttp with the per-hop auth middleware, the status check) -> :class:`Response`. How a failure
becomes a typed error (a non-2xx answer with the server's messages, an aiohttp or socket failure)
is :mod:`wkapi._failures`'s; whether and when it is retried, :mod:`wkapi._retry`'s.

The core knows no route: resources pass paths relative to ``/api`` (``"/tasks/<id>"``).
"""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from types import TracebackType
from typing import Any, TypeVar

import aiohttp
import orjson
import yarl
from multidict import CIMultiDictProxy

from ._auth import TokenAuth
from ._config import SUPPORTED_API_VERSIONS, ClientConfig
from ._errors import (
    APIError,
    ClientClosedError,
    ClientLoopError,
    InputError,
    InvalidResponseError,
    VersionNotSupportedError,
)
from ._failures import TRANSPORT_ERRORS, status_error, transport_error
from ._liveness import Liveness, found_no_server
from ._ratelimit import RateLimiter
from ._retry import Retries, RetryBudget, RetryPolicy
from ._version import __version__
from ._warnings import warn_user

__all__ = ["QueryValue", "Response", "Session", "encode_query"]

logger = logging.getLogger(__name__)
#: The one DEBUG line per attempt goes to the package's logger itself: the README names it as
#: where that line is, and a filter a user attaches to ``logging.getLogger("wkapi")`` applies
#: only to records logged on that logger, not to those its children pass on.
request_log = logging.getLogger("wkapi")

T = TypeVar("T")
QueryValue = str | int | float | bool | enum.Enum | None
BodyFactory = Callable[[], Any]

_MISSING: Any = object()
# Route paths repeat (a bulk job asks for the same few routes thousands of times): building a
# yarl.URL costs more than the dict lookup.
_URL_CACHE_SIZE = 4096
#: aiohttp's keyword arguments of a request without query, body or headers (never modified).
_NO_OPTIONS: dict[str, Any] = {"data": None}


class Response:
    """A complete answer: status, headers and the whole (small) body."""

    __slots__ = ("body", "headers", "method", "status", "url")

    def __init__(
        self,
        status: int,
        headers: CIMultiDictProxy[str],
        body: bytes,
        method: str,
        url: yarl.URL,
    ) -> None:
        self.status = status
        self.headers = headers
        self.body = body
        self.method = method
        self.url = url

    def __repr__(self) -> str:
        return f"<Response {self.status} {self.method} {self.url.path}>"

    def json(self) -> Any:
        """The body decoded as JSON; :class:`~wkapi.InvalidResponseError` if it is not JSON."""
        try:
            return orjson.loads(self.body)
        except orjson.JSONDecodeError as exc:
            start = self.body[:80].decode("utf-8", errors="replace")
            raise InvalidResponseError(
                f"{self.method} {self.url.path}: expected JSON, got {start!r}",
                method=self.method,
                url=str(self.url.with_query(None)),
            ) from exc


def _query_value(name: str, value: QueryValue) -> str:
    if isinstance(value, bool):  # before int: bool is an int
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, (str, int, float)):
        return str(value)
    raise InputError(f"query parameter {name!r} must be a str, int, float or bool, got {value!r}")


def encode_query(params: Mapping[str, QueryValue] | None) -> dict[str, str]:
    """Query parameters as the server parses them: lowercase booleans, ``None`` left out."""
    if not params:
        return {}
    return {k: _query_value(k, v) for k, v in params.items() if v is not None}


#: Methods aiohttp resends by itself after a lost answer and that change something: only for
#: these does the session keep a hop log (a GET's lost answer has no effect to report).
_RESENT_WITH_EFFECT = frozenset({"PUT", "DELETE"})


class _HopLog:
    """What aiohttp's hops of one request (all its attempts) ran into.

    Its :meth:`note_lost_answers` is a client middleware of that request only.
    """

    __slots__ = ("lost",)

    def __init__(self) -> None:
        self.lost = False  # a hop was sent and its connection closed before the answer

    async def note_lost_answers(
        self, request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
    ) -> aiohttp.ClientResponse:
        """Note a hop whose connection closed after sending, before the answer.

        aiohttp may then send an idempotent request once more by itself, out of the retry
        loop's sight; the note lets the session tell that a later answer follows a lost one.
        """
        try:
            return await handler(request)
        except aiohttp.ClientConnectorError:
            raise  # never connected: nothing was sent
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError):
            self.lost = True
            raise


class _Attempt:
    """One attempt of a request, used as ``async with``: everything one send goes through.

    Entering takes one of the client's request slots, sends, and gives the response once its
    headers are in; a non-2xx status raises its typed error, an aiohttp or socket failure its
    :class:`~wkapi.APIConnectionError`. The slot and the connection are held until the exit,
    which logs the attempt's DEBUG line (method, path, status, attempt number, milliseconds).
    :meth:`read` reads the whole body, a failure on the way mapped likewise.
    """

    __slots__ = (
        "_method",
        "_number",
        "_options",
        "_response",
        "_session",
        "_started",
        "_status",
        "_url",
    )

    def __init__(
        self,
        session: Session,
        method: str,
        url: yarl.URL,
        number: int,
        options: dict[str, Any],
    ) -> None:
        self._session = session
        self._method = method
        self._url = url
        self._number = number
        self._options = options
        self._response: aiohttp.ClientResponse | None = None
        self._status: int | str = "error"
        self._started = 0.0

    async def __aenter__(self) -> aiohttp.ClientResponse:
        session = self._session
        await session.limiter.acquire()
        self._started = time.perf_counter()
        try:
            # Awaited, not entered: aiohttp's context manager would add a frame that every
            # resume of this request passes through; __aexit__ releases the response.
            response = await session.http.request(self._method, self._url, **self._options)
            self._response = response
            if session.liveness.refusals:
                session.liveness.answered()
            self._status = response.status
            if not 200 <= response.status < 300:
                error = await status_error(response, self._method, self._url)
                if error.retry_after is not None and error.status in (429, 503):
                    # Every request of the client waits (until about when this one retries).
                    session.limiter.pause_for(
                        min(error.retry_after, session.config.retry.retry_after_cap)
                    )
                raise error
        except BaseException as exc:
            await self.__aexit__(type(exc), exc, exc.__traceback__)
            if isinstance(exc, TRANSPORT_ERRORS):
                failure = transport_error(exc, self._method, self._url)  # made safe
                if found_no_server(failure):
                    session.liveness.refused(self._started)
                raise failure from exc
            raise
        return response

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        response, self._response = self._response, None
        try:
            if response is not None:
                response.release()
                await response.wait_for_close()
        finally:
            if request_log.isEnabledFor(logging.DEBUG):
                request_log.debug(
                    "%s %s -> %s (attempt %d, %.1f ms)",
                    self._method,
                    self._url.path,
                    self._status,
                    self._number,
                    (time.perf_counter() - self._started) * 1000,
                )
            self._session.limiter.release()

    async def read(self, response: aiohttp.ClientResponse) -> bytes:
        """The whole body of ``response`` (this attempt's)."""
        try:
            return await response.read()
        except TRANSPORT_ERRORS as exc:
            raise transport_error(exc, self._method, self._url) from exc  # made safe


class Session:
    """The one ``aiohttp.ClientSession`` of a client, with its limits, retries and auth.

    Not part of the public API: resources call :meth:`request`, :meth:`request_json` and
    :meth:`stream`.
    """

    def __init__(self, config: ClientConfig) -> None:
        self.config = config
        self.auth = TokenAuth(config.token, config.url)
        limits = config.limits
        self.limiter = RateLimiter(
            concurrency=limits.concurrency, rate=limits.rate, burst=limits.burst
        )
        self.budget = RetryBudget(config.retry)
        #: When the server last answered, and the attempts that found no server since.
        self.liveness = Liveness()
        self._http: aiohttp.ClientSession | None = None
        self._closed = False
        self._loop: asyncio.AbstractEventLoop | None = None  # the loop of the first request
        self._origin = str(config.url.origin())
        if not config.verify_tls:
            # Said once, when the client is built, not when the pool (re)opens.
            warn_user(
                "TLS certificate verification is disabled (verify_tls=False): "
                "the connection can be intercepted"
            )
            logger.warning("TLS certificate verification is disabled for %s", self._origin)
        self._urls: dict[str, yarl.URL] = {}  # versioned routes
        self._root_urls: dict[str, yarl.URL] = {}  # the others (``/api/...``)
        self._version_checked = config.api_version is None or not config.check_version
        self._version_lock: asyncio.Lock | None = None
        self.build_info: dict[str, Any] | None = None
        # Test seam: retries wait through this (tests replace it to avoid real sleeping).
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
        t = config.timeouts
        self._api_timeout = aiohttp.ClientTimeout(total=t.api_total, connect=t.connect)
        self._transfer_timeout = aiohttp.ClientTimeout(
            total=t.transfer_total, connect=t.connect, sock_read=t.transfer_read
        )

    @property
    def strict_models(self) -> bool:
        """Whether responses are structured with the strict converter (unknown keys are errors)."""
        return self.config.strict_models

    def _new_http(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=self.config.limits.concurrency,
            limit_per_host=0,
            ttl_dns_cache=300,
            ssl=self.config.verify_tls,
        )
        return aiohttp.ClientSession(
            connector=connector,
            headers={"User-Agent": f"wkapi/{__version__}", "Accept": "application/json"},
            timeout=self._api_timeout,
            middlewares=(self.auth,),
            cookie_jar=aiohttp.DummyCookieJar(),
            raise_for_status=False,
            trust_env=False,
        )

    @property
    def http(self) -> aiohttp.ClientSession:
        """The aiohttp session, created on first use (inside the running event loop)."""
        http = self._http
        if http is None or http.closed:
            self.check_usable()
            http = self._http = self._new_http()
        return http

    def check_usable(self) -> None:
        """Raise unless this session may send from the running event loop: it is not closed
        (:class:`~wkapi.ClientClosedError`), and the loop is the one of its first request
        (:class:`~wkapi.ClientLoopError`)."""
        if self._closed:
            raise ClientClosedError(
                "client is closed: a client is used once (its async with block, or until "
                "close()); make a new wkapi.Client for more calls"
            )
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
        elif loop is not self._loop:
            raise ClientLoopError(
                "the client belongs to another event loop (the one it first ran on, e.g. an "
                "earlier asyncio.run()); create one client per event loop, inside the code "
                "that loop runs"
            )

    async def close(self) -> None:
        """Close the connection pool for good: a later call raises
        :class:`~wkapi.ClientClosedError`. Safe to call twice."""
        self._closed = True
        http, self._http = self._http, None
        if http is not None and not http.closed:
            try:
                await http.close()
            except RuntimeError:
                # Its loop is gone (closed from another one): nothing is left to release there.
                if self._loop is not None and not self._loop.is_closed():
                    raise

    # -- addressing -------------------------------------------------------------------------

    def url(self, path: str, *, versioned: bool = True) -> yarl.URL:
        """The absolute URL of a route path like ``/tasks/<id>`` (segments already quoted)."""
        urls = self._urls if versioned else self._root_urls
        url = urls.get(path)
        if url is None:
            prefix = self.config.api_prefix if versioned else self.config.api_root
            url = yarl.URL(f"{self._origin}{prefix}{path}", encoded=True)
            if len(urls) >= _URL_CACHE_SIZE:
                urls.clear()
            urls[path] = url
        return url

    def trust_origin(self, url: str | yarl.URL) -> None:
        """Send the token to this origin too (a datastore or tracingstore the server named)."""
        self.auth.trust(url)

    # -- version check ----------------------------------------------------------------------

    async def check_version(self) -> dict[str, Any]:
        """Read ``GET /api/buildinfo`` and check the configured API version against the server's
        ``httpApiVersioning`` range (servers without the key are accepted)."""
        self.check_usable()
        response = await self._send("GET", self.url("/buildinfo", versioned=False))
        info = response.json()
        if not isinstance(info, dict):
            raise InvalidResponseError(
                "GET /api/buildinfo: expected a JSON object", method="GET", url=str(response.url)
            )
        requested = self.config.api_version
        versioning = info.get("httpApiVersioning")
        if requested is not None and isinstance(versioning, dict):
            oldest = versioning.get("oldestSupportedApiVersion")
            current = versioning.get("currentApiVersion")
            if (
                isinstance(oldest, int)
                and isinstance(current, int)
                and not oldest <= requested <= current
            ):
                raise VersionNotSupportedError(requested, oldest, current, SUPPORTED_API_VERSIONS)
        self.build_info = info
        self._version_checked = True
        return info

    async def _ensure_version(self) -> None:
        if self._version_checked:
            return
        if self._version_lock is None:
            self._version_lock = asyncio.Lock()
        async with self._version_lock:
            if not self._version_checked:
                await self.check_version()

    # -- requests ---------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, QueryValue] | None = None,
        json: Any = _MISSING,
        data: BodyFactory | None = None,
        headers: Mapping[str, str] | None = None,
        versioned: bool = True,
        idempotent: bool | None = None,
        transfer: bool = False,
        retry: RetryPolicy | None = None,
    ) -> Response:
        """Send a request and read its whole answer; raise a typed error for non-2xx.

        Args:
            path: route path relative to ``/api`` (or ``/api/vN``), segments quoted.
            json: a JSON-serialisable body.
            data: a zero-argument callable returning a fresh aiohttp payload for each attempt
                (bodies must be replayable for retries).
            idempotent: override the method's idempotency for retries (a read-only POST).
            transfer: use the transfer timeouts (no total) instead of the API ones.
            retry: a retry policy for this call instead of the client's (the bulk task job
                allows only retries of requests that never reached the server).
        """
        self.check_usable()
        if versioned and not self._version_checked:
            await self._ensure_version()
        return await self._send(
            method,
            self.url(path, versioned=versioned),
            self._options(params, json, headers, transfer),
            data,
            idempotent,
            retry,
        )

    async def request_json(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, QueryValue] | None = None,
        json: Any = _MISSING,
        versioned: bool = True,
        idempotent: bool | None = None,
    ) -> Any:
        """:meth:`request`, then the body decoded as JSON."""
        response = await self.request(
            method, path, params=params, json=json, versioned=versioned, idempotent=idempotent
        )
        return response.json()

    def _options(
        self,
        params: Mapping[str, QueryValue] | None,
        json: Any,
        headers: Mapping[str, str] | None,
        transfer: bool,
    ) -> dict[str, Any]:
        """aiohttp's keyword arguments for a request (the session's default timeout is the API
        one)."""
        if not params and json is _MISSING and not headers and not transfer:
            return _NO_OPTIONS
        options: dict[str, Any] = {"data": None}
        if params:
            options["params"] = encode_query(params)
        if headers or json is not _MISSING:
            send_headers = dict(headers) if headers else {}
            if json is not _MISSING:
                options["data"] = orjson.dumps(json)
                send_headers["Content-Type"] = "application/json"
            options["headers"] = send_headers
        if transfer:
            options["timeout"] = self._transfer_timeout
        return options

    async def _send(
        self,
        method: str,
        url: yarl.URL,
        options: dict[str, Any] = _NO_OPTIONS,
        data: BodyFactory | None = None,
        idempotent: bool | None = None,
        retry: RetryPolicy | None = None,
    ) -> Response:
        """Send and read the whole answer, attempt after attempt until one succeeds or the
        error is final (see :class:`~wkapi._retry.Retries`)."""
        self.budget.record_request()
        options, hops = self._hop_log(method, options)
        retries: Retries | None = None
        number = 1
        while True:
            # The attempt inline rather than in a method of its own: every frame between the
            # caller and aiohttp costs on each resume of the request.
            attempt = _Attempt(
                self, method, url, number, options if data is None else {**options, "data": data()}
            )
            try:
                async with attempt as response:
                    body = await attempt.read(response)
                return Response(response.status, response.headers, body, method, url)
            except APIError as exc:
                error = exc
            if retries is None:
                retries = self._retries(method, url, idempotent, retry, hops)
            number = await retries.after(error)

    def _hop_log(
        self, method: str, options: dict[str, Any]
    ) -> tuple[dict[str, Any], _HopLog | None]:
        """``options`` with a hop log for a PUT or DELETE, whose lost answers matter."""
        if method not in _RESENT_WITH_EFFECT:
            return options, None
        hops = _HopLog()
        return {**options, "middlewares": (self.auth, hops.note_lost_answers)}, hops

    @asynccontextmanager
    async def stream(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, QueryValue] | None = None,
        headers: Mapping[str, str] | None = None,
        versioned: bool = True,
        idempotent: bool | None = None,
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """Open a streamed answer (transfer timeouts) and hold a request slot while it is read.

        Failures up to the answer's headers are retried like any request; the body is the
        caller's to read (and to retry, see ``_transfer``). Non-2xx answers raise typed errors.
        """
        self.check_usable()
        if versioned and not self._version_checked:
            await self._ensure_version()
        url = self.url(path, versioned=versioned)
        options, hops = self._hop_log(
            method,
            {
                "params": encode_query(params),
                "headers": {"Accept-Encoding": "identity", **(headers or {})},
                "timeout": self._transfer_timeout,
            },
        )

        async def attempt(number: int) -> tuple[aiohttp.ClientResponse, AsyncExitStack]:
            stack = AsyncExitStack()
            response = await stack.enter_async_context(_Attempt(self, method, url, number, options))
            return response, stack

        response, stack = await self.with_retries(
            method, url, attempt, idempotent=idempotent, hops=hops
        )
        async with stack:
            yield response

    # -- retries ----------------------------------------------------------------------------

    async def with_retries(
        self,
        method: str,
        url: yarl.URL,
        attempt: Callable[[int], Awaitable[T]],
        *,
        idempotent: bool | None = None,
        policy: RetryPolicy | None = None,
        hops: _HopLog | None = None,
    ) -> T:
        """Run ``attempt(n)`` for n = 1, 2, ... until it succeeds or the error is final.

        Retries follow ``policy`` (default: the client's :class:`~wkapi.RetryPolicy`) and the
        client's retry budget (see :class:`~wkapi._retry.Retries`). ``hops``: the hop log the
        attempts' requests write to, if any.
        """
        self.check_usable()
        self.budget.record_request()
        retries: Retries | None = None
        number = 1
        while True:
            try:
                return await attempt(number)
            except APIError as exc:
                error = exc
            if retries is None:
                retries = self._retries(method, url, idempotent, policy, hops)
            number = await retries.after(error)

    def _retries(
        self,
        method: str,
        url: yarl.URL,
        idempotent: bool | None,
        policy: RetryPolicy | None,
        hops: _HopLog | None,
    ) -> Retries:
        """The retries of a request whose first attempt failed."""
        return Retries(
            policy or self.config.retry,
            self.budget,
            self.sleep,
            method,
            url.path,
            idempotent=idempotent,
            hops=hops,
            liveness=self.liveness,
        )
