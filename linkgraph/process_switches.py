"""Process-wide switches, in one place, each with its one reason.

Three things change the whole process, not one connection or one object, so they are set here only, for the
length of a `with` block, and put back on leaving:

- `collector_paused` - Python's cycle collector off (`gc.disable`) while millions of rows or edge dicts are
  made: none form cycles, and the collector would rescan them over and over (about a third of the time of a
  big graph build).
- `reused_memory` - glibc keeps freed memory in its heap (`mallopt`), and Arrow allocates through glibc
  (`pa.set_memory_pool`): a million-row import builds and drops hundreds of megabytes of arrays batch after
  batch, and by default glibc returns large freed blocks to the system and Arrow's allocator (mimalloc) purges
  freed pages, so the next batch faults in fresh pages the kernel must zero first (on a small VM about a fifth
  of the CPU an import used). On leaving, the Arrow pool is put back and the heap trimmed, so a long-lived
  process (the desktop app) does not keep the import's peak. Elsewhere than glibc only the Arrow pool is
  switched.
- `hand_back` - the heap's free pages given back (`malloc_trim`) between the batches of a file read in batches,
  once the process holds more than a budget: reuse alone lets the scattered free space grow batch by batch.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
import platform
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

# mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2
_M_MMAP_THRESHOLD = -3
_HEAP_BLOCK_LIMIT = 32 << 20          # glibc's largest mmap threshold on 64-bit: bigger blocks are always mapped
_TOP_PAD = 64 << 20                   # the heap grows in steps this big
_KEEP_ALL = (1 << 31) - 1             # trim threshold: never trim while importing
_DEFAULT_THRESHOLD = 128 << 10        # glibc's defaults for trim and mmap thresholds

_lock = threading.Lock()
_depth = 0


@cache
def _glibc() -> ctypes.CDLL | None:
    """The C library when it is glibc (mallopt and malloc_trim exist there), else None."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        return libc
    except (OSError, AttributeError):
        return None


def _system_pool() -> object | None:
    import pyarrow as pa  # here, not at the top: the graph code imports this module and needs no Arrow

    try:
        return pa.system_memory_pool()
    except (NotImplementedError, pa.ArrowNotImplementedError):
        return None


def resident_bytes() -> int | None:
    """This process's resident memory now (Linux), else None."""
    try:
        with open("/proc/self/statm", "rb") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def hand_back(above: int | None = None) -> None:
    """Give the free pages of glibc's heap back to the system when the process holds more than `above` bytes
    (between the batches of a file read in batches: the heap's free space is scattered between blocks still in
    use, so reuse alone lets it grow batch by batch; handing back every time would fault the pages in again
    for the next batch). Nothing elsewhere than glibc."""
    libc = _glibc()
    if libc is None:
        return
    if above is not None:
        resident = resident_bytes()
        if resident is not None and resident <= above:
            return
    libc.malloc_trim(0)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off while the block runs (see the module note); on again after if it was on."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


@contextmanager
def reused_memory() -> Iterator[None]:
    """Keep freed memory for reuse while the block runs (nested uses share one setting); trims on leaving."""
    import pyarrow as pa

    global _depth
    with _lock:
        _depth += 1
        first = _depth == 1
        libc = _glibc()
        saved_pool = pa.default_memory_pool()
        system = _system_pool() if first else None
        if first:
            if libc is not None:
                libc.mallopt(_M_MMAP_THRESHOLD, _HEAP_BLOCK_LIMIT)
                libc.mallopt(_M_TRIM_THRESHOLD, _KEEP_ALL)
                libc.mallopt(_M_TOP_PAD, _TOP_PAD)
            if system is not None:
                pa.set_memory_pool(system)
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if first:
                if system is not None:
                    pa.set_memory_pool(saved_pool)
                if libc is not None:
                    libc.mallopt(_M_TOP_PAD, 0)
                    libc.mallopt(_M_TRIM_THRESHOLD, _DEFAULT_THRESHOLD)
                    libc.mallopt(_M_MMAP_THRESHOLD, _DEFAULT_THRESHOLD)
                    libc.malloc_trim(0)
