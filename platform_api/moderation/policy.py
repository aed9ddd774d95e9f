"""The moderation policy: ordered rules mapping signal scores to an action, loaded from a YAML
file and validated by Pydantic (a bad file fails at startup with the offending field named).

``Verdict`` is what any moderation signal producer hands the write path: the text model today,
spam and media matching later (they add their own signal names to ``scores``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

DEFAULT_POLICY_PATH = Path(__file__).resolve().parent / "policy.yaml"


class Action(StrEnum):
    ALLOW = "allow"
    MARK_SENSITIVE = "mark_sensitive"
    LIMIT_REACH = "limit_reach"
    HOLD_FOR_REVIEW = "hold_for_review"
    REJECT = "reject"


#: Actions that put a post in front of moderators (a system report is filed).
REVIEWED_ACTIONS = frozenset({Action.HOLD_FOR_REVIEW, Action.LIMIT_REACH})


@dataclass(frozen=True)
class Verdict:
    """The policy's decision on one post: the action, the rule that fired (``None`` = the
    default), the signal scores it was decided on, the model that produced them, and the
    message a rejected author sees."""

    action: Action
    rule: str | None
    scores: dict[str, float] = field(default_factory=dict)
    model: str | None = None
    message: str = ""


class PolicyError(ValueError):
    """The policy file is missing, not YAML, or not a valid policy."""


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=128)
    when: dict[str, float] = Field(min_length=1, description="signal name → minimum score; all must hold")
    action: Action
    message: str = ""

    @model_validator(mode="after")
    def _thresholds_are_probabilities(self) -> Rule:
        bad = {k: v for k, v in self.when.items() if not 0.0 <= v <= 1.0}
        if bad:
            raise ValueError(f"rule {self.name!r}: thresholds must be in [0, 1], got {bad}")
        return self

    def matches(self, scores: dict[str, float]) -> bool:
        return all(name in scores and scores[name] >= minimum for name, minimum in self.when.items())


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = 1
    default: Action = Action.ALLOW
    pending: Action = Action.ALLOW
    rules: list[Rule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Policy:
        names = [r.name for r in self.rules]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"rule names must be unique; repeated: {duplicates}")
        if self.default is Action.REJECT:
            raise ValueError("default cannot be reject: every post would be refused")
        if self.pending not in (Action.ALLOW, Action.LIMIT_REACH):
            raise ValueError("pending must be allow or limit_reach (a pending post is accepted)")
        return self

    def decide(self, scores: dict[str, float], model: str | None = None) -> Verdict:
        for rule in self.rules:
            if rule.matches(scores):
                message = "" if rule.action is not Action.REJECT else (
                    rule.message or f"This post was refused by the moderation policy (rule {rule.name}).")
                return Verdict(rule.action, rule.name, dict(scores), model, message)
        return Verdict(self.default, None, dict(scores), model)


def load_policy(path: str | Path | None = None) -> Policy:
    """Read and validate a policy file (the shipped ``policy.yaml`` by default)."""
    path = Path(path) if path else DEFAULT_POLICY_PATH
    try:
        document = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise PolicyError(f"moderation policy {path}: cannot read it ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise PolicyError(f"moderation policy {path}: not valid YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise PolicyError(f"moderation policy {path}: expected a mapping with 'rules', got {type(document).__name__}")
    try:
        return Policy.model_validate(document)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'policy'}: {e['msg']}" for e in exc.errors())
        raise PolicyError(f"moderation policy {path}: {problems}") from exc
