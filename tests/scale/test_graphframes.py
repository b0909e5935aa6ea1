"""The GraphFrames adapter: absent (no jar, or DuckDB) it is not used; present, its components are brought to
the SQL implementation's labels. CI cannot fetch the jar, so GraphFrames is stood in for by a class that
answers as GraphFrames does (a component id per vertex, not the smallest vertex id) built from the SQL result."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from linkgraph.scale import graphframes
from linkgraph.scale.analyses import RunParams, RunReport, components
from linkgraph.scale.engines import DuckDBEngine, SparkEngine

TIES = pa.table({"a": pa.array([1, 2, 4, 6, 7], pa.int64()), "b": pa.array([2, 3, 5, 7, 8], pa.int64()),
                 "weight": pa.array([1.0] * 5)})


def _load(engine: Any) -> None:
    engine.register("ties", TIES)
    engine.run("arcs", "arcs")
    engine.run("degree", "degree")


def test_not_available_on_duckdb_or_without_the_jar(spark_session: Any) -> None:
    duck = DuckDBEngine()
    _load(duck)
    report = RunReport()
    components(duck, RunParams(graphframes=True), report)
    assert "components by SQL" in report.notes[0]
    assert graphframes.available(duck) is False
    assert graphframes.available(SparkEngine(session=spark_session)) is False      # CI's Spark has no jar
    got = {r["id"]: r["label"] for r in duck.arrow("SELECT * FROM components").to_pylist()}
    assert got == {1: 1, 2: 1, 3: 1, 4: 4, 5: 4, 6: 6, 7: 6, 8: 6}
    duck.close()


class FakeGraphFrame:
    """Answers connectedComponents as GraphFrames does: a long component id per vertex (here: 1000 + the
    largest member, so a result taken as it comes would differ from the SQL labels)."""

    def __init__(self, vertices: Any, edges: Any) -> None:
        self.spark = vertices.sparkSession

    def connectedComponents(self) -> Any:   # noqa: N802  # GraphFrames' own name
        return self.spark.sql("SELECT id, 1000 + MAX(id) OVER (PARTITION BY label) AS component FROM sql_components")


def test_adapter_normalises_to_the_sql_labels(spark_session: Any) -> None:
    engine = SparkEngine(session=spark_session)
    try:
        _load(engine)
        components(engine, RunParams(), RunReport())
        expected = {r["id"]: r["label"] for r in engine.arrow("SELECT * FROM components").to_pylist()}
        engine.alias("sql_components", "components")
        graphframes.components(engine, graphframe_class=FakeGraphFrame)
        got = {r["id"]: r["label"] for r in engine.arrow("SELECT * FROM components").to_pylist()}
        assert got == expected
    finally:
        engine.close()
