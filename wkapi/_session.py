"""The one way in and out of the network: :class:`Session`.

A request goes: version check (once) -> rate limiter -> retry loop -> aiohttp (with the per-hop
auth middleware) -> status check -> :class:`Response`. Non-2xx answers become typed errors carrying
the server's messages; aiohttp and socket failures become :class:`~wkapi.APIConnectionError` or
:class:`~wkapi.APITimeoutError`, chained to the original (except aiohttp's response errors,
whose request headers hold the token).

The core knows no route: resources pass paths relative to ``/api`` (``"/tasks/<id>"``).
"""

from __future__ import annotations

import asyncio
import contextvars
import enum
import logging
import time
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, TypeVar

import aiohttp
import orjson
import yarl
from multidict import CIMultiDict, CIMultiDictProxy

from ._auth import TOKEN_HEADER, TokenAuth
from ._config import SUPPORTED_API_VERSIONS, ClientConfig
from ._error_body import ERROR_BODY_CAP, parse_error_body
from ._errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    InputError,
    InvalidResponseError,
    VersionNotSupportedError,
    status_error_class,
)
from ._ratelimit import RateLimiter
from ._retry import IDEMPOTENT_METHODS, RetryBudget, RetryPolicy, parse_retry_after
from ._version import __version__

__all__ = ["Response", "Session", "encode_query", "logger", "read_error_body"]

logger = logging.getLogger("wkapi")

T = TypeVar("T")
QueryValue = str | int | float | bool | enum.Enum | None
BodyFactory = Callable[[], Any]

_MISSING: Any = object()
# Route paths repeat (a bulk job asks for the same few routes thousands of times): building a
# yarl.URL costs more than the dict lookup.
_URL_CACHE_SIZE = 4096


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


async def read_error_body(response: aiohttp.ClientResponse) -> bytes:
    """The start of an error body, up to :data:`ERROR_BODY_CAP` bytes (the rest is never read).

    A body may arrive in several pieces; a connection that breaks meanwhile leaves what came.
    """
    raw = bytearray()
    try:
        while len(raw) < ERROR_BODY_CAP:
            piece = await response.content.read(ERROR_BODY_CAP - len(raw))
            if not piece:
                break
            raw += piece
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
        pass
    return bytes(raw)


#: Methods aiohttp resends by itself after a lost answer and that change something: only for
#: these does the session keep a hop log (a GET's lost answer has no effect to report).
_RESENT_WITH_EFFECT = frozenset({"PUT", "DELETE"})


class _HopLog:
    """What aiohttp's hops of one request (all its attempts) ran into."""

    __slots__ = ("lost",)

    def __init__(self) -> None:
        self.lost = False  # a hop was sent and its connection closed before the answer


_hop_log: contextvars.ContextVar[_HopLog | None] = contextvars.ContextVar(
    "wkapi_hop_log", default=None
)


async def _note_lost_answers(
    request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
) -> aiohttp.ClientResponse:
    """Client middleware: note a hop whose connection closed after sending, before the answer.

    aiohttp may then send an idempotent request once more by itself, out of the retry loop's
    sight; the note lets the session tell that a later answer follows a lost one.
    """
    try:
        return await handler(request)
    except aiohttp.ClientConnectorError:
        raise  # never connected: nothing was sent
    except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError):
        hops = _hop_log.get()
        if hops is not None:
            hops.lost = True
        raise


def _maybe_processed(error: APIError) -> bool:
    """Whether the server may have carried out the request that failed with ``error``: it
    was sent, and no answer says it was refused before processing (as 408, 429 and 503 do)."""
    if isinstance(error, APIConnectionError):
        return error.request_sent
    if isinstance(error, APIStatusError):
        return error.status in (500, 502, 504)
    return True  # an unreadable 2xx


