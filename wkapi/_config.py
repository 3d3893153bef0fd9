"""Client settings: where the server is, how to authenticate, timeouts, limits and retries."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

import attrs
import yarl

from ._checks import valid_flag, valid_int, valid_seconds
from ._deprecation import positional_fields_deprecated
from ._errors import ConfigurationError
from ._retry import RetryPolicy

__all__ = ["SUPPORTED_API_VERSIONS", "ClientConfig", "Limits", "Timeouts"]

#: The HTTP API versions wkapi's routes and models are written and tested for.
SUPPORTED_API_VERSIONS = (5, 5)

#: The default multipart limit of a WEBKNOSSOS server (play.http.parser.maxDiskBuffer).
DEFAULT_MAX_UPLOAD_BYTES = 1 << 30


@positional_fields_deprecated
@attrs.frozen(kw_only=True)
class Timeouts:
    """Timeouts in seconds.

    API calls (JSON in, JSON out) are bounded in total; transfers (downloads and uploads of
    annotation files, which can take hours) have no total but fail when no byte moves for
    ``transfer_read`` seconds.
    """

    api_total: float | None = attrs.field(default=60.0, validator=valid_seconds(optional=True))
    connect: float | None = attrs.field(default=10.0, validator=valid_seconds(optional=True))
    transfer_read: float | None = attrs.field(default=120.0, validator=valid_seconds(optional=True))
    transfer_total: float | None = attrs.field(default=None, validator=valid_seconds(optional=True))


@positional_fields_deprecated
@attrs.frozen(kw_only=True)
class Limits:
    """How hard one client may push the server: ``Client(..., limits=Limits(...))``.

    Args:
        concurrency: requests in flight at once (a download counts while it streams).
        rate: requests per second started at most; ``None`` for no cap.
        burst: how many requests may start at once before ``rate`` applies (default: 1 + rate).
    """

    concurrency: int = attrs.field(default=8, validator=valid_int(minimum=1))
    rate: float | None = attrs.field(default=None, validator=valid_seconds(optional=True))
    burst: int | None = attrs.field(default=None, validator=valid_int(minimum=1, optional=True))


#: A path that already names the API (``/api`` or ``/api/v5``), a common slip.
_API_SUFFIX = re.compile(r"/api(/v\d+)?$")


def _normalize_url(value: str | yarl.URL) -> yarl.URL:
    url = yarl.URL(str(value).strip())
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigurationError(
            f"server URL must be an absolute http(s) URL like https://webknossos.org, got {value!r}"
        )
    if url.user or url.password:
        raise ConfigurationError("server URL must not contain credentials; pass token= instead")
    if url.query_string or url.fragment:
        raise ConfigurationError("server URL must not contain a query string or fragment")
    path = url.path.rstrip("/")
    if _API_SUFFIX.search(path):
        raise ConfigurationError(
            f"server URL must be the server's root, without /api (the client adds it), "
            f"e.g. {url.with_path(_API_SUFFIX.sub('', path) or '/')}; got {value!r}"
        )
    return url.with_path(path)


@positional_fields_deprecated
@attrs.frozen(kw_only=True)
class ClientConfig:
    """Everything a :class:`~wkapi.Client` needs to know, validated once.

    The token is kept out of ``repr`` and never logged.
    """

    url: yarl.URL = attrs.field(converter=_normalize_url)
    token: str | None = attrs.field(default=None, repr=False)
    api_version: int | None = 5
    timeouts: Timeouts = attrs.field(factory=Timeouts)
    limits: Limits = attrs.field(factory=Limits)
    retry: RetryPolicy = attrs.field(factory=RetryPolicy)
    verify_tls: bool = attrs.field(default=True, validator=valid_flag)
    strict_models: bool = attrs.field(default=False, validator=valid_flag)
    max_upload_bytes: int = attrs.field(
        default=DEFAULT_MAX_UPLOAD_BYTES, validator=valid_int(minimum=1)
    )
    check_version: bool = attrs.field(default=True, validator=valid_flag)

    def __attrs_post_init__(self) -> None:
        for name, kind in (("timeouts", Timeouts), ("limits", Limits), ("retry", RetryPolicy)):
            if not isinstance(getattr(self, name), kind):
                raise ConfigurationError(
                    f"{name} must be a wkapi.{kind.__name__}, got {getattr(self, name)!r}"
                )
        if self.token is not None and not isinstance(self.token, str):
            raise ConfigurationError(f"token must be a string (or None), got {self.token!r}")
        if self.token is not None and (
            not self.token.strip() or any(ord(c) < 32 or ord(c) == 127 for c in self.token)
        ):
            raise ConfigurationError(
                "token must be a non-empty string without control characters (or None)"
            )
        if self.api_version is not None and (
            isinstance(self.api_version, bool)
            or not isinstance(self.api_version, int)
            or self.api_version < 1
        ):
            raise ConfigurationError(
                f"api_version must be an int >= 1 or None, got {self.api_version!r}"
            )

    @property
    def api_root(self) -> str:
        """The path of the unversioned API, ``/api`` (below a sub-path if the server has one)."""
        return f"{self.url.path.rstrip('/')}/api"

    @property
    def api_prefix(self) -> str:
        """The path prefix of versioned routes, e.g. ``/api/v5``."""
        root = self.api_root
        return root if self.api_version is None else f"{root}/v{self.api_version}"


def env_settings(environ: Mapping[str, str] | None = None) -> dict[str, object]:
    """Read ``WK_URL``, ``WK_TOKEN``, ``WK_API_VERSION`` (the official library's names)."""
    env = os.environ if environ is None else environ
    if not isinstance(env, Mapping):
        raise ConfigurationError(f"environ must be a mapping like os.environ, got {env!r}")
    url = env.get("WK_URL", "").strip()
    if not url:
        raise ConfigurationError(
            "WK_URL is not set; set it to your server, e.g. https://webknossos.org"
        )
    settings: dict[str, object] = {"url": url, "token": env.get("WK_TOKEN") or None}
    raw_version = env.get("WK_API_VERSION", "").strip()
    if raw_version:
        if raw_version.lower() in ("none", "latest"):
            settings["api_version"] = None
        else:
            try:
                settings["api_version"] = int(raw_version.lstrip("vV"))
            except ValueError:
                raise ConfigurationError(
                    f"WK_API_VERSION must be an integer like 5 (or 'latest'), got {raw_version!r}"
                ) from None
    return settings


def strict_models_from_env(environ: Mapping[str, str] | None = None) -> bool:
    """``WKAPI_STRICT_MODELS=1`` makes every client reject unknown JSON keys (used by tests)."""
    env = os.environ if environ is None else environ
    return env.get("WKAPI_STRICT_MODELS", "").strip().lower() in ("1", "true", "yes")
