"""The exception tree of wkapi.

Every failure a caller can meet is a :class:`WebknossosError`:

.. code-block:: text

    WebknossosError
    ├── ConfigurationError            bad settings given to the client (no request was made)
    ├── InputError                    bad arguments or input files (nothing was sent)
    │   ├── UploadInputError          an upload input that is missing, empty, too big, ...
    │   ├── TaskInputError            task rows that cannot become TaskSpecs (each bad row listed)
    │   │   └── TaskFileError         a task file that cannot be used (unreadable, bad rows)
    │   ├── DestinationExistsError    a download's target file exists (also a FileExistsError)
    │   └── DestinationInUseError     another export is writing into the destination
    ├── VersionNotSupportedError      the server does not serve the API version asked for
    ├── ClientClosedError             the client was used after close(), or closed during a call
    ├── ClientLoopError               the client is used from another event loop than its own
    └── APIError                      anything that went wrong talking to the server
        ├── APIConnectionError        no (complete) answer: refused, reset, DNS, TLS
        │   ├── APITimeoutError       the answer took too long
        │   ├── IncompleteDownloadError   the body ended before its announced length
        │   └── ServerUnreachableError    refused connections, no answer for a while: given up
        ├── InvalidResponseError      an answer that does not parse as what the route returns
        └── APIStatusError            the server answered with a non-2xx status
            ├── BadRequestError           400
            ├── AuthenticationError       401
            ├── PermissionDeniedError     403
            ├── NotFoundError             404
            ├── ConflictError             409
            ├── PayloadTooLargeError      413
            ├── RateLimitError            429
            └── ServerError               >= 500

``ConfigurationError`` and ``InputError`` are ``ValueError`` subclasses too. Texts never contain
the API token: URLs in errors are stripped of their query string.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ClientLoopError",
    "ConfigurationError",
    "ConflictError",
    "DestinationExistsError",
    "DestinationInUseError",
    "IncompleteDownloadError",
    "InputError",
    "InvalidResponseError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "ServerUnreachableError",
    "TaskFileError",
    "TaskInputError",
    "UploadInputError",
    "VersionNotSupportedError",
    "WebknossosError",
    "status_error_class",
]


class WebknossosError(Exception):
    """Base class of every error raised by wkapi."""


class ConfigurationError(WebknossosError, ValueError):
    """The client was configured with values it cannot work with."""


class InputError(WebknossosError, ValueError):
    """An argument or an input file is invalid; nothing was sent to the server."""


class UploadInputError(InputError):
    """A file given for upload cannot be sent (missing, not a file, wrong suffix, empty, too big).

    ``path`` names the offending file (``None`` for a problem with the whole set).
    """

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class TaskInputError(InputError):
    """Task rows that cannot become :class:`~wkapi.models.TaskSpec` objects.

    ``problems`` lists every bad row as ``(position, reason)``: the line number in a file, the
    0-based index for in-memory rows.
    """

    def __init__(self, message: str, problems: list[tuple[int, str]]) -> None:
        super().__init__(message)
        self.problems = problems


class TaskFileError(TaskInputError):
    """A task file that cannot be used: unreadable, empty, with unknown columns or bad rows.

    ``path`` is the file; ``problems`` are ``(line number, reason)`` (line 0: the whole file).
    """

    def __init__(self, path: str, message: str, problems: list[tuple[int, str]]) -> None:
        super().__init__(message, problems)
        self.path = path


class DestinationExistsError(InputError, FileExistsError):
    """The download's target file exists and ``overwrite`` was not given.

    Both an :class:`InputError` and a :class:`FileExistsError`; ``path`` is the file.
    """

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path} exists; pass overwrite=True to replace it")
        self.path = path


class DestinationInUseError(InputError):
    """Another export is writing into this destination right now (it holds the manifest's lock).

    ``path`` is the manifest whose lock is held.
    """

    def __init__(self, message: str, path: str) -> None:
        super().__init__(message)
        self.path = path


class VersionNotSupportedError(WebknossosError):
    """The server does not support the HTTP API version the client was configured for."""

    def __init__(
        self,
        requested: int,
        oldest_supported: int | None,
        current: int | None,
        client_range: tuple[int, int],
    ) -> None:
        self.requested = requested
        self.oldest_supported = oldest_supported
        self.current = current
        self.client_range = client_range
        super().__init__(
            f"API version v{requested} is not supported by this server, which serves "
            f"v{oldest_supported}..v{current}; "
            f"wkapi supports v{client_range[0]}..v{client_range[1]}"
        )


class ClientClosedError(WebknossosError):
    """The client is closed: it was used after ``close()`` (or after its ``with`` block), or it
    was closed while this call was running (the call was cancelled and cleaned up first).

    The same error for both faces, :class:`~wkapi.Client` and :class:`~wkapi.SyncClient`.
    """

    def __init__(self, message: str = "client is closed") -> None:
        super().__init__(message)


class ClientLoopError(WebknossosError, RuntimeError):
    """The client is used from another event loop than the one it first ran on (e.g. a second
    ``asyncio.run()``): its connections belong to that loop; create one client per loop."""


class APIError(WebknossosError):
    """Something went wrong while talking to the server.

    ``method`` and ``url`` (without query string) name the request when known.
    ``earlier_attempt_unanswered`` is ``True`` when the request was retried after an attempt
    that reached the server but got no usable answer: that attempt may have taken effect, so
    this error may describe the state it left (e.g. a 404 for a DELETE that had worked).
    aiohttp's own resend of a PUT or DELETE after a cut connection counts too.
    """

    def __init__(self, message: str, *, method: str | None = None, url: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.url = url
        self.earlier_attempt_unanswered = False


class APIConnectionError(APIError):
    """No complete answer arrived: the connection was refused, reset or broken.

    ``request_sent`` is ``False`` only when the request surely never reached the server
    (connection refused, DNS failure, connect timeout): only then may a POST be sent again.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        url: str | None = None,
        request_sent: bool = True,
        transient: bool = True,
    ) -> None:
        super().__init__(message, method=method, url=url)
        self.request_sent = request_sent
        self.transient = transient


