"""The paper's logistic regression, re-implemented (``agora moderation baseline``): it learns, and
it is scored on exactly the validation rows ``agora moderation train`` cuts."""

from __future__ import annotations

import json

import pytest

from agora.cli import main
from models.moderation.data import class_counts, load_csv, stratified_split
from models.moderation.paper_baseline import PaperBaseline, TweetStatistics, syllables
from models.moderation.smoke_data import HATEFUL, NEUTRAL, OFFENSIVE, write_smoke_csv


def test_baseline_cli_scores_the_training_split_and_prints_the_evaluate_contract(tmp_path, capsys):
    data = write_smoke_csv(tmp_path / "smoke.csv")
    assert main(["moderation", "baseline", "--data", str(data), "--split-seed", "3", "--val-fraction", "0.25",
                 "--json"]) == 0
    result = json.loads(capsys.readouterr().out)

    split = stratified_split(load_csv(data), 0.25, 3)
    assert result["model"] == "davidson2017-logreg"
    assert result["split"] == {"seed": 3, "val_fraction": 0.25, "train_rows": len(split.train),
                               "val_class_counts": class_counts(split.val["label"])}
    assert result["n"] == len(split.val)
    assert set(result["per_class"]) == {"hate", "offensive", "neither"}
    # Far above chance (1/3): the templates use disjoint vocabularies per class, though the paper's
    # strong L1 step (C=0.01) keeps few features when it sees only 144 rows.
    assert result["macro_f1"] >= 0.75


def test_baseline_predicts_each_class_of_the_templates(tmp_path):
    frame = load_csv(write_smoke_csv(tmp_path / "smoke.csv"))
    model = PaperBaseline().fit(frame["tweet"].tolist(), frame["label"].to_numpy())
    assert model.predict([HATEFUL, OFFENSIVE, NEUTRAL]).tolist() == [0, 1, 2]


def test_tweet_statistics_count_twitter_objects_and_syllables():
    row = TweetStatistics().row("RT @ana: loving this #sunny day http://x.example/a")
    hashtags, mentions, urls, retweet = row[-4:]
    assert (hashtags, mentions, urls, retweet) == (1, 1, 1, 1.0)
    assert syllables("beautiful day") == 4  # beau-ti-ful (vowel groups eau, i, u) + day
    assert row[10] > 0  # VADER finds "loving" positive


def test_moderation_commands_reject_a_missing_data_file_before_loading_anything(tmp_path, capsys):
    missing = tmp_path / "absent.csv"
    for command in (["train"], ["evaluate", "--json"], ["baseline", "--json"]):
        with pytest.raises(SystemExit) as exit_:
            main(["moderation", *command, "--data", str(missing)])
        assert exit_.value.code == 2
        captured = capsys.readouterr()
        assert f"argument --data: no such file: {missing}" in captured.err
        assert captured.out == ""
