"""The bench framework itself (not its figures): machine info in every result, ``--only``
selection, the FAISS recall computation on a small real index, and REPORT.md + plots rendered
from result files with each figure's ratio to its same-run baseline."""

from __future__ import annotations

import json

import pytest

from bench import common, faiss_ann, report, run


def test_every_result_carries_the_machine_and_the_load(tmp_path, monkeypatch):
    monkeypatch.setattr(common, "RESULTS_DIR", tmp_path)
    common.mark_start()
    path = common.save_result("example", {"x": common.latency_summary([0.001, 0.002, 0.003])})
    saved = json.loads(path.read_text())
    machine = saved["machine"]
    assert machine["cores"] >= 1 and machine["memory_gb"] > 0 and machine["cpu_model"]
    assert len(machine["load_average_start"]) == 3 and len(machine["load_average_end"]) == 3
    assert machine["packages"]["faiss-cpu"] and machine["commit"]
    assert saved["x"]["p50_ms"] == pytest.approx(2.0)


def test_only_selects_by_short_name_and_refuses_unknown_names():
    assert run.selected("delivery,faiss") == ["bench.delivery", "bench.faiss_ann"]
    assert run.selected(None) == run.BENCHMARKS
    with pytest.raises(SystemExit, match="unknown benchmark"):
        run.selected("nonesuch")


def test_ann_recall_is_measured_against_exact_search(monkeypatch):
    import numpy as np

    monkeypatch.setattr(faiss_ann, "LATENCY_QUERIES", 5)
    monkeypatch.setattr(faiss_ann, "QUERIES", 50)
    result = faiss_ann.measure(3_000, np.random.default_rng(1))
    assert result["exact_flat_ip"]["recall_at_100"] == 1.0
    recalls = {row["index"]: row["recall_at_100"] for row in result["ann"]}
    assert all(0 < r <= 1 for r in recalls.values())
    assert recalls["HNSW32 efSearch=256"] > 0.9   # a wide search on a small index finds nearly all
    assert recalls["HNSW32 efSearch=256"] >= recalls["HNSW32 efSearch=32"]


def test_report_puts_each_figure_beside_its_baseline_and_draws_plots(tmp_path, monkeypatch):
    monkeypatch.setattr(common, "RESULTS_DIR", tmp_path)
    monkeypatch.setattr(report, "RESULTS_DIR", tmp_path)
    monkeypatch.setattr(report, "REPORT", tmp_path / "REPORT.md")
    monkeypatch.setattr(report, "PLOTS", tmp_path / "plots")
    summary = common.latency_summary
    common.save_result("hydration", {"description": "d", "baseline": "sqlite",
                                     "sqlite": summary([0.040, 0.042, 0.050]), "redis": summary([0.010, 0.011, 0.012])})
    common.save_result("delivery", {
        "baseline": {"name": "own stream", **summary([0.1, 0.1, 0.1])},
        "push": {"100": {"stream": summary([0.2] * 3), "home": summary([0.1] * 3)}},
        "pull": {"100": {"stream": summary([0.2] * 3), "home": summary([0.05] * 3)}}})
    (tmp_path / "odd.json").write_text(json.dumps({"benchmark": "odd", "figure": 3,
                                                   "table": {"a": {"n": 1, "v": 2.5}, "b": {"n": 2, "v": 3.5}}}))

    text = report.main().read_text()

    assert "## hydration" in text and "## delivery" in text and "## odd" in text
    sqlite_row = next(line for line in text.splitlines() if line.startswith("| sqlite"))
    redis_row = next(line for line in text.splitlines() if line.startswith("| redis"))
    assert "(baseline)" in sqlite_row and "1.00×" in sqlite_row
    assert "0.26×" in redis_row                       # 11 ms / 42 ms, same run
    assert "| a | 1 | 2.50 |" in text                  # other shapes still get a table
    for plot in ("hydration_latency.png", "delivery_latency.png", "delivery_latency_vs_followers.png"):
        assert (tmp_path / "plots" / plot).stat().st_size > 0
        assert f"results/plots/{plot}" in text
