"""One local Spark session for the whole test run (starting one costs seconds), and the skip
rule: the Spark tests need pyspark and a Java runtime, nothing else (no cluster, no download)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

TEST_CONF = {
    "spark.sql.shuffle.partitions": "2",
    # on kilobytes of data, re-planning and generated code cost more than they save
    "spark.sql.adaptive.enabled": "false",
    "spark.sql.codegen.wholeStage": "false",
}


def spark_missing() -> str | None:
    """Why the Spark tests cannot run here, or None."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (pip install -e '.[test]' installs it)"
    java_home = os.environ.get("JAVA_HOME")
    if not shutil.which("java") and not (java_home and os.path.exists(f"{java_home}/bin/java")):
        return "no Java runtime on the PATH or in JAVA_HOME (Spark 4 needs Java 17)"
    return None


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    reason = spark_missing()
    if reason:
        pytest.skip(reason)
    from cxpulse.store.spark import local_session

    session = local_session("local[2]", TEST_CONF)
    yield session
    session.stop()
