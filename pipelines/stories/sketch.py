"""MinHash sketches of folded article text, and LSH band keys over them.

Two copies of one wire story share most of their word 3-shingles even after an outlet
edits a sentence, swaps the headline or adds its own boilerplate; two outlets writing
up the same event in their own words share few. The Jaccard similarity of shingle sets
separates the two, and MinHash estimates it from a fixed-size signature.

Band keys: the signature is cut into ``BANDS`` bands of ``ROWS`` values; two texts whose
signatures agree on a whole band share that band's key. With 32 bands of 4 rows, pairs
at Jaccard 0.5 share a key with probability 1-(1-0.5^4)^32 ≈ 0.87 and at 0.7 ≈ 0.9995,
while pairs at 0.2 do so with ≈ 0.05; candidates are then checked on the signature.
Looking up an article's candidates is one indexed query on its keys, never a scan.
"""
from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Sequence

import numpy as np

from pipelines.arabic import fold_text

SHINGLE = 3          # words per shingle
NUM_PERM = 128       # signature length
BANDS = 32
ROWS = NUM_PERM // BANDS
SKETCH_VERSION = f"minhash-w{SHINGLE}-p{NUM_PERM}-b{BANDS}"

_PRIME = np.uint64((1 << 61) - 1)
_MASK = np.uint64(0xFFFFFFFF)
# Fixed seed: signatures must be comparable across processes and runs.
_rng = np.random.default_rng(20261203)
_A = _rng.integers(1, (1 << 61) - 1, size=NUM_PERM, dtype=np.uint64)
_B = _rng.integers(0, (1 << 61) - 1, size=NUM_PERM, dtype=np.uint64)
_WORD_RE = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """Tokens of the folded text (letters and digits only; punctuation carries no signal)."""
    return _WORD_RE.findall(fold_text(text or ""))


def shingles(text: str, size: int = SHINGLE) -> set[str]:
    """Word ``size``-grams of the folded text (the words themselves for very short texts)."""
    toks = words(text)
    if len(toks) < size:
        return set(toks)
    return {" ".join(toks[i:i + size]) for i in range(len(toks) - size + 1)}


def signature(text: str) -> list[int]:
    """MinHash signature (``NUM_PERM`` ints below 2**32); empty for a text without words."""
    grams = shingles(text)
    if not grams:
        return []
    # crc32 is stable across processes (unlike hash()) and fast; 32 bits suffice here.
    x = np.fromiter((zlib.crc32(g.encode("utf-8")) for g in grams), dtype=np.uint64, count=len(grams))
    with np.errstate(over="ignore"):
        hv = (np.outer(x, _A) + _B) % _PRIME & _MASK
    return [int(v) for v in hv.min(axis=0)]


def band_keys(sig: Sequence[int]) -> list[str]:
    """One key per band: band number + digest of its rows."""
    if len(sig) != NUM_PERM:
        return []
    keys = []
    for b in range(BANDS):
        rows = ",".join(str(v) for v in sig[b * ROWS:(b + 1) * ROWS])
        keys.append(f"{b:02d}{hashlib.blake2b(rows.encode(), digest_size=8).hexdigest()}")
    return keys


def similarity(sig_a: Sequence[int], sig_b: Sequence[int]) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets."""
    if not sig_a or len(sig_a) != len(sig_b):
        return 0.0
    return sum(1 for a, b in zip(sig_a, sig_b, strict=False) if a == b) / len(sig_a)


def jaccard(text_a: str, text_b: str) -> float:
    """Exact Jaccard similarity of shingle sets (for tests and benchmarks)."""
    a, b = shingles(text_a), shingles(text_b)
    if not a and not b:
        return 0.0
    return len(a & b) / len(a | b)
