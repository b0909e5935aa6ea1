"""One engine interface, two engines: DuckDB in-process (one big server; CI's fast reference) and Apache Spark
(local mode, a standalone/YARN/Kubernetes master `spark://...`, or a Spark Connect endpoint `sc://...`).

Both run the same SQL files (`linkgraph/scale/sql/*.sql`): plain SELECTs written in the common subset
of DuckDB and Spark SQL (LEAST/GREATEST, window functions, CAST, no dialect casts). Python and the
engines exchange Arrow tables only (PySpark's pandas conversions warn under pandas 3 and copy twice).
"""

from __future__ import annotations

import os
import re
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pyarrow as pa

from linkgraph.scale import ScaleError, need

_PARAM = re.compile(r"\{([a-z_]+)\}")


def sql_text(name: str, **params: Any) -> str:
    """The SQL file `name` with its {parameters} filled (numbers and table names chosen by code only)."""
    text = resources.files("linkgraph.scale").joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in params:
            raise KeyError(f"{name}.sql needs the parameter {key}")
        value = params[key]
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise TypeError(f"{name}.sql: parameter {key} must be a number or a table name")
        if isinstance(value, str) and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
            raise ValueError(f"{name}.sql: {key}={value!r} is not a table name")
        return f"CAST({float(value)!r} AS DOUBLE)" if isinstance(value, float) else str(value)

    body = "\n".join(line.split("--", 1)[0] if "--" in line else line for line in text.splitlines())
    return _PARAM.sub(fill, body).strip().rstrip(";")


def query_label(sql: str) -> str:
    """A short name for a query asked outside a SQL file (its first words), for the time spent per query."""
    return "query " + " ".join(sql.split())[:60]


def _descendants(pid: int) -> list[int]:
    """The live descendants of `pid` (Linux /proc: each thread's `children` file, else every process's parent)."""
    found: list[int] = []
    todo = [pid]
    by_parent: dict[int, list[int]] | None = None
    while todo:
        parent = todo.pop()
        kids: list[int] = []
        try:
            for task in os.listdir(f"/proc/{parent}/task"):
                with open(f"/proc/{parent}/task/{task}/children", encoding="ascii") as listed:
                    kids.extend(int(k) for k in listed.read().split())
        except FileNotFoundError:
            if not os.path.exists(f"/proc/{parent}"):
                continue                 # the process has gone
            if by_parent is None:        # a kernel without the children files: one pass over every process
                by_parent = {}
                for entry in os.listdir("/proc"):
                    if entry.isdigit():
                        stat = _proc_stat(int(entry))
                        if stat is not None:
                            by_parent.setdefault(int(stat[1]), []).append(int(entry))
            kids = by_parent.get(parent, [])
        except OSError:
            continue
        found.extend(kids)
        todo.extend(kids)
    return found


def _proc_stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat from the state on (index 0 = state, 1 = parent, 11-14 = CPU ticks), or None."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            text = stat.read()
    except OSError:
        return None
    return text[text.rfind(")") + 2:].split()      # the command name in parentheses may hold spaces


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") and "SC_CLK_TCK" in os.sysconf_names else 100


def tree_cpu_seconds() -> float:
    """CPU seconds (user + system) of this process and every descendant, live or ended: this process's threads,
    and on Linux its children's own and their ended children's (a local Spark's JVM and its Python workers, which
    `resource.getrusage(RUSAGE_CHILDREN)` counts only once they have ended). Elsewhere, this process and its ended
    children."""
    own = os.times()
    total = time.process_time() + own.children_user + own.children_system
    if not os.path.isdir("/proc/self/task"):
        return total
    ticks = 0
    for pid in _descendants(os.getpid()):
        stat = _proc_stat(pid)
        if stat is not None and len(stat) > 14:
            ticks += sum(int(v) for v in stat[11:15])   # utime, stime, cutime, cstime
    return total + ticks / _TICK


GROUP_BATCH_ROWS = 1 << 20      # rows per Arrow batch when DuckDB feeds groups to Python


