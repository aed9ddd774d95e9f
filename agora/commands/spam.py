"""``agora moderation train-spam | evaluate-spam | scan-spam``: the spam-account model
(registered ``spam``), trained on the synthetic world's planted spammers."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys


def register_spam(sub) -> None:
    train = sub.add_parser("train-spam",
                           help="Train the spam model on the world's planted spammers; log, register, gate.")
    train.add_argument("--split-seed", type=int, default=0, help="seed of the held-out account split")
    train.add_argument("--seed", type=int, default=0)
    train.set_defaults(handler=_train)

    evaluate = sub.add_parser("evaluate-spam", help="Precision/recall on held-out planted spammers vs a simple rule.")
    evaluate.add_argument("--model", default=None, help="MLflow model URI (default models:/spam@champion)")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object to stdout")
    evaluate.set_defaults(handler=_evaluate)

    scan = sub.add_parser("scan-spam", help="Score every account in the lake; silence and report likely spammers.")
    scan.add_argument("--model", default=None, help="MLflow model URI (default models:/spam@champion)")
    scan.add_argument("--dry-run", action="store_true", help="list the accounts, change nothing")
    scan.add_argument("--json", action="store_true")
    scan.set_defaults(handler=_scan)


def _quiet() -> None:
    import logging
    import warnings

    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    for noisy in ("mlflow", "alembic", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=UserWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)


def _train(args: argparse.Namespace) -> int:
    _quiet()
    with contextlib.redirect_stdout(sys.stderr):
        from models.spam.classifier import SpamConfig
        from models.spam.train import train

        try:
            result = train(config=SpamConfig(seed=args.seed), split_seed=args.split_seed)
        except (FileNotFoundError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    m = result.metrics
    champion = ("no previous champion" if result.champion_version is None else
                f"champion v{result.champion_version} scored F1 {result.champion_value:.3f} on the same accounts")
    print(f"spam v{result.version} -> @{result.alias} ({champion})")
    print(f"  held-out {result.n_test} accounts: precision {m['test_precision']:.3f}, recall {m['test_recall']:.3f}, "
          f"F1 {m['test_f1']:.3f}, AUC {m['test_auc']:.3f} at threshold {result.threshold:.3f}")
    print(f"  baseline rule {result.baseline['rule']}: precision {result.baseline['precision']:.3f}, "
          f"recall {result.baseline['recall']:.3f}, F1 {result.baseline['f1']:.3f}")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    _quiet()
    with contextlib.redirect_stdout(sys.stderr):
        from agora.settings import get_settings
        from models.spam.evaluate import evaluate_spam

        from mlflow.exceptions import MlflowException

        try:
            result = evaluate_spam(get_settings(), args.model)
        except MlflowException as exc:
            print(f"error: no spam model to evaluate ({exc.message}); run `agora moderation train-spam`",
                  file=sys.stderr)
            return 2
    if args.json:
        print(json.dumps(result))
    else:
        base = result["baseline"]
        print(f"{result['model']}: precision {result['precision']:.3f}, recall {result['recall']:.3f}, "
              f"F1 {result['f1']:.3f}, AUC {result['auc']:.3f} on {result['n_accounts']} held-out accounts "
              f"({result['n_spammers']} spammers)")
        print(f"  baseline {base['rule']}: precision {base['precision']:.3f}, recall {base['recall']:.3f}, "
              f"F1 {base['f1']:.3f}")
    return 0


def _scan(args: argparse.Namespace) -> int:
    _quiet()
    with contextlib.redirect_stdout(sys.stderr):
        from agora.settings import get_settings
        from models.spam.classifier import MODEL_NAME
        from models.spam.scoring import SpamScorer
        from pipelines.spam_features import account_features, read_events
        from platform_api.db import session_scope
        from platform_api.repositories import accounts
        from platform_api.services.limit_likely_spam import LimitLikelySpam

        from mlflow.exceptions import MlflowException

        settings = get_settings()
        try:
            scorer = SpamScorer.load(args.model, settings)
        except MlflowException as exc:
            print(f"error: no spam model to scan with ({exc.message}); run `agora moderation train-spam`",
                  file=sys.stderr)
            return 2
        features = account_features(read_events(settings))
        scores = scorer.scores(features) if len(features) else []
        flagged = {int(a): float(s) for a, s in zip(features.index, scores) if s >= scorer.threshold}
        acted = []
        if not args.dry_run and flagged:
            model = f"{MODEL_NAME}/{scorer.version}"
            with session_scope(settings) as session:
                limit = LimitLikelySpam(session)
                for account in accounts.many(session, account_ids=flagged).values():
                    if limit(account, score=flagged[account.id], threshold=scorer.threshold, model=model):
                        acted.append(account.id)
    result = {"model": f"{MODEL_NAME}/{scorer.version}", "threshold": scorer.threshold, "scanned": len(features),
              "flagged": {str(a): round(s, 4) for a, s in sorted(flagged.items())}, "silenced": sorted(acted)}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{result['model']}: scanned {len(features)} accounts, {len(flagged)} over {scorer.threshold:.3f}, "
              f"{len(acted)} silenced and reported" + (" (dry run)" if args.dry_run else ""))
    return 0
