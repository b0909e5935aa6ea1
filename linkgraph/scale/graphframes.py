"""GraphFrames behind an adapter: on a centre's cluster whose Spark has the GraphFrames jar (from its own Maven
mirror: `--packages` or `spark.jars`), connected components can run as GraphFrames' algorithm; its answer is
then brought to the project's own definition (a component is labelled by the smallest node id in it), so the
result is the same table the SQL implementation (`sql/components_step.sql`) makes, which CI tests.

Only components are delegated: GraphFrames' PageRank and label propagation ignore edge weights, and the
desktop's measures are weighted, so those stay in SQL everywhere. GraphX (inside the pyspark wheel) is
deprecated since Spark 4.0 and not used.
"""

from __future__ import annotations

import tempfile
from typing import Any

from linkgraph.scale.engines import Engine


def available(engine: Engine) -> bool:
    """Whether this engine is Spark with the graphframes Python package and its jar on the JVM's classpath."""
    spark = getattr(engine, "spark", None)
    if spark is None:
        return False
    try:
        import graphframes  # noqa: F401
    except ImportError:
        return False
    try:
        spark._jvm.org.graphframes.GraphFrame  # noqa: B018  # the jar is there when the class resolves
    except Exception:  # noqa: BLE001  # Spark Connect has no _jvm; a missing class raises Py4J errors
        return False
    return True


def components(engine: Any, *, graphframe_class: Any = None) -> None:
    """Table `components` (id, label) by GraphFrames' connectedComponents, labels normalised to the smallest
    node id of each component (the SQL implementation's definition)."""
    if graphframe_class is None:
        from graphframes import GraphFrame as graphframe_class
    spark = engine.spark
    if not spark.sparkContext.getCheckpointDir():
        spark.sparkContext.setCheckpointDir(tempfile.mkdtemp(prefix="linkgraph-gf-"))
    vertices = spark.sql("SELECT id FROM degree")
    edges = spark.sql("SELECT a AS src, b AS dst FROM ties")
    found = graphframe_class(vertices, edges).connectedComponents()
    found.createOrReplaceTempView("gf_components")
    engine.materialise("components", "SELECT id, MIN(id) OVER (PARTITION BY component) AS label FROM gf_components")
