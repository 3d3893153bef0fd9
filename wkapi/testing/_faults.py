"""Fault injection: rules that make chosen requests fail the way networks and proxies fail."""

from __future__ import annotations

import enum
import fnmatch
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field


class FaultKind(str, enum.Enum):
    """What an injected fault does to a matching request.

    - ``LATENCY``: wait ``delay`` seconds, then handle normally.
    - ``STATUS``: answer ``status`` (with ``Retry-After`` if ``retry_after``) without processing,
      or after processing with ``after_processing=True``.
    - ``DROP``: close the connection before any response; not processed.
    - ``TRUNCATE``: send the real headers (full ``Content-Length``), cut after ``after_bytes``.
    - ``SLOW_BODY``: send the body in ``piece_size`` pieces with ``delay`` between them.
    - ``HTML_ERROR``: an HTML error page like a proxy's (default 502 Bad Gateway).
    - ``INVALID_JSON``: 200 with a body that is not JSON, as ``application/json``.
    - ``PROCESS_THEN_DROP``: the request takes full effect, then the connection is cut.

    ``STATUS``, ``HTML_ERROR`` and ``INVALID_JSON`` are answered before processing unless
    ``after_processing=True``.
    """

    LATENCY = "latency"
    STATUS = "status"
    DROP = "drop"
    TRUNCATE = "truncate"
    SLOW_BODY = "slow_body"
    HTML_ERROR = "html_error"
    INVALID_JSON = "invalid_json"
    PROCESS_THEN_DROP = "process_then_drop"


@dataclass
class Fault:
    """One fault rule; ``hits`` counts the requests it affected."""

    kind: FaultKind
    method: str = "*"
    path: str = "*"
    times: int | None = None
    probability: float | None = None
    seed: int | None = None
    status: int = 503
    retry_after: float | None = None
    delay: float = 0.05
    after_bytes: int = 0
    piece_size: int = 1024
    after_processing: bool = False
    json_body: bool = True
    hits: int = 0
    _rng: random.Random = field(init=False, repr=False)
    # the compiled glob, and the path it was compiled from (rules may be edited after adding)
    _glob: tuple[str, Callable[[str], object]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.kind = FaultKind(self.kind)
        if self.probability is not None and not 0.0 <= self.probability <= 1.0:
            raise ValueError("probability must be within [0, 1]")
        if self.times is not None and self.times < 0:
            raise ValueError("times must be >= 0")
        self._rng = random.Random(0 if self.seed is None else self.seed)
        self._glob = (self.path, _compile_glob(self.path))

    def matches(self, method: str, route: str) -> bool:
        """Whether the rule applies to ``method`` (any case) and ``route`` (``fnmatchcase``)."""
        if self.method != "*" and self.method.upper() != method.upper():
            return False
        source, match = self._glob
        if source != self.path:
            match = _compile_glob(self.path)
            self._glob = (self.path, match)
        return match(route) is not None

    def fires(self) -> bool:
        """Decide for one matching request (advances the seeded sequence); counts a hit."""
        if self.times is not None and self.hits >= self.times:
            return False
        if self.probability is not None and self._rng.random() >= self.probability:
            return False
        self.hits += 1
        return True


def _compile_glob(pattern: str) -> Callable[[str], object]:
    """What ``fnmatch.fnmatchcase(name, pattern)`` tests, compiled once."""
    return re.compile(fnmatch.translate(pattern)).match


class FaultInjector:
    """The fault rules of one server (``server.faults``); the first rule that fires wins."""

    def __init__(self) -> None:
        self.rules: list[Fault] = []

    def add(
        self,
        kind: FaultKind | str,
        *,
        method: str = "*",
        path: str = "*",
        times: int | None = None,
        probability: float | None = None,
        seed: int | None = None,
        status: int | None = None,
        retry_after: float | None = None,
        delay: float = 0.05,
        after_bytes: int = 0,
        piece_size: int = 1024,
        after_processing: bool = False,
        json_body: bool = True,
    ) -> Fault:
        """Add a rule and return it.

        ``path`` is a glob matched against the route without ``/api`` or ``/api/vN`` (e.g.
        ``"/annotations/*/download"``); ``method`` a method or ``"*"``. ``times=N`` hits the first
        N matching requests, ``probability=p`` each one independently from a generator seeded
        with ``seed``; neither hits every matching request. ``status`` defaults to 503 for
        ``STATUS`` and 502 for ``HTML_ERROR``; ``json_body=False`` makes a ``STATUS`` body plain
        text.
        """
        kind = FaultKind(kind)
        if status is None:
            status = 502 if kind is FaultKind.HTML_ERROR else 503
        rule = Fault(
            kind,
            method=method,
            path=path,
            times=times,
            probability=probability,
            seed=seed,
            status=status,
            retry_after=retry_after,
            delay=delay,
            after_bytes=after_bytes,
            piece_size=piece_size,
            after_processing=after_processing,
            json_body=json_body,
        )
        self.rules.append(rule)
        return rule

    def remove(self, rule: Fault) -> None:
        self.rules.remove(rule)

    def clear(self) -> None:
        self.rules.clear()

    def pick(self, method: str, route: str) -> Fault | None:
        """The rule that hits this request, if any."""
        if not self.rules:
            return None
        for rule in self.rules:
            if rule.matches(method, route) and rule.fires():
                return rule
        return None
