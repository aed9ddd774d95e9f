"""Per-arm engagement of a home-feed experiment, from the event lake.

An exposure (``experiment.exposure``) is one served page; each status on it is an impression
of that arm. An impression is *engaged* for a metric when the viewer did it to that status
within :data:`ATTRIBUTION_WINDOW` after the exposure (first exposure of a (viewer, status) pair
only). Per arm and metric: the rate per impression with a Wilson 95% interval, and the
difference from the control arm with a normal (Wald) 95% interval. Impressions of one viewer are
not independent, so the intervals are somewhat too narrow for very active viewers; the viewer
counts are reported beside them."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from agora.events import EventType

ATTRIBUTION_WINDOW = timedelta(hours=24)
Z95 = 1.959964
METRICS = {"like": EventType.FAVOURITED, "reply": EventType.REPLIED, "repost": EventType.REBLOGGED,
           "click": EventType.CLICKED}


def wilson_interval(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    if trials == 0:
        return (float("nan"), float("nan"))
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * np.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    return (float(centre - half), float(centre + half))


def difference_interval(s1: int, n1: int, s0: int, n0: int, z: float = Z95) -> tuple[float, float, float]:
    """(p1 - p0, low, high) with the normal approximation."""
    p1, p0 = s1 / n1, s0 / n0
    half = z * np.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    return (float(p1 - p0), float(p1 - p0 - half), float(p1 - p0 + half))


def exposed_impressions(events: pd.DataFrame, experiment: str | None) -> pd.DataFrame:
    """One row per first (viewer, status) exposure: experiment, arm, viewer_id, status_id, exposed_at."""
    exposures = events[events["event_type"] == str(EventType.EXPOSURE)]
    payloads = [json.loads(p) for p in exposures["payload"]]
    frame = pd.DataFrame({"exposure_id": exposures["event_id"].to_numpy(),
                          "experiment": [p["experiment"] for p in payloads], "arm": [p["arm"] for p in payloads],
                          "viewer_id": exposures["actor_id"].to_numpy(),
                          "exposed_at": exposures["occurred_at"].to_numpy(),
                          "status_id": [p["status_ids"] for p in payloads]})
    if experiment is not None:
        frame = frame[frame["experiment"] == experiment]
    frame = frame.explode("status_id").dropna(subset=["status_id"]).astype({"status_id": "int64"})
    return frame.sort_values("exposed_at").drop_duplicates(["experiment", "viewer_id", "status_id"])


def experiment_report(events_dir: Path, experiment: str | None = None, control: str | None = None) -> dict:
    from models.ranker.dataset import read_lake

    events = read_lake(events_dir, [EventType.EXPOSURE, *METRICS.values()])
    impressions = exposed_impressions(events, experiment)
    if impressions.empty:
        raise ValueError(f"no exposures{' of ' + experiment if experiment else ''} in the lake at {events_dir}")
    names = impressions["experiment"].unique()
    if len(names) > 1:
        raise ValueError(f"the lake holds several experiments ({', '.join(sorted(names))}); name one")
    for metric, event_type in METRICS.items():
        done = events.loc[events["event_type"] == str(event_type), ["actor_id", "status_id", "occurred_at"]] \
            .rename(columns={"actor_id": "viewer_id", "occurred_at": "done_at"})
        pairs = impressions[["exposure_id", "viewer_id", "status_id", "exposed_at"]].merge(
            done, on=["viewer_id", "status_id"])
        delay = pairs["done_at"] - pairs["exposed_at"]
        hit = pairs.loc[(delay >= pd.Timedelta(0)) & (delay <= ATTRIBUTION_WINDOW)]
        keys = set(zip(hit["viewer_id"], hit["status_id"]))
        impressions[metric] = [k in keys for k in zip(impressions["viewer_id"], impressions["status_id"])]
    arms = list(dict.fromkeys(impressions.sort_values("exposure_id")["arm"]))
    control = control or arms[0]
    if control not in arms:
        raise ValueError(f"control arm {control!r} has no exposures (arms: {', '.join(arms)})")
    per_arm, totals = {}, {}
    for arm, rows in impressions.groupby("arm"):
        n = len(rows)
        totals[arm] = {m: int(rows[m].sum()) for m in METRICS} | {"n": n}
        engaged = int(rows[["like", "reply", "repost"]].sum().sum())
        pages = int(rows["exposure_id"].nunique())
        per_arm[arm] = {"viewers": int(rows["viewer_id"].nunique()), "exposures": pages, "impressions": n,
                        "engagements_per_exposure": round(engaged / pages, 4),
                        **{f"{m}_rate" if m != "click" else "ctr":
                           {"value": round(totals[arm][m] / n, 5),
                            "ci95": [round(v, 5) for v in wilson_interval(totals[arm][m], n)]} for m in METRICS}}
    vs_control = {}
    for arm in arms:
        if arm == control:
            continue
        a, c = totals[arm], totals[control]
        vs_control[arm] = {}
        for m in METRICS:
            diff, low, high = difference_interval(a[m], a["n"], c[m], c["n"])
            vs_control[arm][f"{m}_rate" if m != "click" else "ctr"] = {
                "difference": round(diff, 5), "ci95": [round(low, 5), round(high, 5)],
                "significant": bool(low > 0 or high < 0)}
    return {"experiment": str(names[0]), "control": control, "attribution_hours": ATTRIBUTION_WINDOW / timedelta(hours=1),
            "arms": per_arm, "vs_control": vs_control}
