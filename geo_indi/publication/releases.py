"""Publication releases: the published tables stored in the database, refreshed stale-while-revalidate.

A release freezes the counts of one year's tables together with the hidden pattern computed for
them (models.PublishedRelease), so every server process serves the same numbers and a restart
does not recompute anything. tables.year_tables decides when a release is served, refreshed in
the background or computed at once; this module stores and loads releases, holds the
PostgreSQL advisory lock that lets one process compute a key at a time, and enqueues the
background refreshes (run by the worker, geo_indi/jobs).
"""
import hashlib
import io
import struct
import sys
import threading
import zlib
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from django.db import DEFAULT_DB_ALIAS, connection, transaction

from .models import PublishedRelease


# Counts and pattern frozen together: records and occurrences of the same cells, and the one pattern hiding both.
ARRAYS = ("persons", "objects", "hidden", "person_occurrences", "object_occurrences")
LOCK_NAMESPACE = "geo_indi.publication.release"


@dataclass(frozen=True)
class Key:
    year: int
    k: int
    complementary: bool
    structure_digest: str

    def lock_id(self):
        """A signed 64-bit advisory lock id for this year, k and rule (any structure: one computation at a time)."""
        text = f"{LOCK_NAMESPACE}:{self.year}:{self.k}:{int(self.complementary)}"
        return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big", signed=True)


def digest(parts):
    """Hex SHA-256 of strings and numpy arrays, in order."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else np.ascontiguousarray(part).tobytes())
    return h.hexdigest()


# The payload: zlib of a little-endian byte layout that needs no parser (np.load parses each .npy header
# with ast.literal_eval, which CPython < 3.11.8 can corrupt across threads, gh-106905: a 500 under gthread).
#   MAGIC, uint32 groups; per group uint32 arrays; per array 4-byte dtype ("<i8 ", "|b1 "), uint32 ndim,
#   uint64 × ndim shape, then the array's bytes in C order.
MAGIC = b"GIR1"
_DTYPES = {"<i8", "<i4", "<f8", "|b1", "|u1", "<u4", "<u8"}


def encode(arrays):
    """arrays: [(persons, objects, hidden, person occurrences, object occurrences)] per group, in the structure's group order."""
    parts = [MAGIC, struct.pack("<I", len(arrays))]
    for group in arrays:
        parts.append(struct.pack("<I", len(group)))
        for array in group:
            array = np.ascontiguousarray(array)
            if array.dtype.byteorder == ">" or (array.dtype.byteorder == "=" and sys.byteorder == "big"):
                array = array.astype(array.dtype.newbyteorder("<"))
            code = array.dtype.str
            if code not in _DTYPES:
                raise ValueError(f"release arrays of dtype {code} are not stored")
            parts += [code.encode().ljust(4), struct.pack(f"<I{array.ndim}Q", array.ndim, *array.shape),
                      array.tobytes()]
    return zlib.compress(b"".join(parts), 6)


def decode(payload, n_groups):
    """The arrays of encode(), read with struct and np.frombuffer only (safe on any number of threads)."""
    data = bytes(payload)
    if data[:2] == b"PK":  # a release stored before this format (np.savez_compressed)
        return _decode_npz(data, n_groups)
    raw = zlib.decompress(data)
    if raw[:4] != MAGIC:
        raise ValueError("not a release payload")
    (groups,), offset = struct.unpack_from("<I", raw, 4), 8
    if groups != n_groups:
        raise ValueError(f"the release has {groups} groups, the structure {n_groups}")
    result = []
    for _group in range(groups):
        (count,), offset = struct.unpack_from("<I", raw, offset), offset + 4
        group = []
        for _array in range(count):
            dtype = np.dtype(raw[offset:offset + 4].decode().strip())
            (ndim,) = struct.unpack_from("<I", raw, offset + 4)
            shape = struct.unpack_from(f"<{ndim}Q", raw, offset + 8)
            offset += 8 + 8 * ndim
            size = dtype.itemsize * int(np.prod(shape, dtype=np.int64))
            group.append(np.frombuffer(raw, dtype=dtype, count=size // dtype.itemsize, offset=offset)
                         .reshape(shape).copy())
            offset += size
        result.append(tuple(group))
    return result


_npz_lock = threading.Lock()


def _decode_npz(data, n_groups):
    """Releases of the old format until they are refreshed: np.load one thread at a time (gh-106905)."""
    with _npz_lock, np.load(io.BytesIO(data), allow_pickle=False) as stored:
        return [tuple(stored[f"g{i}_{name}"] for name in ARRAYS if f"g{i}_{name}" in stored.files)
                for i in range(n_groups)]


def latest(key):
    return (PublishedRelease.objects
            .filter(year=key.year, k=key.k, complementary=key.complementary, structure_digest=key.structure_digest)
            .order_by("-computed_at", "-id").first())


def save(key, data_digest, computed_at, arrays, frozen=False, reason=""):
    """Store a release and delete the older ones of its year, k and rule (an older structure is never served again).
    frozen: the release of a closed year (tables.closed), reason: an administrator's for republishing one.

    On the primary by name: a release is not the viewer's write, so a map request that stores one
    keeps reading from the replica (core/db_routers.py)."""
    stored = PublishedRelease.objects.using(DEFAULT_DB_ALIAS)
    with transaction.atomic(using=DEFAULT_DB_ALIAS):
        release = stored.create(
            year=key.year, k=key.k, complementary=key.complementary, structure_digest=key.structure_digest,
            data_digest=data_digest, computed_at=computed_at, payload=encode(arrays), frozen=frozen, reason=reason)
        (stored.filter(year=key.year, k=key.k, complementary=key.complementary)
         .exclude(pk=release.pk).filter(computed_at__lte=computed_at).delete())
    return release


def freeze(release):
    """The release served when its year closed becomes the year's frozen release, unchanged."""
    PublishedRelease.objects.using(DEFAULT_DB_ALIAS).filter(pk=release.pk).update(frozen=True)
    release.frozen = True


@contextmanager
def computing(key, wait):
    """Hold the key's advisory lock on this thread's connection; yields False when another session holds it
    and `wait` is false."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_lock(%s)" if wait else "SELECT pg_try_advisory_lock(%s)", [key.lock_id()])
        held = wait or cur.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s)", [key.lock_id()])


def refresh_in_background(key, year, k):
    """Enqueue the refresh of the key's year for the worker (geo_indi/jobs, task refresh_release), unless one
    is already waiting. Returns the job's id, or None when one was waiting."""
    from geo_indi.jobs.queue import defer

    return defer("refresh_release", queueing_lock=f"refresh_release:{key.year}:{key.k}:{int(key.complementary)}",
                 year=year, k=k)
