"""What a sync client has besides its generated methods: the async client it wraps, the loop
thread it runs that client on, and their life cycle (``with``, :meth:`close`)."""

from __future__ import annotations

from types import TracebackType
from typing import TypeVar

from .._client import Client
from ._portal import Portal

__all__ = ["SyncClientBase"]

_S = TypeVar("_S", bound="SyncClientBase")


class SyncClientBase:
    """The base of :class:`~wkapi.SyncClient` (whose methods are generated from
    :class:`~wkapi.Client`'s by ``tools/generate_sync.py``)."""

    _client: Client
    _portal: Portal

    def _attach(self, client: Client) -> None:
        """Wrap ``client`` and start the loop thread it runs on."""
        self._client = client
        self._portal = Portal(client.close, name=f"wkapi-sync {client.url}")

    @classmethod
    def _adopt(cls: type[_S], client: Client) -> _S:
        """A sync client wrapping ``client`` (for the generated alternative constructors)."""
        self = cls.__new__(cls)
        self._attach(client)
        return self

    def __repr__(self) -> str:
        return f"Sync{self._client!r}"

    def __enter__(self: _S) -> _S:
        self._portal.check_open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the client: cancel the calls still running in other threads (each raises
        :class:`~wkapi.ClientClosedError` once its cleanup is done, so no part file is left),
        close the connection pool, stop the event loop and join its thread.

        Closing twice is harmless. A closed client cannot be opened again: every later call
        raises :class:`~wkapi.ClientClosedError`.
        """
        self._portal.close()
