"""CRC-32 of long repetitive data without reading it, by combining the CRCs of its parts.

CRC-32 is linear over GF(2): for any message ``m`` of ``n`` bytes,
``crc32(m, start) == shift_n(start) ^ crc32(m, 0)``, where ``shift_n`` is the linear map that
advances the CRC register over ``n`` zero bytes. With ``shift_n`` tabulated once, appending a known
block to a running CRC costs four table lookups instead of a pass over the block.
"""

from __future__ import annotations

import functools
import zlib

_MASK = 0xFFFFFFFF


class ZeroShift:
    """The map ``crc -> crc32(m, crc) ^ crc32(m, 0)``, the same for every message ``m`` of
    ``length`` bytes."""

    def __init__(self, length: int) -> None:
        zeros = bytes(length)
        # zlib inverts the register on the way in and out, so for zero bytes
        # crc32(zeros, c) == ~shift(~c): evaluate the linear map on each basis vector.
        columns = [~zlib.crc32(zeros, ~(1 << bit) & _MASK) & _MASK for bit in range(32)]
        self._tables = tuple(_byte_table(columns[8 * byte : 8 * byte + 8]) for byte in range(4))

    def __call__(self, crc: int) -> int:
        t0, t1, t2, t3 = self._tables
        return t0[crc & 0xFF] ^ t1[crc >> 8 & 0xFF] ^ t2[crc >> 16 & 0xFF] ^ t3[crc >> 24]

    def append(self, crc: int, message_crc: int) -> int:
        """``crc32(m, crc)``, given ``message_crc == crc32(m)`` for a message ``m`` of this
        length."""
        return self(crc) ^ message_crc


def _byte_table(columns: list[int]) -> tuple[int, ...]:
    """For each byte value, the XOR of the columns its set bits select."""
    table = [0] * 256
    for value in range(1, 256):
        low_bit = (value & -value).bit_length() - 1
        table[value] = table[value & (value - 1)] ^ columns[low_bit]
    return tuple(table)


@functools.lru_cache(maxsize=4)
def zero_shift(length: int) -> ZeroShift:
    """The (cached) :class:`ZeroShift` for messages of ``length`` bytes."""
    return ZeroShift(length)
