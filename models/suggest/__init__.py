"""Follow suggestions: link prediction on the follow/friendship graph.

``graph``          edge-list loading into a symmetric scipy CSR + the classic heuristics,
                   vectorised over arrays of node pairs.
``split``          the node2vec evaluation protocol (hide edges, keep the residual graph
                   connected, sample as many non-edges).
``embeddings``     node embeddings learned in PyTorch (random walks + skip-gram with
                   negative sampling) and spectral embeddings.
``pair_features``  the pair feature matrix the ranker consumes.
``ranker``         a gradient-boosted ranker trained from the train graph alone.
``evaluate``       the ``agora suggest evaluate`` / ``benchmark`` logic.
"""
