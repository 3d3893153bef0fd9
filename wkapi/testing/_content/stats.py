"""Skeleton statistics of an NML: what an annotation's JSON ``stats`` reports about its trees."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class SkeletonStats:
    """Counts of trees (``<thing>``), nodes, edges and branchpoints in an NML."""

    tree_count: int = 0
    node_count: int = 0
    edge_count: int = 0
    branch_point_count: int = 0

    def __add__(self, other: SkeletonStats) -> SkeletonStats:
        return SkeletonStats(
            self.tree_count + other.tree_count,
            self.node_count + other.node_count,
            self.edge_count + other.edge_count,
            self.branch_point_count + other.branch_point_count,
        )


def total(parts: Iterable[SkeletonStats]) -> SkeletonStats:
    """The counts of several NMLs together (what a merge of them holds)."""
    return sum(parts, SkeletonStats())
