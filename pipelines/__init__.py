"""Data jobs between the API and the feature store, one module per job: ``export`` (outbox →
Parquet event lake, exactly once) and ``features`` (lake → daily feature tables, Spark).
They read the outbox through ``platform_api`` and nothing downstream imports them back."""
