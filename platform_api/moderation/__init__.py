"""Content moderation on the write path: the policy (signals → action), the verdicts stored on
posts, and the worker that classifies posts accepted while the model service was unavailable."""
