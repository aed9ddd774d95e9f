"""``agora experiments``: A/B experiments on the home feed.

    agora experiments assign ACCOUNT_ID         the arm an account is in (from AGORA_EXPERIMENTS_FILE)
    agora experiments report [--experiment N] [--control ARM] [--json]
                                                per-arm engagement from the lake, with 95% intervals
"""

from __future__ import annotations

import argparse
import json


def register(subparsers) -> None:
    group = subparsers.add_parser("experiments", help="A/B experiments: assignment and reports.")
    sub = group.add_subparsers(dest="experiments_command", required=True)
    assign = sub.add_parser("assign", help="which arm an account is in")
    assign.add_argument("account_id", type=int)
    assign.set_defaults(handler=_assign)
    report = sub.add_parser("report", help="per-arm engagement (likes, replies, reposts, CTR) with CIs")
    report.add_argument("--experiment", default=None, help="default: the only experiment in the lake")
    report.add_argument("--control", default=None, help="default: the experiment's first arm seen")
    report.add_argument("--json", action="store_true", help="print one JSON object")
    report.set_defaults(handler=_report)


def _assign(args: argparse.Namespace) -> int:
    from agora.settings import get_settings
    from platform_api.feed.experiments import HomeFeedExperiment

    experiment = HomeFeedExperiment.from_file(get_settings().experiments_file)
    if experiment is None:
        print("no experiment enabled (AGORA_EXPERIMENTS_FILE)")
        return 1
    a = experiment.assign(args.account_id)
    print(json.dumps({"experiment": a.experiment, "arm": a.arm, "ranking": a.ranking}))
    return 0


def _report(args: argparse.Namespace) -> int:
    from agora.settings import get_settings
    from pipelines.experiment_report import experiment_report

    result = experiment_report(get_settings().events_dir, args.experiment, args.control)
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"experiment {result['experiment']} (control: {result['control']})")
    for arm, row in result["arms"].items():
        like, ctr = row["like_rate"], row["ctr"]
        line = (f"  {arm:>14}: {row['viewers']} viewers, {row['impressions']} impressions, "
                f"like {like['value']:.4f} [{like['ci95'][0]:.4f}, {like['ci95'][1]:.4f}], "
                f"CTR {ctr['value']:.4f} [{ctr['ci95'][0]:.4f}, {ctr['ci95'][1]:.4f}]")
        if arm in result["vs_control"]:
            d = result["vs_control"][arm]["like_rate"]
            line += f", like Δ {d['difference']:+.4f} [{d['ci95'][0]:+.4f}, {d['ci95'][1]:+.4f}]"
        print(line)
    return 0