class APITimeoutError(APIConnectionError):
    """The server did not answer (or send more of its answer) in time."""


class IncompleteDownloadError(APIConnectionError):
    """A download ended before the announced number of bytes arrived.

    ``expected`` is the announced size (``Content-Length``) and ``received`` what arrived.
    """

    def __init__(
        self,
        expected: int,
        received: int,
        *,
        method: str | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(
            f"download incomplete: received {received} of {expected} bytes", method=method, url=url
        )
        self.expected = expected
        self.received = received


class ServerUnreachableError(APIConnectionError):
    """The server refused every connection (or let every connect time out) for
    :attr:`~wkapi.RetryPolicy.give_up_after` seconds without answering anything: the request,
    and any job it belongs to, gave up instead of retrying on.

    ``silent_for`` is how many seconds that lasted, ``refusals`` how many attempts in a row
    found no server. ``request_sent`` is ``False`` unless an earlier attempt of the request
    reached the server. Never retried (``transient`` is ``False``).
    """

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        url: str | None = None,
        request_sent: bool = False,
        silent_for: float = 0.0,
        refusals: int = 0,
    ) -> None:
        super().__init__(
            message, method=method, url=url, request_sent=request_sent, transient=False
        )
        self.silent_for = silent_for
        self.refusals = refusals


class InvalidResponseError(APIError):
    """The server's answer is not what the route returns (bad JSON, missing fields, ...)."""


class APIStatusError(APIError):
    """The server answered with a non-2xx status.

    Attributes:
        status: the HTTP status code.
        messages: the server's error messages, parsed from whichever body form it used
            (``messages[].error``, Play's validation map, ``errors[]``, an HTML page).
        body: the start of the response body (capped), for diagnosis.
        retry_after: seconds from a ``Retry-After`` header, if any.
        chain: the server-side cause the server reported (``messages[].chain``), if any:
            e.g. the exception behind a generic "could not be created".
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        messages: Sequence[str] = (),
        body: str = "",
        method: str | None = None,
        url: str | None = None,
        retry_after: float | None = None,
        chain: str | None = None,
    ) -> None:
        super().__init__(message, method=method, url=url)
        self.status = status
        self.messages = list(messages)
        self.body = body
        self.retry_after = retry_after
        self.chain = chain


class BadRequestError(APIStatusError):
    """400: the server rejected the request (validation, bad id, bad parameter)."""


class AuthenticationError(APIStatusError):
    """401: no valid token (missing, wrong or expired)."""


class PermissionDeniedError(APIStatusError):
    """403: the token's user may not do this."""


class NotFoundError(APIStatusError):
    """404: no such resource, route or API version (or no right to see it)."""


class ConflictError(APIStatusError):
    """409: the request conflicts with the resource's state."""


class PayloadTooLargeError(APIStatusError):
    """413: the request body exceeds the server's limit."""


class RateLimitError(APIStatusError):
    """429: too many requests (sent by proxies in front of WEBKNOSSOS)."""


class ServerError(APIStatusError):
    """5xx: the server or a proxy in front of it failed."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    429: RateLimitError,
}


def status_error_class(status: int) -> type[APIStatusError]:
    """The exception class for an HTTP error status."""
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, APIStatusError)
