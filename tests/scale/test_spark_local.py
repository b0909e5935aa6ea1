"""Spark local mode on this machine: its Python workers run the driver's interpreter (the groups' betweenness
needs igraph there, which a `python3` from PATH may lack), and the CPU seconds an engine counts include the JVM's
and the workers' (they are child processes of the driver, still running while a step is timed)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from linkgraph.scale.engines import SparkEngine, local_worker_python, tree_cpu_seconds

# mapInPandas checks the pandas version and warns about pandas 3; the functions here build one-row frames.
pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")
LINUX_PROC = pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="the process tree is read from /proc")


def test_local_workers_run_the_drivers_python() -> None:
    """Unset, the workers' Python is the driver's own; a PYSPARK_PYTHON (or spark.pyspark.python) the user chose
    is kept; the session's conf and the environment PySpark reads name the same interpreter."""
    environ: dict[str, str] = {}
    assert local_worker_python(environ) == {"spark.pyspark.python": sys.executable}
    assert environ["PYSPARK_PYTHON"] == sys.executable
    chosen = {"PYSPARK_PYTHON": "/opt/python/bin/python3"}
    assert local_worker_python(chosen) == {"spark.pyspark.python": "/opt/python/bin/python3"}
    assert chosen["PYSPARK_PYTHON"] == "/opt/python/bin/python3"
    environ = {}
    assert local_worker_python(environ, {"spark.pyspark.python": "/srv/py"}) == {"spark.pyspark.python": "/srv/py"}
    assert environ["PYSPARK_PYTHON"] == "/srv/py"


def _worker_python(batches: Any) -> Any:
    """In a Python worker: which interpreter runs it, and whether igraph imports there."""
    import importlib.util
    import sys

    import pandas as pd

    for _ in batches:
        pass
    yield pd.DataFrame({"executable": [sys.executable], "prefix": [sys.prefix],
                        "igraph": [importlib.util.find_spec("igraph") is not None]})


def test_spark_workers_run_the_sessions_python(spark_session: Any) -> None:
    """The shared session (made by `spark_session`, the conftest setting no PYSPARK_PYTHON) starts its workers
    with the interpreter it names, in which igraph imports: the driver's own unless the user named another."""
    named = os.environ["PYSPARK_PYTHON"]
    assert spark_session.sparkContext.pythonExec == named
    assert spark_session.conf.get("spark.pyspark.python") == named
    rows = (spark_session.range(2, numPartitions=1)
            .mapInPandas(_worker_python, "executable string, prefix string, igraph boolean").collect())
    assert [row.executable for row in rows] == [named]
    assert rows[0].igraph
    if named == sys.executable:
        assert rows[0].prefix == sys.prefix


@LINUX_PROC
def test_tree_cpu_counts_a_running_child() -> None:
    """A child's CPU counts while it runs (getrusage(RUSAGE_CHILDREN) counts it only once it has ended)."""
    script = ("import time, sys\nend = time.process_time() + 0.6\nwhile time.process_time() < end: pass\n"
              "print('burnt', flush=True)\ntime.sleep(30)\n")
    ended = resource.getrusage(resource.RUSAGE_CHILDREN)
    before = tree_cpu_seconds()
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "burnt"
        counted = tree_cpu_seconds() - before
        still = resource.getrusage(resource.RUSAGE_CHILDREN)
    finally:
        child.kill()
        child.wait()
    assert counted >= 0.55
    assert still.ru_utime + still.ru_stime == ended.ru_utime + ended.ru_stime


@LINUX_PROC
def test_spark_local_cpu_counts_the_jvm(spark_session: Any, tmp_path: Path) -> None:
    """A SQL step that keeps the JVM busy: the engine's CPU seconds for it are the JVM's, far above the driver's."""
    engine = SparkEngine("local-spark", session=spark_session, scratch=tmp_path / "steps")
    driver = time.process_time()
    try:
        engine.arrow("SELECT SUM(CAST(xxhash64(id, id * 7) % 1000 AS BIGINT)) AS s FROM range(0, 40000000, 1, 2)")
    finally:
        engine.close()
    driver = time.process_time() - driver
    (_, _wall, cpu), = engine.spent.values()
    assert cpu >= 1.0
    assert cpu >= driver + 0.8


def _burn(batches: Any) -> Any:
    """In a Python worker: 0.8 s of CPU."""
    import time

    import pandas as pd

    for _ in batches:
        pass
    end = time.process_time() + 0.8
    while time.process_time() < end:
        pass
    yield pd.DataFrame({"done": [1]})


@LINUX_PROC
def test_spark_local_cpu_counts_the_python_workers(spark_session: Any) -> None:
    """A worker's CPU (a per-group Python call) counts while the worker lives on for the next task."""
    before, driver = tree_cpu_seconds(), time.process_time()
    spark_session.range(1, numPartitions=1).mapInPandas(_burn, "done int").collect()
    counted, driver = tree_cpu_seconds() - before, time.process_time() - driver
    assert counted >= driver + 0.7
