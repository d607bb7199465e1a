"""What the in-memory indexes of a sole writer share (``known_index``, the incidents'
``key_index``, the stories' ``band_index``).

Each holds a copy of some of the store's keys, read once and then kept in step by the
writer's own writes. A copy that may no longer match the store is worse than none: when
anything fails between the read and the end of the write it is dropped whole, and read
again next time.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class MemoryIndex(Protocol):
    def load(self, db: Any) -> None: ...
    def reset(self) -> None: ...


def with_index(index: MemoryIndex | None, db: Any, work: Callable[[Any], T]) -> T:
    """``work(index)`` with ``index`` loaded from ``db`` first; ``work(None)`` when there
    is none. On any failure the index is reset before the error goes on."""
    if index is None:
        return work(None)
    try:
        index.load(db)
        return work(index)
    except BaseException:
        index.reset()
        raise


def drop_member(table: dict[Any, Any], key: Any, member: Any) -> None:
    """Take ``member`` out of the set or list ``table[key]``; the key goes when it is empty."""
    members = table.get(key)
    if members is None:
        return
    if isinstance(members, set):
        members.discard(member)
    elif member in members:
        members.remove(member)
    if not members:
        del table[key]
