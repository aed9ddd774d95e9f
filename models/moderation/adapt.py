"""Task-adaptive pretraining (Gururangan et al. 2020, *Don't Stop Pretraining*): continue the
base encoder's masked-language-model training on the training tweets' own text before it is
fine-tuned on their labels, so its vocabulary statistics shift towards tweets' slang, spelling and
slurs. all-MiniLM-L6-v2 was last trained as a sentence embedder and ships without an MLM head: the
head's transform is initialised afresh and its decoder is tied to the word embeddings.

Only the training part of the validation split ``train`` cuts is read (same file, split seed and
fraction): the validation rows stay unseen, labels and text alike. The logits of the vocabulary
projection are computed at the masked positions only (~15% of the tokens): over every position
they would cost 30,522 × 384 multiply-adds per token and make an epoch ten times slower.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from models.moderation import DEFAULT_SPLIT_SEED, DEFAULT_VAL_FRACTION
from models.moderation.data import file_sha256, load_csv, stratified_split, stratified_subsample

log = logging.getLogger("agora.moderation")


@dataclass
class AdaptConfig:
    data: Path
    out: Path
    epochs: int = 2
    batch_size: int = 32
    lr: float = 1e-4
    weight_decay: float = 0.01
    warmup_fraction: float = 0.06
    mask_probability: float = 0.15
    max_length: int = 64
    seed: int = 0
    max_rows: int | None = None
    val_fraction: float = DEFAULT_VAL_FRACTION
    split_seed: int = DEFAULT_SPLIT_SEED
    base_model: str | None = None
    progress: bool = True


@dataclass
class AdaptResult:
    out: Path
    n_texts: int
    epoch_losses: list[float]
    seconds: float
    run_id: str


def mask_tokens(input_ids, attention_mask, special_mask, tokenizer, probability: float, generator):
    """BERT's masking: each real, non-special token is chosen with ``probability``; of those 80%
    become [MASK], 10% a random token, 10% stay. Returns the corrupted ids and the labels (-100 at
    every position not chosen)."""
    import torch

    chosen = (torch.rand(input_ids.shape, generator=generator) < probability) & attention_mask.bool() & ~special_mask
    labels = torch.where(chosen, input_ids, torch.full_like(input_ids, -100))
    corrupted = input_ids.clone()
    draw = torch.rand(input_ids.shape, generator=generator)
    corrupted[chosen & (draw < 0.8)] = tokenizer.mask_token_id
    random_slots = chosen & (draw >= 0.8) & (draw < 0.9)
    corrupted[random_slots] = torch.randint(len(tokenizer), (int(random_slots.sum()),), generator=generator)
    return corrupted, labels


def adapt_encoder(config: AdaptConfig) -> AdaptResult:
    """MLM on the training tweets; saves the encoder and tokenizer to ``config.out`` (what
    ``agora moderation train --base-model`` reads) and logs the run to MLflow."""
    import torch
    from tqdm.auto import tqdm
    from transformers import AutoModelForMaskedLM, AutoTokenizer, get_linear_schedule_with_warmup

    from models.moderation.train import (NUM_THREADS, base_model_path, length_bucketed_batches, pad_batch,
                                         weight_decays)
    from models.registry import configure_mlflow

    torch.set_num_threads(NUM_THREADS)
    torch.manual_seed(config.seed)
    started = time.perf_counter()
    frame = load_csv(config.data)
    texts = stratified_subsample(stratified_split(frame, config.val_fraction, config.split_seed).train,
                                 config.max_rows, config.seed)["text"].tolist()
    base = config.base_model or base_model_path()
    tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True)
    log.info("loading %s with a masked-language-model head: a sentence encoder ships none, so transformers "
             "reports the head's weights MISSING and initialises them (expected)", base)
    model = AutoModelForMaskedLM.from_pretrained(base, local_files_only=True)
    encoded = tokenizer(texts, truncation=True, max_length=config.max_length)["input_ids"]
    lengths = np.array([len(ids) for ids in encoded])
    special_ids = torch.tensor(sorted(set(tokenizer.all_special_ids)))

    named = list(model.named_parameters())
    optimizer = torch.optim.AdamW([
        {"params": [p for n, p in named if weight_decays(n)], "weight_decay": config.weight_decay},
        {"params": [p for n, p in named if not weight_decays(n)], "weight_decay": 0.0}], lr=config.lr)
    total_steps = max(1, math.ceil(len(encoded) / config.batch_size) * config.epochs)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(config.warmup_fraction * total_steps), total_steps)
    generator = torch.Generator().manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    loss_fn = torch.nn.CrossEntropyLoss()

    mlflow = configure_mlflow("moderation")
    epoch_losses: list[float] = []
    with mlflow.start_run(run_name=f"adapt-mlm-e{config.epochs}-s{config.seed}") as run:
        mlflow.set_tag("task", "moderation-text-adaptation")
        mlflow.log_params({**{k: str(v) if isinstance(v, Path) else v for k, v in asdict(config).items()
                              if k != "progress"},
                           "n_texts": len(texts), "data_sha256": file_sha256(config.data)})
        model.train()
        step = 0
        for epoch in range(config.epochs):
            batches = length_bucketed_batches(lengths, config.batch_size, rng)
            bar = tqdm(batches, desc=f"adapt epoch {epoch + 1}/{config.epochs}", unit="batch",
                       disable=not config.progress, dynamic_ncols=True)
            running = 0.0
            for i, idx in enumerate(bar, 1):
                input_ids, attention_mask = pad_batch([encoded[j] for j in idx], tokenizer.pad_token_id)
                special_mask = torch.isin(input_ids, special_ids)
                corrupted, labels = mask_tokens(input_ids, attention_mask, special_mask, tokenizer,
                                                config.mask_probability, generator)
                chosen = labels != -100
                if not chosen.any():
                    continue
                hidden = model.base_model(input_ids=corrupted, attention_mask=attention_mask).last_hidden_state
                loss = loss_fn(model.cls(hidden[chosen]), labels[chosen])
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad(set_to_none=True)
                step += 1
                running += loss.item()
                if i % 20 == 0 or i == len(batches):
                    bar.set_postfix(loss=f"{running / i:.3f}")
                    mlflow.log_metric("mlm_loss", running / i, step=step)
            bar.close()
            epoch_losses.append(running / max(1, len(batches)))
            log.info("adaptation epoch %d: masked-token loss %.3f", epoch + 1, epoch_losses[-1])
        out = Path(config.out)
        out.mkdir(parents=True, exist_ok=True)
        model.base_model.save_pretrained(out)
        tokenizer.save_pretrained(out)
        seconds = time.perf_counter() - started
        mlflow.log_metrics({"adapt_seconds": seconds, "final_epoch_mlm_loss": epoch_losses[-1] if epoch_losses
                            else float("nan")})
    return AdaptResult(out=out, n_texts=len(texts), epoch_losses=epoch_losses, seconds=seconds,
                       run_id=run.info.run_id)
