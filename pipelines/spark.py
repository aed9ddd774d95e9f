"""One way to get a SparkSession for Agora's jobs: UTC everywhere, small shuffles, quiet logs."""

from __future__ import annotations

import os

from agora.settings import Settings

#: Our batches are small (thousands to a few million rows); Spark's default of 200 shuffle
#: partitions would spend more time scheduling tasks than computing on 2 cores.
SHUFFLE_PARTITIONS = 4


def spark_session(settings: Settings, app_name: str, master: str | None = None):
    """A (possibly shared) session. ``master`` overrides ``AGORA_SPARK_MASTER`` (``local[*]``)."""
    # Without it Spark warns that the hostname resolves to a loopback address.
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    utc = "-Duser.timezone=UTC"
    scratch = settings.home / "spark"
    scratch.mkdir(parents=True, exist_ok=True)
    spark = (
        SparkSession.builder.appName(app_name)
        .master(master or settings.spark_master)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.extraJavaOptions", f"{utc} -Dderby.system.home={scratch}")
        .config("spark.executor.extraJavaOptions", utc)
        .config("spark.sql.shuffle.partitions", str(SHUFFLE_PARTITIONS))
        .config("spark.default.parallelism", str(SHUFFLE_PARTITIONS))
        .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        # The lake has one directory per hour: list them in the driver instead of launching
        # a Spark job to list them once there are more than 32.
        .config("spark.sql.sources.parallelPartitionDiscovery.threshold", "100000")
        .config("spark.sql.warehouse.dir", str(scratch / "warehouse"))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark
