"""The PySide6 desktop app: views only; every computation is a call into `linkgraph` or `importers`.

On CPython before 3.12, importing `ui` first makes None, True and False effectively immortal (as
3.12 does for every interpreter). PySide6 6.12.0 drops a reference to None each time an empty
QVariant is read back (item.data(), combo.currentData()) and to True on every Python-side signal
emit; with mortal singletons that ends, after some thousands of calls, in "Fatal Python error:
none_dealloc / bool_dealloc" and the app dies without a word. Raising their counts by 2**40 keeps
them alive for any realistic session; on 3.12+ nothing is done.
"""

from __future__ import annotations

import ctypes
import sys


def _immortal_singletons() -> None:
    """Give None, True and False a reference count no leak of PySide's can bring to zero."""
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return
    for singleton in (None, True, False):
        ctypes.c_ssize_t.from_address(id(singleton)).value += 1 << 40


_immortal_singletons()