@dataclass(frozen=True)
class GroupFeed:
    """One per-group Python computation as each engine calls it (see `Engine.per_group`): `batches` takes an
    Arrow RecordBatchReader ordered by the group key and returns the answer's Arrow table; `in_pandas` takes one
    group's pandas DataFrame and returns its answer's; `spark_schema` is the answer's schema (DDL)."""

    batches: Callable[[pa.RecordBatchReader], pa.Table]
    in_pandas: Callable[[Any], Any]
    spark_schema: str


@dataclass
class Engine:
    """What every engine does: tables in, SQL over them, Arrow out. Subclasses fill in the four verbs."""

    name: str
    spec: str
    tables: set[str] = field(default_factory=set)
    # Seconds spent per SQL file (or per table made / query asked outside one): label -> [calls, seconds, CPU
    # seconds of this process tree: this process's threads (DuckDB's work) and its descendants (a local Spark's
    # JVM and Python workers; a cluster's executors are not counted)].
    spent: dict[str, list[float]] = field(default_factory=dict)
    _timing: bool = field(default=False, repr=False)

    @contextmanager
    def timed(self, label: str) -> Iterator[None]:
        """Count the time of the engine work inside under `label` (the outermost label wins: a SQL file's
        materialise is counted under the file's name, not twice)."""
        if self._timing:
            yield
            return
        self._timing = True
        clock, cpu = time.perf_counter(), tree_cpu_seconds()
        try:
            yield
        finally:
            self._timing = False
            entry = self.spent.setdefault(label, [0, 0.0, 0.0])
            entry[0] += 1
            entry[1] += time.perf_counter() - clock
            entry[2] += tree_cpu_seconds() - cpu

    def register(self, name: str, table: pa.Table) -> None:
        """A small Arrow table (chains, candidates, a super-graph's answer) as the table `name`."""
        raise NotImplementedError

    def load_parquet(self, name: str, directory: Path, push_ids: list[str]) -> None:
        """The Parquet files under `directory` (hive-partitioned) of these pushes, as the table `name`."""
        raise NotImplementedError

    def materialise(self, name: str, sql: str, *, count: bool = False, marked: str | None = None) -> int:
        """Compute `sql` once and keep it as the table `name` (iterations read the last step, not its lineage);
        returns its row count when `count`, or the number of its rows whose column `marked` is not null (an
        iteration's step marks the rows it moved: on Spark both come from the written files' footers, no job);
        -1 otherwise."""
        raise NotImplementedError

    def alias(self, name: str, source: str) -> None:
        """Let `name` stand for the table `source` as it is now (no copy)."""
        raise NotImplementedError

    def arrow(self, sql: str) -> pa.Table:
        """The result of `sql` as an Arrow table (for small results only: it comes to the driver)."""
        raise NotImplementedError

    def write_parquet(self, sql: str, path: Path) -> None:
        """Write the result of `sql` as one Parquet file at `path` (the run's results)."""
        pa_table = self.arrow(sql)
        import pyarrow.parquet as pq

        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa_table, path)

    def per_group(self, name: str, sql: str, key: str, feed: GroupFeed) -> int:
        """Materialise as `name` one Python call per group of the rows of `sql` (grouped by the column `key`):
        on Spark `feed.in_pandas` through `groupBy(key).applyInPandas` (the rows go to the Python workers as
        Arrow), elsewhere `feed.batches` over the rows as Arrow batches ordered by `key`. Returns the row count."""
        raise NotImplementedError

    def run(self, name: str, sql_file: str, *, count: bool = False, marked: str | None = None, **params: Any) -> int:
        """Materialise the SQL file `sql_file` as `name` (its row count when `count`, its rows marked in the
        column `marked` when given)."""
        with self.timed(sql_file):
            return self.materialise(name, sql_text(sql_file, **params), count=count, marked=marked)

    def ask(self, sql_file: str, **params: Any) -> Any:
        """The one value the SQL file `sql_file` computes (a count, a sum)."""
        with self.timed(sql_file):
            return self.scalar(sql_text(sql_file, **params))

    def scalar(self, sql: str) -> Any:
        table = self.arrow(sql)
        return table.column(0)[0].as_py() if table.num_rows else None

    def versions(self) -> dict[str, str]:
        raise NotImplementedError

    def close(self) -> None:
        """Release the engine (a shared Spark session stays up for its owner)."""


