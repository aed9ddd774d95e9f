"""Follow suggestions (link prediction): split protocol, heuristics, isolated nodes, CLI.

All on small generated graphs; the whole file runs in well under a minute on 2 cores.
"""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pytest
from scipy.sparse.csgraph import connected_components

from models.suggest.graph import Graph, heuristic_scores, path_counts, resource_allocation
from models.suggest.split import PROTOCOLS, _pair_keys, node2vec_split, sequential_hidden_mask


def _small_graph(n: int = 300, seed: int = 7) -> nx.Graph:
    return nx.powerlaw_cluster_graph(n, 4, 0.4, seed=seed)


def _graph_from_nx(g: nx.Graph) -> Graph:
    edges = np.array(list(g.edges()), dtype=np.int64)
    return Graph.from_index_edges(edges, g.number_of_nodes())


# ---------------------------------------------------------------------------- split

@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_split_keeps_connectivity_and_sizes(protocol):
    g = _graph_from_nx(_small_graph())
    edges = g.edges()
    split = node2vec_split(edges, g.n_nodes, fraction=0.5, seed=3, protocol=protocol)
    m = len(edges)
    assert len(split.pos_pairs) == round(0.5 * m)
    assert len(split.neg_pairs) == len(split.pos_pairs)
    assert len(split.train_edges) + len(split.pos_pairs) == m
    # residual graph still connected, on every node
    residual = g.with_edges(split.train_edges)
    assert connected_components(residual.adj, directed=False)[0] == 1
    # positives are exactly the removed edges; negatives are distinct non-edges
    keys = set(_pair_keys(edges, g.n_nodes).tolist())
    pos = set(_pair_keys(split.pos_pairs, g.n_nodes).tolist())
    train = set(_pair_keys(split.train_edges, g.n_nodes).tolist())
    neg = _pair_keys(split.neg_pairs, g.n_nodes)
    assert pos | train == keys and not pos & train
    assert len(set(neg.tolist())) == len(neg)
    assert not set(neg.tolist()) & keys
    assert (split.neg_pairs[:, 0] != split.neg_pairs[:, 1]).all()


def test_split_is_deterministic_for_a_seed():
    g = _graph_from_nx(_small_graph())
    a = node2vec_split(g.edges(), g.n_nodes, seed=11)
    b = node2vec_split(g.edges(), g.n_nodes, seed=11)
    c = node2vec_split(g.edges(), g.n_nodes, seed=12)
    assert np.array_equal(a.pos_pairs, b.pos_pairs) and np.array_equal(a.neg_pairs, b.neg_pairs)
    assert not np.array_equal(a.pos_pairs, c.pos_pairs)


def test_sequential_split_equals_the_networkx_loop():
    """The vectorised protocol hides exactly what "remove each edge in this order unless it is
    a bridge, until k are removed" hides."""
    gx = _small_graph(200, seed=2)
    g = _graph_from_nx(gx)
    edges = g.edges()
    order = np.random.default_rng(0).permutation(len(edges))
    k = len(edges) // 2
    work = nx.Graph(map(tuple, edges))
    removed = []
    for i in order:
        if len(removed) == k:
            break
        a, b = edges[i]
        work.remove_edge(a, b)
        if nx.has_path(work, a, b):
            removed.append(i)
        else:
            work.add_edge(a, b)
    mask = sequential_hidden_mask(edges, g.n_nodes, k, order)
    assert set(np.flatnonzero(mask).tolist()) == set(removed)


def test_split_of_disconnected_graph_keeps_components():
    gx = nx.disjoint_union(_small_graph(80, seed=1), _small_graph(60, seed=2))
    g = _graph_from_nx(gx)
    split = node2vec_split(g.edges(), g.n_nodes, fraction=0.5, seed=0)
    assert connected_components(g.with_edges(split.train_edges).adj, directed=False)[0] == 2


# ---------------------------------------------------------------------------- heuristics

