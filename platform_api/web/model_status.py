"""What the model status page shows, read from where each fact already lives: MLflow registry
aliases (which version serves), this API process's Prometheus counters (how often the feed fell
back), and the files the pipelines write under ``AGORA_HOME`` (when they last ran)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from prometheus_client import REGISTRY

from agora.settings import Settings


@dataclass(frozen=True)
class ServedVersion:
    model: str
    alias: str
    version: str
    registered_at: datetime | None


@dataclass(frozen=True)
class FallbackRate:
    metric: str
    fallbacks: float
    total: float | None

    @property
    def rate(self) -> float | None:
        return self.fallbacks / self.total if self.total else None


@dataclass(frozen=True)
class PipelineMark:
    what: str
    latest: str | None
    at: datetime | None


def served_versions(settings: Settings) -> list[ServedVersion] | None:
    """Every alias of every registered model; ``None`` when no registry exists yet."""
    if settings.mlflow_tracking_uri is None and not (settings.home / "mlflow.db").exists():
        return None  # opening the default URI would create (and migrate) an empty registry
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=settings.mlflow_uri, registry_uri=settings.mlflow_uri)
    found = []
    for model in client.search_registered_models():
        for alias, version in sorted(model.aliases.items()):
            detail = client.get_model_version(model.name, version)
            found.append(ServedVersion(model.name, alias, str(version),
                                       datetime.fromtimestamp(detail.creation_timestamp / 1000, UTC)))
    return found


def _counter_totals(name: str) -> dict[tuple, float]:
    """A counter's value per label set, as this process's ``/metrics`` would show it."""
    totals: dict[tuple, float] = {}
    for family in REGISTRY.collect():
        if family.name == name:
            for sample in family.samples:
                if sample.name == f"{name}_total":
                    totals[tuple(sorted(sample.labels.items()))] = sample.value
    return totals


def fallback_rates() -> list[FallbackRate]:
    """The ranked feed's share of fallbacks, and every other ``*_fallbacks`` counter's count."""
    feed = _counter_totals("agora_feed_requests")
    rates = [FallbackRate("home feed (agora_feed_requests_total)",
                          sum(v for labels, v in feed.items() if ("ranking", "fallback") in labels),
                          sum(feed.values()))]
    for family in REGISTRY.collect():
        if family.type == "counter" and "fallback" in family.name and family.name != "agora_feed_fallbacks":
            rates.append(FallbackRate(f"{family.name}_total",
                                      sum(s.value for s in family.samples if s.name.endswith("_total")), None))
    return rates


def _newest(paths: list[Path]) -> tuple[str | None, datetime | None]:
    if not paths:
        return None, None
    newest = max(paths, key=lambda p: p.stat().st_mtime)
    return newest.name, datetime.fromtimestamp(newest.stat().st_mtime, UTC)


def _partition_order(path: Path) -> tuple[str, int]:
    hour = path.name.removeprefix("hour=")  # written with or without a leading zero
    return path.parent.name, int(hour) if hour.isdigit() else -1


def pipeline_marks(settings: Settings) -> list[PipelineMark]:
    partitions = sorted(settings.events_dir.glob("date=*/hour=*"), key=_partition_order)
    lake = PipelineMark("newest event lake partition (agora pipeline export)",
                        "/".join(partitions[-1].parts[-2:]) if partitions else None,
                        datetime.fromtimestamp(partitions[-1].stat().st_mtime, UTC) if partitions else None)
    tables = _newest([p for p in settings.feature_tables_dir.glob("*") if p.is_dir()])  # one folder per table
    feast = _newest([p for p in settings.feast_data_dir.glob("*") if p.is_file()])
    return [lake, PipelineMark("feature table written last (agora pipeline features)", *tables),
            PipelineMark("Feast registry / online store last written (agora features apply|materialize)",
                         *feast)]