def _safe_cause(exc: BaseException) -> BaseException:
    """``exc``, made safe to chain to our error: without the token.

    aiohttp's response errors (``TooManyRedirects`` among them) keep ``request_info`` and the
    redirect ``history``, whose request headers include ``X-Auth-Token``; anything that prints
    an exception's cause or locals (debuggers, error trackers) would show it. The headers are
    replaced by a copy without the token, and the history (earlier responses) is dropped.
    """
    if isinstance(exc, aiohttp.ClientResponseError):
        info = exc.request_info
        headers = CIMultiDict(info.headers)
        headers.popall(TOKEN_HEADER, None)
        exc.request_info = aiohttp.RequestInfo(
            info.url, info.method, CIMultiDictProxy(headers), info.real_url
        )
        exc.history = ()
    return exc


def _map_client_error(exc: BaseException, method: str, url: yarl.URL) -> APIError:
    """Turn an aiohttp or socket failure into the library's error."""
    where = f"{method} {url.path}"
    public_url = str(url.with_query(None))
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return APITimeoutError(
            f"{where}: timed out connecting to {url.host}",
            method=method,
            url=public_url,
            request_sent=False,
        )
    if isinstance(exc, (aiohttp.ClientSSLError, aiohttp.ClientConnectorCertificateError)):
        return APIConnectionError(
            f"{where}: TLS error: {exc}",
            method=method,
            url=public_url,
            request_sent=False,
            transient=False,
        )
    if isinstance(exc, aiohttp.ClientConnectorError):
        return APIConnectionError(
            f"{where}: cannot connect to {url.host}:{url.port}: {exc.os_error.strerror or exc}",
            method=method,
            url=public_url,
            request_sent=False,
        )
    if isinstance(exc, (asyncio.TimeoutError, aiohttp.ServerTimeoutError)):
        return APITimeoutError(
            f"{where}: timed out waiting for the server", method=method, url=public_url
        )
    if isinstance(exc, aiohttp.TooManyRedirects):
        return APIConnectionError(
            f"{where}: too many redirects", method=method, url=public_url, transient=False
        )
    if isinstance(exc, aiohttp.ClientResponseError):
        # An answer aiohttp could not accept (e.g. a malformed status line). Its text would
        # carry the URL with its query, so name only aiohttp's reason (its first line).
        reason = str(exc.message).strip().splitlines()[0] if str(exc.message).strip() else ""
        return APIConnectionError(
            f"{where}: unusable answer: {reason or type(exc).__name__}",
            method=method,
            url=public_url,
        )
    if isinstance(exc, (aiohttp.InvalidURL, aiohttp.NonHttpUrlRedirectClientError)):
        return APIConnectionError(
            f"{where}: invalid redirect or URL: {type(exc).__name__}",
            method=method,
            url=public_url,
            transient=False,
        )
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return APIConnectionError(
            f"{where}: the server closed the connection without an answer",
            method=method,
            url=public_url,
        )
    if isinstance(exc, aiohttp.ClientPayloadError):
        return APIConnectionError(
            f"{where}: the answer was cut off: {exc}", method=method, url=public_url
        )
    return APIConnectionError(
        f"{where}: connection failed: {type(exc).__name__}: {exc}", method=method, url=public_url
    )


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
        self._http: aiohttp.ClientSession | None = None
        self._origin = str(config.url.origin())
        if not config.verify_tls:
            # Said once, when the client is built, not when the pool (re)opens.
            warnings.warn(
                "TLS certificate verification is disabled (verify_tls=False): "
                "the connection can be intercepted",
                stacklevel=3,
            )
            logger.warning("TLS certificate verification is disabled for %s", self._origin)
        self._urls: dict[tuple[str, bool], yarl.URL] = {}
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
            middlewares=(self.auth, _note_lost_answers),
            cookie_jar=aiohttp.DummyCookieJar(),
            raise_for_status=False,
            trust_env=False,
        )

    @property
    def http(self) -> aiohttp.ClientSession:
        """The aiohttp session, created on first use (inside the running event loop)."""
        if self._http is None or self._http.closed:
            self._http = self._new_http()
        return self._http

    async def close(self) -> None:
        """Close the connection pool. Safe to call twice."""
        if self._http is not None and not self._http.closed:
            await self._http.close()
        self._http = None

    # -- addressing -------------------------------------------------------------------------

    def url(self, path: str, *, versioned: bool = True) -> yarl.URL:
        """The absolute URL of a route path like ``/tasks/<id>`` (segments already quoted)."""
        key = (path, versioned)
        url = self._urls.get(key)
        if url is None:
            prefix = self.config.api_prefix if versioned else self.config.api_root
            url = yarl.URL(f"{self._origin}{prefix}{path}", encoded=True)
            if len(self._urls) >= _URL_CACHE_SIZE:
                self._urls.clear()
            self._urls[key] = url
        return url

    def trust_origin(self, url: str | yarl.URL) -> None:
        """Send the token to this origin too (a datastore or tracingstore the server named)."""
        self.auth.trust(url)

    # -- version check ----------------------------------------------------------------------

    async def check_version(self) -> dict[str, Any]:
        """Read ``GET /api/buildinfo`` and check the configured API version against the server's
        ``httpApiVersioning`` range (servers without the key are accepted)."""
        response = await self._request("GET", self.url("/buildinfo", versioned=False))
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
        if versioned and not self._version_checked:
            await self._ensure_version()
        return await self._request(
            method,
            self.url(path, versioned=versioned),
            params=params,
            json=json,
            data=data,
            headers=headers,
            idempotent=idempotent,
            transfer=transfer,
            retry=retry,
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

    async def _request(
        self,
        method: str,
        url: yarl.URL,
        *,
        params: Mapping[str, QueryValue] | None = None,
        json: Any = _MISSING,
        data: BodyFactory | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        transfer: bool = False,
        retry: RetryPolicy | None = None,
    ) -> Response:
        options: dict[str, Any] = {}
        if params:
            options["params"] = encode_query(params)
        send_headers = dict(headers) if headers else {}
        body: bytes | None = None
        if json is not _MISSING:
            body = orjson.dumps(json)
            send_headers["Content-Type"] = "application/json"
        if send_headers:
            options["headers"] = send_headers
        if transfer:
            options["timeout"] = self._transfer_timeout

        async def attempt(number: int) -> Response:
            payload = data() if data is not None else body
            async with self.limiter.slot():
                started = time.perf_counter()
                status: int | str = "error"
                try:
                    async with self.http.request(method, url, data=payload, **options) as resp:
                        status = resp.status
                        if not 200 <= resp.status < 300:
                            raise await self._status_error(resp, method, url)
                        raw = await resp.read()
                        return Response(resp.status, resp.headers, raw, method, url)
                except APIError:
                    raise
                except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
                    raise _map_client_error(exc, method, url) from _safe_cause(exc)
                finally:
                    self._log(method, url, status, number, started)

        return await self.with_retries(method, url, attempt, idempotent=idempotent, policy=retry)

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
        if versioned and not self._version_checked:
            await self._ensure_version()
        url = self.url(path, versioned=versioned)
        query = encode_query(params)
        send_headers = {"Accept-Encoding": "identity", **(headers or {})}

        async def attempt(number: int) -> tuple[aiohttp.ClientResponse, AsyncExitStack]:
            stack = AsyncExitStack()
            await stack.enter_async_context(self.limiter.slot())
            started = time.perf_counter()
            status: int | str = "error"
            try:
                resp = await stack.enter_async_context(
                    self.http.request(
                        method,
                        url,
                        params=query,
                        headers=send_headers,
                        timeout=self._transfer_timeout,
                    )
                )
                status = resp.status
                if not 200 <= resp.status < 300:
                    raise await self._status_error(resp, method, url)
            except BaseException as exc:
                await stack.aclose()
                if isinstance(exc, (aiohttp.ClientError, asyncio.TimeoutError, OSError)):
                    raise _map_client_error(exc, method, url) from _safe_cause(exc)
                raise
            finally:
                self._log(method, url, status, number, started)
            return resp, stack

        resp, stack = await self.with_retries(method, url, attempt, idempotent=idempotent)
        async with stack:
            yield resp

    # -- retries and errors -----------------------------------------------------------------

    @staticmethod
    def _retryable(
        exc: APIError, method: str, idempotent: bool | None, policy: RetryPolicy
    ) -> bool:
        if isinstance(exc, APIStatusError):
            return policy.retries_status(method, exc.status, idempotent=idempotent)
        if isinstance(exc, APIConnectionError):
            if not exc.transient:
                return False
            if not exc.request_sent:
                return True
            return method.upper() in IDEMPOTENT_METHODS if idempotent is None else idempotent
        return False

    async def with_retries(
        self,
        method: str,
        url: yarl.URL,
        attempt: Callable[[int], Awaitable[T]],
        *,
        idempotent: bool | None = None,
        policy: RetryPolicy | None = None,
    ) -> T:
        """Run ``attempt(n)`` for n = 1, 2, ... until it succeeds or the error is final.

        Retries follow ``policy`` (default: the client's :class:`~wkapi.RetryPolicy`) and the
        client's retry budget; each retry is logged at INFO with its reason (never the token or
        the query string).
        """
        self.budget.record_request()
        policy = policy or self.config.retry
        if method not in _RESENT_WITH_EFFECT:  # the hot path (GET) needs no hop log
            return await self._retry_loop(method, url, attempt, idempotent, policy, None)
        hops = _HopLog()
        reset = _hop_log.set(hops)
        try:
            return await self._retry_loop(method, url, attempt, idempotent, policy, hops)
        finally:
            _hop_log.reset(reset)

    async def _retry_loop(
        self,
        method: str,
        url: yarl.URL,
        attempt: Callable[[int], Awaitable[T]],
        idempotent: bool | None,
        policy: RetryPolicy,
        hops: _HopLog | None,
    ) -> T:
        try:
            return await attempt(1)
        except APIError as exc:
            error = exc
        number = 1
        unanswered = False  # an earlier attempt reached the server but its answer was lost
        while True:
            if (
                number >= policy.attempts
                or not self._retryable(error, method, idempotent, policy)
                or not self.budget.try_spend()
            ):
                # aiohttp resends an idempotent request itself when the connection closes
                # before the answer: an answer after such a hop follows a lost one too.
                error.earlier_attempt_unanswered = unanswered or (
                    hops is not None and hops.lost and isinstance(error, APIStatusError)
                )
                raise error
            unanswered = unanswered or _maybe_processed(error)
            retry_after = error.retry_after if isinstance(error, APIStatusError) else None
            delay = policy.backoff(number, retry_after=retry_after)
            logger.info(
                "retrying %s %s in %.2fs (attempt %d of %d): %s",
                method,
                url.path,
                delay,
                number + 1,
                policy.attempts,
                error.message,
            )
            # A Retry-After on a 429 or 503 has also paused the whole client (until about now);
            # on any other status it holds only this request.
            await self.sleep(delay)
            number += 1
            try:
                return await attempt(number)
            except APIError as exc:
                error = exc

    async def _status_error(
        self, resp: aiohttp.ClientResponse, method: str, url: yarl.URL
    ) -> APIStatusError:
        """Build the typed error of a non-2xx answer from its (capped) body."""
        parsed = parse_error_body(await read_error_body(resp), resp.headers.get("Content-Type"))
        retry_after = parse_retry_after(resp.headers.get("Retry-After"))
        status = resp.status
        if retry_after is not None and status in (429, 503):
            self.limiter.pause_for(min(retry_after, self.config.retry.retry_after_cap))
        reason = resp.reason or ""
        detail = "; ".join(parsed.messages) if parsed.messages else "(no message)"
        message = f"{status} {reason}: {method} {url.path}: {detail}".replace("  ", " ")
        return status_error_class(status)(
            message,
            status=status,
            messages=parsed.messages,
            body=parsed.text,
            method=method,
            url=str(url.with_query(None)),
            retry_after=retry_after,
            chain=parsed.chain,
        )

    def _log(
        self, method: str, url: yarl.URL, status: int | str, attempt: int, started: float
    ) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s -> %s (attempt %d, %.1f ms)",
                method,
                url.path,
                status,
                attempt,
                (time.perf_counter() - started) * 1000,
            )