def test_heuristics_match_networkx():
    gx = _small_graph()
    g = _graph_from_nx(gx)
    rng = np.random.default_rng(0)
    pairs = [tuple(p) for p in rng.integers(0, gx.number_of_nodes(), size=(40, 2)) if p[0] != p[1]]
    pairs += [(0, 1), (0, 2), (5, 9)]
    u = np.array([p[0] for p in pairs])
    v = np.array([p[1] for p in pairs])
    ours = heuristic_scores(g.adj, u, v)
    expected = {
        "common_neighbors": [len(list(nx.common_neighbors(gx, a, b))) for a, b in pairs],
        "jaccard": [s for _, _, s in nx.jaccard_coefficient(gx, pairs)],
        "adamic_adar": [s for _, _, s in nx.adamic_adar_index(gx, pairs)],
        "preferential_attachment": [s for _, _, s in nx.preferential_attachment(gx, pairs)],
    }
    for name, values in expected.items():
        np.testing.assert_allclose(ours[name], values, rtol=1e-9, atol=1e-12, err_msg=name)
    ra = [s for _, _, s in nx.resource_allocation_index(gx, pairs)]
    np.testing.assert_allclose(resource_allocation(g.adj, u, v), ra, rtol=1e-9)


def test_path_counts_match_matrix_powers():
    gx = _small_graph(150)
    g = _graph_from_nx(gx)
    a = g.adj.toarray()
    d_inv = np.diag(1.0 / a.sum(axis=1))
    rng = np.random.default_rng(1)
    u, v = rng.integers(0, 150, 200), rng.integers(0, 150, 200)
    got = path_counts(g.adj, u, v, lengths=(3, 4))
    a2 = a @ a
    np.testing.assert_allclose(got["paths3"], (a2 @ a)[u, v])
    np.testing.assert_allclose(got["paths4"], (a2 @ a2)[u, v])
    np.testing.assert_allclose(got["ra3"], (a @ d_inv @ a @ d_inv @ a)[u, v])
    np.testing.assert_allclose(got["ra4"], (a @ d_inv @ a @ d_inv @ a @ d_inv @ a)[u, v])


def test_isolated_and_unknown_nodes_score_zero():
    g = Graph.from_tokens(["a", "a", "b"], ["b", "c", "c"])
    idx = g.indices_for(["a", "zed", "zed"])            # "zed" is not in the graph
    other = g.indices_for(["zed", "b", "new"])
    assert g.n_nodes == 5 and g.degrees[idx[1]] == 0
    scores = heuristic_scores(g.adj, idx, other)
    for name, values in scores.items():
        assert np.all(np.isfinite(values)), name
        assert values[1] == 0 and values[2] == 0, name   # pairs touching an isolated node
    assert scores["common_neighbors"][0] == 0             # a-zed


# ---------------------------------------------------------------------------- CLI

def _write_case(tmp_path, seed=0):
    """A two-community graph with string labels, a comment, blank lines and tabs; the test
    file mentions a node absent from the train file."""
    gx = nx.stochastic_block_model([60, 60, 60], [[0.2, 0.01, 0.01], [0.01, 0.2, 0.01], [0.01, 0.01, 0.2]],
                                   seed=seed)
    gx = nx.relabel_nodes(gx.subgraph(max(nx.connected_components(gx), key=len)).copy(),
                          lambda x: f"user{x}")
    g = Graph.from_tokens([a for a, _ in gx.edges()], [b for _, b in gx.edges()])
    split = node2vec_split(g.edges(), g.n_nodes, fraction=0.3, seed=seed)
    names = g.labels
    train = tmp_path / "train.txt"
    with open(train, "w") as out:
        out.write("# a comment\n\n")
        for i, (a, b) in enumerate(split.train_edges):
            out.write(f"{names[a]}\t{names[b]}\n" if i % 2 else f"{names[a]} {names[b]}\n")
        out.write("\n")
    test = tmp_path / "test.txt"
    with open(test, "w") as out:
        out.write("# u v label\n")
        out.writelines(f"{names[a]} {names[b]} 1\n" for a, b in split.pos_pairs)
        out.writelines(f"{names[a]}\t{names[b]}\t0\n" for a, b in split.neg_pairs)
        out.write(f"stranger {names[0]} 0\n")            # node absent from the train graph
    return train, test, gx