class DuckDBEngine(Engine):
    """DuckDB in this process: exact, fast on one machine, spills to disk beyond memory."""

    def __init__(self, spec: str = "duckdb", *, memory_limit: str | None = None, threads: int | None = None,
                 temp_directory: str | None = None) -> None:
        need("duckdb", "the DuckDB engine")
        import duckdb

        super().__init__(name="duckdb", spec=spec)
        self.db = duckdb.connect(":memory:")
        if memory_limit:
            self._exec(f"SET memory_limit = '{memory_limit}'")
        if threads:
            self._exec(f"SET threads = {int(threads)}")
        if temp_directory:
            self._exec("SET temp_directory = ?", [temp_directory])
        self._exec("SET preserve_insertion_order = false")
        self._exec("SET enable_progress_bar = false")    # a long query printed its bar on the run's output
        # Spark SQL's name for a regular-expression search, so the indicator rules' SQL is one text on both.
        self._exec("CREATE OR REPLACE TEMP MACRO regexp_like(s, p) AS regexp_matches(s, p)")

    def _exec(self, sql: str, args: list[Any] | None = None) -> list[tuple]:
        """Run a statement to its end (DuckDB 2 refuses new work while a result is unread)."""
        result = self.db.execute(sql, args) if args is not None else self.db.execute(sql)
        return result.fetchall()

    def register(self, name: str, table: pa.Table) -> None:
        self.db.register(f"_arrow_{name}", table)
        self._exec(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _arrow_{name}")
        self.db.unregister(f"_arrow_{name}")
        self.tables.add(name)

    def load_parquet(self, name: str, directory: Path, push_ids: list[str]) -> None:
        files = sorted(str(p) for p in Path(directory).rglob("*.parquet"))
        if not files:
            raise ScaleError(f"no Parquet files under {directory}")
        listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
        pushes = ", ".join("'" + p.replace("'", "''") + "'" for p in push_ids)
        self._exec(
            f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet([{listed}], hive_partitioning = true, "
            f"union_by_name = true) WHERE push_id IN ({pushes})")
        self.tables.add(name)

    def materialise(self, name: str, sql: str, *, count: bool = False, marked: str | None = None) -> int:
        with self.timed(f"table {name}"):
            self._exec(f"CREATE OR REPLACE TABLE {name} AS {sql}")
            self.tables.add(name)
            if marked:
                return int(self._exec(f"SELECT COUNT({marked}) FROM {name}")[0][0])
            return int(self._exec(f"SELECT COUNT(*) FROM {name}")[0][0]) if count else -1

    def alias(self, name: str, source: str) -> None:
        self._exec(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM {source}")
        self.tables.add(name)

    def arrow(self, sql: str) -> pa.Table:
        with self.timed(query_label(sql)):
            result = self.db.sql(sql)
            for name in ("to_arrow_table", "fetch_arrow_table", "arrow"):   # DuckDB 2 renamed the verb
                if hasattr(result, name):
                    table = getattr(result, name)()
                    return table.read_all() if isinstance(table, pa.RecordBatchReader) else table
        raise ScaleError("this DuckDB cannot return Arrow tables")

    def per_group(self, name: str, sql: str, key: str, feed: GroupFeed) -> int:
        with self.timed(f"table {name}"):
            ordered = self.db.sql(f"SELECT * FROM ({sql}) ORDER BY {key}")
            verb = "to_arrow_reader" if hasattr(ordered, "to_arrow_reader") else "fetch_record_batch"  # DuckDB 2's name
            reader = getattr(ordered, verb)(GROUP_BATCH_ROWS)
            table = feed.batches(reader)
            self.register(name, table)
            return table.num_rows

    def write_parquet(self, sql: str, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with self.timed(f"write {path.name}"):
            self._exec(f"COPY ({sql}) TO '{str(path).replace(chr(39), chr(39) * 2)}' (FORMAT parquet)")

    def versions(self) -> dict[str, str]:
        import duckdb

        return {"engine": "duckdb", "duckdb": duckdb.__version__}

    def close(self) -> None:
        self.db.close()


# ---- Spark -------------------------------------------------------------------------------------------------
PANDAS_WARNING = "PySpark does not yet fully support pandas"
LOCAL_CONF = {
    # Loopback only: a laptop or CI runner never listens on a public interface.
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.default.parallelism": "2",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.session.timeZone": "UTC",
    # Shuffle files and broadcasts of finished queries are freed when the JVM collects their objects: collect
    # every minute rather than every 30 (an iterative run makes thousands of queries).
    "spark.cleaner.periodicGC.interval": "1min",
    # The JIT's top tier and the parallel collector cost more than they give on short jobs (start ~10-15 s).
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
    # The status store keeps every query's plan and per-task metrics for a UI that is off; an iterative run makes
    # thousands of queries, so keep only the last few.
    "spark.sql.ui.retainedExecutions": "20",
    "spark.ui.retainedJobs": "50",
    "spark.ui.retainedStages": "50",
    "spark.ui.retainedTasks": "1000",
    # Results that come to the driver as Arrow (scores per entity, ties) may pass Spark's 1 GB default.
    "spark.driver.maxResultSize": "4g",
}


def local_memory() -> str:
    """The heap of a local-mode session: a quarter of this machine's memory, 1 to 8 GB ($LINKGRAPH_SPARK_MEMORY
    overrides). In local mode the driver JVM runs every task; Spark's default of 1 GB spent 80% of a million-call
    run in full garbage collections before failing (the iterations' checkpointed steps and the shuffles of the
    records share that heap)."""
    chosen = os.environ.get("LINKGRAPH_SPARK_MEMORY")
    if chosen:
        return chosen
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return "2g"
    return f"{max(1, min(8, total // 4 // 2**30))}g"


def local_worker_python(environ: Any = os.environ, conf: dict[str, str] | None = None) -> dict[str, str]:
    """The Python a local session's workers run (the groups' betweenness calls igraph there): the one named by
    $PYSPARK_PYTHON or the conf's spark.pyspark.python, else the driver's own interpreter. Spark's default is
    `python3` from PATH, which may lack igraph, numpy or pyarrow (a million-call run died at the groups'
    betweenness so). Sets $PYSPARK_PYTHON in `environ` (PySpark reads it as the session starts) and returns
    the conf that names the same interpreter."""
    chosen = environ.get("PYSPARK_PYTHON") or (conf or {}).get("spark.pyspark.python") or sys.executable
    environ["PYSPARK_PYTHON"] = chosen
    return {"spark.pyspark.python": chosen}


def spark_session(spec: str = "local-spark", *, conf: dict[str, str] | None = None) -> Any:
    """A Spark session for `spec`: 'local-spark' (local[2] on loopback), 'spark://host:7077' (a standalone
    master; yarn and k8s:// masters likewise) or 'sc://host:15002' (Spark Connect). A local session's Python
    workers run the driver's interpreter (`local_worker_python`); a cluster's run what its deployment names
    (spark.pyspark.python or $PYSPARK_PYTHON on the executors: a Python with igraph, numpy, pandas and pyarrow)."""
    need("pyspark", "the Spark engine")
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("linkgraph-cluster-run")
    if spec.startswith("sc://"):
        return builder.remote(spec).getOrCreate()
    if spec == "local-spark" or spec.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        master = "local[2]" if spec == "local-spark" else spec
        settings = {**LOCAL_CONF, "spark.driver.memory": local_memory(), **local_worker_python(os.environ, conf)}
    else:
        master = spec
        settings = {"spark.sql.execution.arrow.pyspark.enabled": "true", "spark.sql.session.timeZone": "UTC"}
    settings.update(conf or {})
    builder = builder.master(master)
    for key, value in settings.items():
        builder = builder.config(key, value)
    with warnings.catch_warnings():
        # Starting a session imports pyspark.testing, whose import checks the pandas version and warns about
        # pandas 3; nothing here converts through pandas (Python and Spark exchange Arrow only).
        warnings.filterwarnings("ignore", message=PANDAS_WARNING, category=FutureWarning)
        return builder.getOrCreate()


def _parquet_rows(folder: Path, marked: str | None = None) -> int | None:
    """Rows of the Parquet files Spark wrote in `folder` (or those whose column `marked` is not null), from
    their footers (no Spark job: an iteration asks this every round); None where the driver cannot see the
    folder or a footer lacks the column's null count."""
    import pyarrow.parquet as pq

    try:
        if not (folder / "_SUCCESS").exists():
            return None
        files = [f for f in folder.iterdir() if f.suffix == ".parquet" and not f.name.startswith((".", "_"))]
        total = 0
        for f in files:
            meta = pq.ParquetFile(f).metadata
            if marked is None:
                total += meta.num_rows
                continue
            column = meta.schema.names.index(marked)
            for group in range(meta.num_row_groups):
                stats = meta.row_group(group).column(column).statistics
                if stats is None or not stats.has_null_count:
                    return None
                total += meta.row_group(group).num_rows - stats.null_count
        return total
    except (OSError, ValueError):
        return None


class SparkEngine(Engine):
    """Spark SQL over DataFrames. Each materialised step is written as Parquet to a scratch folder and read back,
    so an iteration's plan stays one step long and nothing of earlier rounds stays in the JVM: a step's folder
    is deleted once no table name refers to it any more. (Local checkpoints did the first but not the second:
    their blocks lived until the JVM's cleaner noticed, and a million-call run filled a 5 GB heap with them.)"""

    def __init__(self, spec: str = "local-spark", *, session: Any = None, conf: dict[str, str] | None = None,
                 scratch: str | Path | None = None) -> None:
        super().__init__(name="spark", spec=spec)
        if session is None and not spec.startswith("sc://"):
            from pyspark.sql import SparkSession

            session = SparkSession.getActiveSession()    # a session this process runs already is shared, not stopped
        self.spark = session if session is not None else spark_session(spec, conf=conf)
        self._owned = session is None
        self._frames: dict[str, Any] = {}
        self._paths: dict[str, Path] = {}     # table name -> the scratch folder its frame reads
        self._scratch = Path(scratch) if scratch is not None else None
        self._own_scratch = False
        self._steps = 0

    def use_scratch(self, folder: str | Path) -> None:
        """Write the steps under `folder` (on a cluster: a path every executor and the driver see, such as the
        store's data root); by default local mode uses a temporary folder of this machine."""
        self._scratch = Path(folder)
        self._own_scratch = False

    def _scratch_folder(self) -> Path:
        if self._scratch is None:
            import tempfile

            self._scratch = Path(tempfile.mkdtemp(prefix="linkgraph-spark-steps-"))
            self._own_scratch = True
        self._scratch.mkdir(parents=True, exist_ok=True)
        return self._scratch

    def _replace(self, name: str, frame: Any, path: Path | None) -> None:
        """Let the table `name` be `frame` (reading `path`, if a step); drop what it held before unless another
        name still refers to it: its cached blocks and its scratch folder."""
        old, old_path = self._frames.get(name), self._paths.pop(name, None)
        frame.createOrReplaceTempView(name)
        self._frames[name] = frame
        if path is not None:
            self._paths[name] = path
        self.tables.add(name)
        if old is None or any(f is old for f in self._frames.values()):
            return
        if hasattr(old, "unpersist"):
            old.unpersist()
        if old_path is not None and old_path not in self._paths.values():
            import shutil

            shutil.rmtree(old_path, ignore_errors=True)

    def register(self, name: str, table: pa.Table) -> None:
        with warnings.catch_warnings():
            # An Arrow table goes to the JVM as Arrow batches; PySpark still checks the pandas version on the
            # way and warns about pandas 3, though no pandas conversion happens here.
            warnings.filterwarnings("ignore", message=PANDAS_WARNING, category=FutureWarning)
            frame = self.spark.createDataFrame(table)
        self._replace(name, frame, None)

    def load_parquet(self, name: str, directory: Path, push_ids: list[str]) -> None:
        from pyspark.sql import functions as F

        frame = self.spark.read.option("basePath", str(directory)).parquet(str(directory))
        frame = frame.where(F.col("push_id").isin(list(push_ids)))
        self._replace(name, frame, None)

    def materialise(self, name: str, sql: str, *, count: bool = False, marked: str | None = None) -> int:
        with self.timed(f"table {name}"):
            return self._materialise(name, sql, count=count, marked=marked)

    def per_group(self, name: str, sql: str, key: str, feed: GroupFeed) -> int:
        with self.timed(f"table {name}"):
            with warnings.catch_warnings():
                # applyInPandas checks the pandas version and warns about pandas 3; the function it runs only
                # reads columns as numpy arrays and builds one small frame.
                warnings.filterwarnings("ignore", message=PANDAS_WARNING, category=FutureWarning)
                frame = self.spark.sql(sql).groupBy(key).applyInPandas(feed.in_pandas, feed.spark_schema)
            return self._materialise(name, frame, count=True, marked=None)

    def _materialise(self, name: str, sql: str | Any, *, count: bool, marked: str | None) -> int:
        """`sql` may be a DataFrame already (`per_group`)."""
        self._steps += 1
        path = self._scratch_folder() / f"{self._steps:06d}-{name}"
        query = self.spark.sql(sql) if isinstance(sql, str) else sql
        query.write.mode("overwrite").parquet(str(path))
        # Read back with the schema known: no job to infer it, and the plan is a scan of the written files.
        frame = self.spark.read.schema(query.schema).parquet(str(path))
        self._replace(name, frame, path)
        if marked:
            written = _parquet_rows(path, marked)
            return written if written is not None else int(frame.where(frame[marked].isNotNull()).count())
        if not count:
            return -1
        written = _parquet_rows(path)
        return written if written is not None else int(frame.count())

    def alias(self, name: str, source: str) -> None:
        self._replace(name, self._frames[source], self._paths.get(source))

    def arrow(self, sql: str) -> pa.Table:
        with self.timed(query_label(sql)):
            return self.spark.sql(sql).toArrow()

    def write_parquet(self, sql: str, path: Path) -> None:
        # Through the driver as Arrow: one file the catalogue can hash, and no Hadoop output committer on
        # a result that is small next to the records (entities' scores, ties).
        super().write_parquet(sql, path)

    def versions(self) -> dict[str, str]:
        import pyspark

        return {"engine": "spark", "pyspark": pyspark.__version__, "spark": str(self.spark.version),
                "master": self.spec}

    def close(self) -> None:
        for frame in self._frames.values():
            try:
                frame.unpersist()
            except Exception:  # noqa: BLE001  # a Connect session may have gone already
                pass
        for name in self.tables:
            self.spark.catalog.dropTempView(name)
        self._frames.clear()
        self.tables.clear()
        import shutil

        for path in set(self._paths.values()):
            shutil.rmtree(path, ignore_errors=True)
        self._paths.clear()
        if self._scratch is not None and self._scratch.exists() and (self._own_scratch or not any(self._scratch.iterdir())):
            shutil.rmtree(self._scratch, ignore_errors=True)
        if self._owned:
            self.spark.stop()
            return
        import gc

        gc.collect()                     # Python lets go of the steps' DataFrames, then the JVM frees their blocks
        try:
            self.spark.sparkContext._jvm.System.gc()
        except Exception:  # noqa: BLE001  # Spark Connect has no JVM here
            pass


ENGINE_SPECS = "duckdb, local-spark, spark://HOST:PORT, sc://HOST:PORT (or yarn, k8s://...)"


def open_engine(spec: str, *, spark_session_: Any = None) -> Engine:
    """The engine a `--engine` value names."""
    if spec == "duckdb":
        return DuckDBEngine()
    if spec in ("local-spark", "spark") or spec.startswith(("spark://", "sc://", "local", "yarn", "k8s://")):
        return SparkEngine("local-spark" if spec == "spark" else spec, session=spark_session_)
    raise ScaleError(f"unknown engine '{spec}' (engines: {ENGINE_SPECS})")
