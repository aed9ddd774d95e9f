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

On the platform's own follow graph (``follow-suggest``, served by ``serving/suggest``):

``follow_log``       follow / unfollow events, interactions and hashtags read from the lake.
``snapshot``         the follow graph at one instant as sparse matrices.
``follow_features``  (viewer, candidate) pair features: the ones above plus directed/activity ones.
``candidates``       the four suggestion sources (and the friends-of-friends baseline).
``suggester``        the served model object and its MLflow artefact.
``train``            time split, training, evaluation (recall@k), registry and gate.
"""
