"""``agora moderation``: train and evaluate the text moderation classifier (``moderation-text``)."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
from pathlib import Path

from models.moderation import DEFAULT_SPLIT_SEED, DEFAULT_VAL_FRACTION


def _existing_file(value: str) -> Path:
    """argparse type of every ``--data``: a missing file is a usage error (exit 2) before anything loads."""
    path = Path(value)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"no such file: {path}")
    return path


def _split_arguments(parser: argparse.ArgumentParser) -> None:
    """The validation split's flags, shared by ``train`` and ``baseline`` so both cut the same split."""
    parser.add_argument("--split-seed", type=int, default=DEFAULT_SPLIT_SEED,
                        help="seed of the stratified validation split")
    parser.add_argument("--val-fraction", type=float, default=DEFAULT_VAL_FRACTION)


def register(subparsers) -> None:
    group = subparsers.add_parser("moderation", help="Text moderation classifier (hate / offensive / neither).")
    sub = group.add_subparsers(dest="moderation_command", required=True)

    train = sub.add_parser("train", help="Fine-tune MiniLM on a Davidson-format CSV; log, register, gate.")
    train.add_argument("--data", type=_existing_file, default=None, help="CSV in the Davidson et al. 2017 format")
    train.add_argument("--from-decisions", action="store_true",
                       help="also (or only, without --data) train on moderators' decisions "
                            "(the CSV `agora pipeline moderation-decisions` writes)")
    train.add_argument("--epochs", type=int, default=1)
    train.add_argument("--batch-size", type=int, default=32)
    train.add_argument("--lr", type=float, default=5e-5, help="encoder learning rate (head: --head-lr)")
    train.add_argument("--head-lr", type=float, default=1e-3)
    train.add_argument("--layer-decay", type=float, default=1.0,
                       help="layer-wise learning-rate decay: each encoder layer learns at this times the rate of "
                            "the one above (1: one rate for all)")
    train.add_argument("--max-length", type=int, default=64)
    train.add_argument("--weight-power", type=float, default=0.5,
                       help="class weights = inverse frequency ** this (0 = none, 1 = full inverse)")
    train.add_argument("--max-rows", type=int, default=None,
                       help="cap the training rows (stratified); the validation split is unchanged")
    train.add_argument("--seed", type=int, default=0)
    _split_arguments(train)
    train.add_argument("--no-tune-prior", action="store_true",
                       help="plain argmax, no validation-tuned offsets (and n-gram weight 1)")
    train.add_argument("--no-soft-labels", action="store_true",
                       help="train on the majority label only, not the annotators' vote shares")
    train.add_argument("--no-ngram", action="store_true",
                       help="the fine-tuned encoder alone, without the n-gram logistic regression")
    train.add_argument("--ngram-c", type=float, default=1.0, help="inverse L2 strength of the n-gram model")
    train.add_argument("--ensemble-size", type=int, default=1,
                       help="encoder members fine-tuned with seeds seed, seed+1, ...; their logits are averaged")
    train.add_argument("--offset-objective", choices=("gate", "hate-f1"), default="gate",
                       help="what the validation-tuned offsets maximise: the gate score, or hate F1 "
                            "keeping weighted F1 >= 0.90")
    train.add_argument("--base-model", type=Path, default=None,
                       help="encoder to fine-tune (default: all-MiniLM-L6-v2 as shipped; "
                            "e.g. the directory `agora moderation adapt` wrote)")
    train.add_argument("--val-out", type=Path, default=None, help="also write the validation rows to this CSV")
    train.add_argument("--no-progress", action="store_true")
    train.set_defaults(handler=_train)

    backfill = sub.add_parser("backfill", help="Classify every post still pending moderation (the model "
                                               "service was down when it was posted) with the running service.")
    backfill.set_defaults(handler=_backfill)

    evaluate = sub.add_parser("evaluate", help="Score a Davidson-format CSV with the champion (or --model).")
    evaluate.add_argument("--data", type=_existing_file, required=True)
    evaluate.add_argument("--model", default=None, help="MLflow model URI (default models:/moderation-text@champion)")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object to stdout")
    evaluate.add_argument("--batch-size", type=int, default=64)
    evaluate.set_defaults(handler=_evaluate)

    adapt = sub.add_parser("adapt", help="Continue MiniLM's masked-language-model training on the training "
                                         "tweets (task-adaptive pretraining); writes an encoder for "
                                         "train --base-model.")
    adapt.add_argument("--data", type=_existing_file, required=True)
    adapt.add_argument("--out", type=Path, required=True, help="directory for the adapted encoder and tokenizer")
    adapt.add_argument("--epochs", type=int, default=2)
    adapt.add_argument("--lr", type=float, default=1e-4)
    adapt.add_argument("--mask-probability", type=float, default=0.15)
    adapt.add_argument("--max-rows", type=int, default=None, help="cap on the training texts read (quick runs)")
    adapt.add_argument("--seed", type=int, default=0)
    adapt.add_argument("--no-progress", action="store_true")
    _split_arguments(adapt)
    adapt.set_defaults(handler=_adapt)

    baseline = sub.add_parser("baseline", help="The paper's logistic regression (Davidson et al. 2017), "
                                               "trained and scored on the same split as `train`.")
    baseline.add_argument("--data", type=_existing_file, required=True)
    _split_arguments(baseline)
    baseline.add_argument("--json", action="store_true", help="print one JSON object to stdout")
    baseline.set_defaults(handler=_baseline)

    from agora.commands.spam import register_spam

    register_spam(sub)  # train-spam, evaluate-spam, scan-spam


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("mlflow.pyfunc").setLevel(logging.ERROR)  # cloudpickle notice: our own class
    for noisy in ("mlflow", "alembic", "urllib3", "httpx", "transformers", "huggingface_hub"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _quiet_libraries() -> None:
    import os
    import warnings

    # Before torch is imported: OpenMP threads that spin while waiting turn a shared 2-core
    # machine into a 3-5x slowdown (measured: 2.4 s vs 0.9 s per batch under load).
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    warnings.filterwarnings("ignore", category=UserWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # "Loading weights" bars; training keeps its own tqdm
    hf_logging.set_verbosity_error()


def _train(args: argparse.Namespace) -> int:
    _quiet_libraries()
    _logging()
    from models.moderation.train import TrainConfig, train

    if args.data is None and not args.from_decisions:
        print("error: give --data PATH, --from-decisions, or both", file=sys.stderr)
        return 2
    if args.from_decisions:
        from agora.settings import get_settings
        from pipelines.moderation_decisions import training_csv

        try:
            args.data = training_csv(get_settings(), args.data)
        except (FileNotFoundError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    config = TrainConfig(
        data=args.data, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, head_lr=args.head_lr,
        layer_decay=args.layer_decay, max_length=args.max_length, weight_power=args.weight_power,
        max_rows=args.max_rows, seed=args.seed,
        split_seed=args.split_seed, val_fraction=args.val_fraction, tune_prior=not args.no_tune_prior,
        soft_labels=not args.no_soft_labels, ngram=not args.no_ngram, ngram_c=args.ngram_c,
        ensemble_size=args.ensemble_size, offset_objective=args.offset_objective,
        base_model=None if args.base_model is None else str(args.base_model),
        val_out=args.val_out, progress=not args.no_progress)
    result = train(config)
    m = result.metrics
    champion = ("no previous champion" if result.champion_version is None else
                f"champion v{result.champion_version} scored {result.champion_value:.4f} on the same split")
    print(f"moderation-text v{result.version} -> @{result.alias} "
          f"(gate score {m['val_gate_score']:.4f}; {champion})")
    print(f"  trained on {result.n_train} rows in {result.extra['fit_seconds'] / 60:.1f} min "
          f"(total {result.train_seconds / 60:.1f} min); validation {result.n_val} rows")
    print(f"  validation: weighted F1 {m['val_weighted_f1']:.4f}, macro F1 {m['val_macro_f1']:.4f}, "
          f"hate P/R/F1 {m['val_hate_precision']:.3f}/{m['val_hate_recall']:.3f}/{m['val_hate_f1']:.3f}")
    print(f"  cross-fitted (offsets tuned on the other half): weighted F1 {m['val_crossfit_weighted_f1']:.4f}, "
          f"hate F1 {m['val_crossfit_hate_f1']:.3f}; plain argmax: weighted F1 "
          f"{m['val_argmax_weighted_f1']:.4f}, hate F1 {m['val_argmax_hate_f1']:.3f}")
    print(f"  log-prior offsets (hate, offensive, neither): {[round(x, 2) for x in result.log_prior]}; "
          f"n-gram weight {result.extra['ngram_weight']}; MLflow run {result.run_id}")
    return 0


def _adapt(args: argparse.Namespace) -> int:
    _quiet_libraries()
    _logging()
    from models.moderation.adapt import AdaptConfig, adapt_encoder

    result = adapt_encoder(AdaptConfig(
        data=args.data, out=args.out, epochs=args.epochs, lr=args.lr, mask_probability=args.mask_probability,
        max_rows=args.max_rows, seed=args.seed, split_seed=args.split_seed, val_fraction=args.val_fraction,
        progress=not args.no_progress))
    losses = ", ".join(f"{loss:.3f}" for loss in result.epoch_losses)
    print(f"adapted encoder written to {result.out}: {result.n_texts} training tweets, masked-token loss "
          f"per epoch {losses}, {result.seconds / 60:.1f} min; MLflow run {result.run_id}")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    _quiet_libraries()
    _logging()
    # Everything a library might print goes to stderr; stdout carries only the result.
    with contextlib.redirect_stdout(sys.stderr):
        from models.moderation.classifier import MODEL_NAME
        from models.moderation.evaluate import evaluate_csv
        from models.registry import champion_uri

        result = evaluate_csv(args.data, args.model or champion_uri(MODEL_NAME), batch_size=args.batch_size)
    _print_result(result, args.json)
    return 0


def _print_result(result: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result))
        return
    print(f"{result['model']}: weighted F1 {result['weighted_f1']:.4f}, macro F1 {result['macro_f1']:.4f} "
          f"on {result['n']} rows")
    for name, values in result["per_class"].items():
        print(f"  {name:<10} P {values['precision']:.3f}  R {values['recall']:.3f}  F1 {values['f1']:.3f}")


def _baseline(args: argparse.Namespace) -> int:
    with contextlib.redirect_stdout(sys.stderr):
        from models.moderation.paper_baseline import evaluate_on_split

        result = evaluate_on_split(args.data, args.val_fraction, args.split_seed)
    _print_result(result, args.json)
    return 0


def _backfill(args: argparse.Namespace) -> int:
    """Drain the pending queue now (the API's worker does the same every few seconds)."""
    from agora.settings import get_settings
    from platform_api.db import create_schema, session_scope
    from platform_api.moderation.moderator import Moderator
    from platform_api.moderation.worker import PendingModerationWorker
    from platform_api.repositories.status_moderation import count_pending

    settings = get_settings()
    create_schema(settings)
    moderator = Moderator.from_settings(settings)
    classified = PendingModerationWorker(settings, moderator).run_once()
    with session_scope(settings) as session:
        left = count_pending(session)
    print(f"classified {classified} pending posts; {left} still pending"
          + (f" (is the moderation service up at {settings.moderation_url}?)" if left else ""), file=sys.stderr)
    return 1 if left else 0
