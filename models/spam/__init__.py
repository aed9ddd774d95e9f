"""Spam accounts: a gradient-boosted classifier over behavioural features from the lake."""
