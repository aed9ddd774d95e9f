"""FAISS: recall@100 and per-query latency of ANN indexes vs exact ``IndexFlatIP`` (the baseline,
same vectors, same run) → ``bench/results/faiss.json``.

Vectors are synthetic but clustered like real embeddings: a Gaussian mixture (1,000 centres in
64-d, anisotropic noise), L2-normalised so inner product = cosine, as in the retrieval index.
Uniform random vectors would flatter nobody: every neighbour is equally far. Queries come from
the same mixture but are not in the index. Latency is one query at a time on one thread (what
one feed request costs); builds use every core. Sizes: 100k and 1M (``--quick``: 20k, 100k).
"""

from __future__ import annotations

import time

import numpy as np

from bench.common import latency_summary, quick, save_result

DIM = 64
K = 100
CENTRES = 1_000
QUERIES = 1_000          # for recall (batched); the first LATENCY_QUERIES also for latency
LATENCY_QUERIES = 300
HNSW_EF_SEARCH = (32, 64, 128, 256)
IVFPQ_NPROBE = (8, 32, 64)


def mixture(n: int, rng: np.random.Generator, centres: np.ndarray) -> np.ndarray:
    """``n`` points around random centres; each cluster has its own spread (some tight, some wide)."""
    which = rng.integers(len(centres), size=n)
    spread = rng.uniform(0.15, 0.6, size=len(centres)).astype(np.float32)
    out = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, 200_000):
        part = which[start:start + 200_000]
        noise = rng.standard_normal((len(part), DIM), dtype=np.float32) * spread[part, None]
        out[start:start + len(part)] = centres[part] + noise
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out


def recall_at_k(found: np.ndarray, truth: np.ndarray) -> float:
    hits = sum(len(np.intersect1d(f[f >= 0], t)) for f, t in zip(found, truth))
    return round(hits / truth.size, 4)


def per_query_latency(index, queries: np.ndarray) -> dict:
    seconds = []
    for q in queries[:LATENCY_QUERIES]:
        started = time.perf_counter()
        index.search(q[None, :], K)
        seconds.append(time.perf_counter() - started)
    return latency_summary(seconds)


def measure(n: int, rng: np.random.Generator) -> dict:
    import faiss

    centres = rng.standard_normal((CENTRES, DIM), dtype=np.float32)
    base = mixture(n, rng, centres)
    queries = mixture(QUERIES, rng, centres)
    threads = faiss.omp_get_max_threads()

    exact = faiss.IndexFlatIP(DIM)
    exact.add(base)
    faiss.omp_set_num_threads(1)
    exact_latency = per_query_latency(exact, queries)
    faiss.omp_set_num_threads(threads)
    _, truth = exact.search(queries, K)
    result = {"vectors": n, "ann": [],
              "exact_flat_ip": {**exact_latency, "recall_at_100": 1.0, "memory_mb": round(base.nbytes / 2**20)}}

    started = time.perf_counter()
    hnsw = faiss.IndexHNSWFlat(DIM, 32, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = 80
    hnsw.add(base)
    hnsw_build = time.perf_counter() - started
    for ef in HNSW_EF_SEARCH:
        hnsw.hnsw.efSearch = ef
        result["ann"].append(_ann_row(f"HNSW32 efSearch={ef}", hnsw, queries, truth, exact_latency, hnsw_build))
    del hnsw

    nlist = int(4 * np.sqrt(n))
    started = time.perf_counter()
    quantizer = faiss.IndexFlatIP(DIM)
    ivfpq = faiss.IndexIVFPQ(quantizer, DIM, nlist, 16, 8, faiss.METRIC_INNER_PRODUCT)
    ivfpq.train(base[rng.choice(n, size=min(n, 50 * nlist), replace=False)])
    ivfpq.add(base)
    ivfpq_build = time.perf_counter() - started
    for nprobe in IVFPQ_NPROBE:
        ivfpq.nprobe = nprobe
        result["ann"].append(_ann_row(f"IVF{nlist},PQ16 nprobe={nprobe}", ivfpq, queries, truth, exact_latency,
                                      ivfpq_build))
    return result


def _ann_row(name: str, index, queries: np.ndarray, truth: np.ndarray, exact_latency: dict, build: float) -> dict:
    import faiss

    _, found = index.search(queries, K)
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    latency = per_query_latency(index, queries)
    faiss.omp_set_num_threads(threads)
    row = {"index": name, "recall_at_100": recall_at_k(found, truth), **latency, "build_seconds": round(build, 1),
           "speedup_p50_vs_exact": round(exact_latency["p50_ms"] / latency["p50_ms"], 1)}
    print(f"  {len(truth)} queries, {name}: recall@100 {row['recall_at_100']}, p50 {row['p50_ms']} ms "
          f"(exact {exact_latency['p50_ms']} ms)", flush=True)
    return row


def main() -> None:
    import faiss

    sizes = (20_000, 100_000) if quick() else (100_000, 1_000_000)
    rng = np.random.default_rng(7)
    runs = [measure(n, rng) for n in sizes]
    save_result("faiss", {
        "description": "recall@100 and single-query latency (1 thread) of ANN indexes vs exact IndexFlatIP "
                       "(baseline), 64-d L2-normalised Gaussian-mixture vectors (1,000 clusters), inner product",
        "dim": DIM, "k": K, "queries": QUERIES, "latency_queries": LATENCY_QUERIES, "faiss": faiss.__version__,
        "vectors": "synthetic Gaussian mixture (not model embeddings)", "sizes": runs})


if __name__ == "__main__":
    main()
