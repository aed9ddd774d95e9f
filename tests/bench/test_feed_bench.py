"""The feed benchmark's arithmetic (not its figures): per-run stage means, candidates and the
cache hit rate from two scrapes of the API's real Prometheus metrics, and its report section."""

from __future__ import annotations

import json

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from bench import common, feed, report


def _metrics():
    registry = CollectorRegistry()
    stage = Histogram("agora_feed_stage_seconds", "", ["stage"], registry=registry)
    candidates = Histogram("agora_feed_candidates", "", registry=registry)
    cache = Counter("agora_feed_cache_total", "", ["result"], registry=registry)
    return registry, stage, candidates, cache


def test_figures_are_deltas_between_two_scrapes():
    registry, stage, candidates, cache = _metrics()
    stage.labels("source:in_network").observe(5.0)   # before the run: must not count
    candidates.observe(10)
    before = feed.parse_metrics(generate_latest(registry).decode())
    for _ in range(4):
        stage.labels("source:in_network").observe(0.010)
        stage.labels("source:social_proof").observe(0.002)
        stage.labels("scorer").observe(0.030)
        stage.labels("heuristic:author_diversity").observe(0.001)
        candidates.observe(600)
    for result in ["hit"] * 9 + ["miss"]:
        cache.labels(result).inc()
    after = feed.parse_metrics(generate_latest(registry).decode())
    figures = feed.feed_figures(before, after)
    assert figures["pipeline_runs"] == 4 and figures["candidates_scored_mean"] == 600
    assert figures["cache_hit_rate"] == 0.9
    assert figures["stage_ms_per_run"]["source:in_network"] == 10.0
    assert figures["stage_groups_ms_per_run"] == {"candidates": 12.0, "filters": 0, "hydration_and_scoring": 30.0,
                                                  "heuristics": 1.0, "selection": 0}


def test_ranker_figures_are_batch_sizes_and_view_reads_per_batch():
    registry = CollectorRegistry()
    batches = Histogram("agora_ranker_batch_requests", "", buckets=(1, 2, 4, 8, 16), registry=registry)
    reads = Counter("agora_ranker_feast_view_read_seconds", "", ["view"], registry=registry)
    batches.observe(16)   # before the run: must not count
    before = feed.parse_metrics(generate_latest(registry).decode())
    for size in (1, 3, 2):
        batches.observe(size)
    reads.labels("post_counters").inc(0.006)
    reads.labels("viewer_author_affinity").inc(0.003)
    after = feed.parse_metrics(generate_latest(registry).decode())
    assert feed.ranker_batches(before, after) == 2.0
    assert feed.ranker_view_reads(before, after) == {"post_counters": 2.0, "viewer_author_affinity": 1.0}
    assert list(feed.ranker_view_reads(before, after)) == ["post_counters", "viewer_author_affinity"]  # costliest first


def test_server_page_quantiles_come_from_the_page_histogram_of_the_run():
    from platform_api.feed.metrics import FEED_PAGE_SECONDS

    registry = CollectorRegistry()
    pages = Histogram("agora_feed_page_seconds", "", ["list"], buckets=FEED_PAGE_SECONDS._upper_bounds[:-1],
                      registry=registry)
    pages.labels("ranked").observe(9.0)   # before the run: must not count
    before = feed.parse_metrics(generate_latest(registry).decode())
    for seconds in [0.008] * 50 + [0.015] * 40 + [0.04] * 10:
        pages.labels("cached").observe(seconds)
    for _ in range(4):
        pages.labels("ranked").observe(0.25)
    after = feed.parse_metrics(generate_latest(registry).decode())
    figures = feed.server_page_ms(before, after)
    # cached: half the pages by 10 ms; the 95th of 100 lies halfway through the 30–50 ms bucket's 10.
    assert figures["cached"] == {"n": 100, "p50_ms": 10.0, "p95_ms": 40.0}
    assert figures["ranked"]["n"] == 4 and 200 < figures["ranked"]["p50_ms"] <= 300


def test_report_states_the_targets_beside_the_figures(tmp_path, monkeypatch):
    for module, name, value in ((common, "RESULTS_DIR", tmp_path), (report, "RESULTS_DIR", tmp_path),
                                (report, "REPORT", tmp_path / "REPORT.md"), (report, "PLOTS", tmp_path / "plots")):
        monkeypatch.setattr(module, name, value)
    run = lambda p95: {"n": 10, "p50_ms": p95 / 2, "p95_ms": p95, "p99_ms": p95 * 1.2}  # noqa: E731
    feed_figures = {"candidates_scored_mean": 600.0, "cache_hit_rate": 0.9,
                    "stage_ms_per_run": {"scorer": 30.0, "source:in_network": 10.0},
                    "stage_groups_ms_per_run": {"candidates": 10.0, "hydration_and_scoring": 30.0}}
    common.save_result("feed", {
        "targets": feed.TARGETS, "pages_per_session": 10,
        "against_targets": {"ranked_p95_under_load_ms": 120.0, "meets_target": False},
        "cold": {"ranked": run(300.0), "chronological": run(50.0), "ranked_feed": feed_figures},
        "load": {"ranked": run(120.0), "chronological": run(40.0), "ranked_feed": feed_figures,
                 "ratio_p95_ranked_over_chronological": 3.0}})
    text = report.main().read_text()
    assert "| ranked p95 under load (cache on) | 120 ms | ≤ 100 ms (goal ≤ 50 ms) — NOT met |" in text
    assert "| scorer | 30.00 |" in text and "load / ranked" in text
    assert (tmp_path / "plots" / "feed_stages_and_p95.png").exists()
    assert json.loads((tmp_path / "feed.json").read_text())["targets"]["ranked_p95_under_load_ms"] == 100
