"""Fixtures of the scale tests: one Spark session (local mode, loopback only) for the whole run, a throwaway
PostgreSQL server (Unix socket only, no TCP) started and stopped here, and seeded cases pushed once.

Each is skipped with its reason where its pieces are absent (`.ci/run` installs Java 17 and PostgreSQL, so CI
runs them all)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from seeded import build_seeded_case  # noqa: E402

HERE = Path(__file__).parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without the scale extra every test here is skipped, saying how to install it."""
    missing = [m for m in ("duckdb", "pyarrow") if importlib.util.find_spec(m) is None]
    if not missing:
        return
    skip = pytest.mark.skip(reason=f"the scale extra is not installed ({', '.join(missing)}): "
                                   "pip install '.[test,scale]'")
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def spark_session() -> Iterator[object]:
    """One local Spark session for every test that needs one (its start costs 10-15 s)."""
    if importlib.util.find_spec("pyspark") is None:
        pytest.skip("pyspark is not installed")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("no Java runtime (Spark needs Java 17: apt-get install openjdk-17-jre-headless)")
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"     # the workers' Python: the session's own choice (test_spark_local.py)
    from linkgraph.scale.engines import spark_session as make

    session = make("local-spark", conf={"spark.sql.shuffle.partitions": "2",
                                        "spark.driver.memory": "3g"})
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / name).exists():
            return str(folder / name)
    return None


@pytest.fixture(scope="session")
def postgres_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway PostgreSQL cluster on a Unix socket (listen_addresses=''), its catalogue URI without data."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("PostgreSQL server binaries are absent (apt-get install postgresql)")
    root = Path(tempfile.mkdtemp(prefix="lg-pg-"))
    data, socket = root / "data", root / "sock"
    socket.mkdir()
    as_root = os.geteuid() == 0
    runuser = shutil.which("runuser")
    if as_root:
        if not runuser:
            pytest.skip("running as root without runuser: cannot start PostgreSQL as the postgres user")
        try:
            shutil.chown(root, "postgres")
            shutil.chown(socket, "postgres")
        except (LookupError, PermissionError) as exc:
            pytest.skip(f"no postgres user to run the server as ({exc})")
        os.chmod(root, 0o755)

    def run(*command: str) -> None:
        full = [runuser, "-u", "postgres", "--", *command] if as_root else list(command)
        subprocess.run(full, check=True, capture_output=True, timeout=120)

    run(initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
    run(pg_ctl, "-D", str(data), "-w", "-l", str(root / "log"), "-o",
        f"-c listen_addresses='' -k {socket} -c fsync=off -c full_page_writes=off", "start")
    try:
        yield f"postgresql://postgres@/postgres?host={socket}"
    finally:
        run(pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def seeded_paths(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """Two seeded cases (two agencies, different numbers), built once."""
    folder = tmp_path_factory.mktemp("seeded")
    return {seed: build_seeded_case(folder / f"case{seed}.lgcase", seed, agency=f"Agency {seed}",
                                    prefix=str(208 + seed)) for seed in (1, 2)}
