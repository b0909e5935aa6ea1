"""reused_memory: Arrow allocates through the system allocator inside (so glibc's kept heap serves it) and
goes back to its own pool afterwards, also after an error and when nested."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from linkgraph.process_switches import reused_memory


def test_arrow_uses_the_system_pool_inside_and_its_own_after() -> None:
    before = pa.default_memory_pool().backend_name
    with reused_memory():
        assert pa.default_memory_pool().backend_name == "system"
        with reused_memory():                       # nested: still the system pool, not restored early
            assert pa.default_memory_pool().backend_name == "system"
        assert pa.default_memory_pool().backend_name == "system"
        made = pc.binary_join_element_wise(pa.array(["a"] * 1000), pa.array(["b"] * 1000), "-")
    assert pa.default_memory_pool().backend_name == before
    assert made[999].as_py() == "a-b"               # an array made inside outlives the block


def test_an_error_inside_still_restores_the_pool() -> None:
    before = pa.default_memory_pool().backend_name
    with pytest.raises(RuntimeError), reused_memory():
        raise RuntimeError("import failed")
    assert pa.default_memory_pool().backend_name == before


def test_an_import_runs_inside_it(tmp_path, monkeypatch) -> None:
    """import_file keeps memory for reuse while it runs (the phone benchmark's batches depend on it)."""
    import importers
    from importers.options import ImportOptions
    from linkgraph.case import CaseFile

    seen: list[str] = []

    def fake_import(case, path, options, progress):
        seen.append(pa.default_memory_pool().backend_name)
        return "done"

    class Module:
        import_file = staticmethod(fake_import)

    monkeypatch.setattr(importers, "kind_module", lambda kind: Module)
    path = tmp_path / "calls.csv"
    path.write_text("From,To\n2095550100,2095550101\n", encoding="utf-8")
    with CaseFile.create(tmp_path / "case.lgcase", name="T", timezone="UTC", region="US") as case:
        assert importers.import_file(case, path, ImportOptions(kind="phone")) == "done"
    assert seen == ["system"]
