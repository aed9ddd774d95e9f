"""A/B experiments on the home feed: which ranking each viewer gets.

The experiments file (``AGORA_EXPERIMENTS_FILE``, YAML) lists experiments; the first one
with ``enabled: true`` drives the home feed::

    experiments:
      - name: ranker-v2
        control: champion            # the arm the report compares against (default: the first)
        arms:
          champion: {weight: 50, ranking: champion}
          challenger: {weight: 40, ranking: challenger}
          chronological: {weight: 10, ranking: chronological}

``ranking`` is a ranker model alias (``champion``/``challenger``, scored by the ranker service)
or ``chronological`` (the plain newest-first home timeline). A viewer's arm is a stable hash of
(experiment, account id): the same viewer always lands in the same arm, with no state kept."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import yaml
from pydantic import BaseModel, Field, model_validator

CHRONOLOGICAL = "chronological"


class ArmSpec(BaseModel):
    weight: float = Field(gt=0)
    ranking: Literal["champion", "challenger", "chronological"]


class ExperimentSpec(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    enabled: bool = True
    control: str | None = None
    arms: dict[str, ArmSpec] = Field(min_length=2)

    @model_validator(mode="after")
    def _control_is_an_arm(self) -> ExperimentSpec:
        self.control = self.control or next(iter(self.arms))
        if self.control not in self.arms:
            raise ValueError(f"control arm {self.control!r} is not one of {sorted(self.arms)}")
        return self


class ExperimentsFile(BaseModel):
    experiments: list[ExperimentSpec] = []


@dataclass(frozen=True)
class Assignment:
    experiment: str
    arm: str
    ranking: str                 # "champion", "challenger" or "chronological"


def bucket(experiment: str, account_id: int) -> float:
    """A uniform number in [0, 1) fixed by (experiment, account id)."""
    digest = hashlib.sha256(f"{experiment}:{int(account_id)}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2 ** 64


class HomeFeedExperiment:
    """Assigns viewers to the arms of one experiment, in proportion to the arms' weights."""

    def __init__(self, spec: ExperimentSpec):
        self.spec = spec
        self.arms = list(spec.arms)
        weights = np.array([spec.arms[a].weight for a in self.arms], dtype=float)
        self.edges = np.cumsum(weights / weights.sum())

    def assign(self, account_id: int) -> Assignment:
        index = min(int(np.searchsorted(self.edges, bucket(self.spec.name, account_id), side="right")),
                    len(self.arms) - 1)
        arm = self.arms[index]
        return Assignment(self.spec.name, arm, self.spec.arms[arm].ranking)

    @classmethod
    def from_file(cls, path: Path | None) -> HomeFeedExperiment | None:
        """The first enabled experiment of the file, or None (no file, or none enabled)."""
        if path is None:
            return None
        parsed = ExperimentsFile.model_validate(yaml.safe_load(Path(path).read_text()) or {})
        spec = next((e for e in parsed.experiments if e.enabled), None)
        return cls(spec) if spec else None
