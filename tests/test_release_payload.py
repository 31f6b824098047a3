"""The release payload (publication/releases.py encode/decode) read on many threads at once.

np.load parses each .npy header with ast.literal_eval; in CPython before 3.11.8 the parser's recursion
counter is shared by all threads, and a garbage collection inside one thread's parse corrupts another's
(gh-106905: "SystemError: AST constructor recursion depth mismatch", a 500 under gthread workers). The
payload is now read with struct and np.frombuffer only."""
import gc
import sys
import threading

import numpy as np
import pytest

from geo_indi.publication import releases

THREADS = 8
# The threaded read is repeated ROUNDS times in a row (issue 24: "passes 100 times in a row"), each round with
# fresh threads released at once by a barrier; READS per thread keeps the whole test to a few seconds.
ROUNDS = 100
READS = 5


class Finalised:
    """Garbage whose collection runs Python code (__del__): the moment another thread can run mid-parse."""

    def __del__(self):
        sum(range(200))


def sample_arrays(groups=4, areas=300, columns=12):
    rng = np.random.default_rng(7)
    return [(rng.integers(0, 40, size=(areas, columns)), rng.integers(0, 9, size=(areas, columns)),
             rng.random((areas, columns)) < 0.2) for _ in range(groups)]


def test_encode_decode_round_trip_keeps_dtype_shape_and_values():
    arrays = sample_arrays() + [(np.zeros((0, 3), dtype=np.int64), np.zeros((0, 3), dtype=np.int64),
                                 np.zeros((0, 3), dtype=bool))]
    decoded = releases.decode(releases.encode(arrays), len(arrays))
    assert len(decoded) == len(arrays)
    for group, back in zip(arrays, decoded):
        for array, read in zip(group, back):
            assert read.dtype == array.dtype and read.shape == array.shape and np.array_equal(read, array)
            assert read.flags.writeable


def test_a_payload_of_another_structure_is_refused():
    payload = releases.encode(sample_arrays(groups=2))
    with pytest.raises(ValueError, match="2 groups, the structure 3"):
        releases.decode(payload, 3)


def threaded_round(payload, arrays):
    """THREADS threads started together each decode the payload READS times among cyclic garbage with
    finalizers; returns the failures."""
    errors, start = [], threading.Barrier(THREADS)

    def read():
        start.wait()
        for _ in range(READS):
            try:
                a, b = Finalised(), Finalised()  # a cycle for the collector, with finalizers
                a.other, b.other = b, a
                del a, b
                decoded = releases.decode(payload, len(arrays))
                assert all(np.array_equal(x, y) for g, h in zip(arrays, decoded) for x, y in zip(g, h))
            except Exception as exc:  # noqa: BLE001 - every failure counts
                errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=read) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_releases_decode_on_many_threads_while_the_garbage_collector_runs_100_rounds_in_a_row():
    arrays = sample_arrays()
    payload = releases.encode(arrays)
    threshold, interval = gc.get_threshold(), sys.getswitchinterval()
    gc.set_threshold(1)
    sys.setswitchinterval(1e-5)
    failed = {}
    try:
        for number in range(ROUNDS):
            errors = threaded_round(payload, arrays)
            if errors:
                failed[number] = errors
    finally:
        gc.set_threshold(*threshold)
        sys.setswitchinterval(interval)
    assert not failed, (f"{len(failed)} of {ROUNDS} rounds failed ({THREADS} threads x {READS} reads each), "
                        f"e.g. round {min(failed)}: {failed[min(failed)][:3]}")


@pytest.mark.django_db
def test_a_stored_release_reads_back_and_an_old_npz_release_still_reads(record):
    import io

    from django.utils import timezone

    from geo_indi.publication.models import PublishedRelease

    arrays = sample_arrays(groups=2, areas=5, columns=3)
    key = releases.Key(2025, 5, True, "s" * 64)
    releases.save(key, "d" * 64, timezone.now(), arrays)
    stored = PublishedRelease.objects.get(year=2025)
    assert bytes(stored.payload)[:2] != b"PK"
    for group, back in zip(arrays, releases.decode(stored.payload, 2)):
        assert all(np.array_equal(a, b) for a, b in zip(group, back))
    old = io.BytesIO()  # the form releases had before: np.savez_compressed
    np.savez_compressed(old, **{f"g{i}_{name}": a for i, group in enumerate(arrays)
                                for name, a in zip(releases.ARRAYS, group)})
    for group, back in zip(arrays, releases.decode(old.getvalue(), 2)):
        assert all(np.array_equal(a, b) for a, b in zip(group, back))
