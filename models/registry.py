"""MLflow plumbing shared by every trainer: where runs go, and the promotion gate.

A new model version becomes ``@champion`` only if it is not worse than the current
champion on the same evaluation; otherwise it is tagged ``@challenger``.
"""

from __future__ import annotations

from dataclasses import dataclass

from agora.settings import Settings, get_settings

CHAMPION = "champion"
CHALLENGER = "challenger"


def configure_mlflow(experiment: str, settings: Settings | None = None):
    """Point MLflow at ``$AGORA_HOME`` (SQLite + local artifacts) and select ``experiment``."""
    import mlflow

    settings = settings or get_settings()
    settings.ensure_dirs()
    mlflow.set_tracking_uri(settings.mlflow_uri)
    mlflow.set_registry_uri(settings.mlflow_uri)
    if mlflow.get_experiment_by_name(experiment) is None:
        artifact_location = None
        if settings.mlflow_tracking_uri is None:  # embedded default: artifacts beside the database
            artifact_location = (settings.mlflow_artifacts / experiment).as_uri()
        mlflow.create_experiment(experiment, artifact_location=artifact_location)
    mlflow.set_experiment(experiment)
    return mlflow


@dataclass(frozen=True)
class PromotionDecision:
    name: str
    version: str
    alias: str
    metric: str
    candidate_value: float
    champion_value: float | None
    champion_version: str | None

    @property
    def promoted(self) -> bool:
        return self.alias == CHAMPION


def champion_metric(client, name: str, metric: str) -> tuple[str | None, float | None]:
    """The current champion's version and its value of ``metric`` (from its training run)."""
    from mlflow.exceptions import MlflowException

    try:
        version = client.get_model_version_by_alias(name, CHAMPION)
    except MlflowException:
        return None, None
    run = client.get_run(version.run_id)
    return str(version.version), run.data.metrics.get(metric)


def promote_if_not_worse(name: str, version: str | int, metric: str, candidate_value: float,
                         *, higher_is_better: bool = True,
                         champion_value: float | None = None) -> PromotionDecision:
    """Give ``version`` the champion alias unless the current champion scores better.

    ``champion_value`` lets a trainer pass the champion's score re-measured on the
    *same* evaluation set as the candidate; without it the champion's logged metric is used.
    """
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    client = MlflowClient()
    version = str(version)
    champ_version, logged_value = champion_metric(client, name, metric)
    if champion_value is None:
        champion_value = logged_value
    if champ_version is None or champion_value is None:
        better_or_equal = True
    elif higher_is_better:
        better_or_equal = candidate_value >= champion_value
    else:
        better_or_equal = candidate_value <= champion_value
    alias = CHAMPION if better_or_equal else CHALLENGER
    client.set_registered_model_alias(name, alias, version)
    if alias == CHAMPION:  # a promoted challenger must not keep the challenger alias as well
        try:
            if str(client.get_model_version_by_alias(name, CHALLENGER).version) == version:
                client.delete_registered_model_alias(name, CHALLENGER)
        except MlflowException:
            pass
    client.set_model_version_tag(name, version, "promotion", alias)
    return PromotionDecision(name, version, alias, metric, candidate_value, champion_value, champ_version)


def champion_uri(name: str) -> str:
    return f"models:/{name}@{CHAMPION}"