def _check_shape(result):
    assert set(result) >= {"auc", "average_precision", "baselines"}
    assert set(result["baselines"]) == {"common_neighbors", "jaccard", "adamic_adar", "preferential_attachment"}
    for metrics in [result, *result["baselines"].values()]:
        assert 0.0 <= metrics["auc"] <= 1.0 and 0.0 <= metrics["average_precision"] <= 1.0


def test_cli_evaluate_prints_one_json_object(tmp_path, capsys):
    from agora.cli import main

    train, test, _ = _write_case(tmp_path)
    argv = ["suggest", "evaluate", "--train-edges", str(train), "--test-pairs", str(test), "--json", "--seed", "0",
            "--threads", "1"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    result = json.loads(out)                              # exactly one JSON document on stdout
    _check_shape(result)
    assert result["n_pairs_with_isolated_node"] == 1
    assert result["auc"] > 0.8                            # the community structure is learnable
    # deterministic for a seed
    assert main(argv) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["auc"] == result["auc"] and again["average_precision"] == result["average_precision"]


def test_cli_benchmark_reports_split_sizes(tmp_path, capsys):
    from agora.cli import main

    gx = _small_graph(250, seed=4)
    edges = tmp_path / "edges.txt"
    edges.write_text("".join(f"{a} {b}\n" for a, b in gx.edges()))
    split_dir = tmp_path / "split"
    assert main(["suggest", "benchmark", "--edges", str(edges), "--json", "--seed", "1", "--threads", "1",
                 "--write-split", str(split_dir)]) == 0
    result = json.loads(capsys.readouterr().out)
    _check_shape(result)
    m = gx.number_of_edges()
    assert result["split"]["edges"] == m
    assert result["split"]["hidden_edges"] == result["split"]["negative_pairs"] == round(m / 2)
    assert result["split"]["train_edges"] == m - round(m / 2)
    assert result["n_pairs"] == 2 * round(m / 2)
    # the written split is valid input for `evaluate` and gives the same baselines
    assert main(["suggest", "evaluate", "--train-edges", str(split_dir / "train.txt"),
                 "--test-pairs", str(split_dir / "test.txt"), "--json", "--threads", "1"]) == 0
    again = json.loads(capsys.readouterr().out)
    for name, metrics in result["baselines"].items():
        assert again["baselines"][name]["auc"] == pytest.approx(metrics["auc"])


# ---------------------------------------------------------------------------- embeddings

def test_node2vec_walks_follow_edges_and_embeddings_are_seeded():
    from models.suggest.embeddings import (SkipGramConfig, WalkConfig, node2vec_embeddings, random_walks,
                                           spectral_embeddings)

    g = _graph_from_nx(_small_graph(120))
    adj = g.adj
    for p, q in [(1.0, 1.0), (0.5, 2.0)]:
        walks = random_walks(adj, WalkConfig(walks_per_node=2, walk_length=8, p=p, q=q), seed=0)
        assert walks.shape == (2 * g.n_nodes, 8)
        steps = np.asarray(adj[walks[:, :-1].ravel(), walks[:, 1:].ravel()]).ravel()
        assert (steps == 1).all()                         # every step moves along an edge
    cfg = SkipGramConfig(dim=8, window=2, max_pairs=20_000, batch_size=4096)
    walk = WalkConfig(walks_per_node=2, walk_length=10)
    a = node2vec_embeddings(adj, walk, cfg, seed=3)
    b = node2vec_embeddings(adj, walk, cfg, seed=3)
    assert a.shape == (g.n_nodes, 8) and np.isfinite(a).all()
    np.testing.assert_array_equal(a, b)
    spec = spectral_embeddings(adj, dim=16, seed=0)
    assert spec.shape == (g.n_nodes, 16) and np.isfinite(spec).all()
