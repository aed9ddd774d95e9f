"""features/on_demand.py's transforms on plain arrays (the same code Feast and the ranker service run)."""

import numpy as np
import pytest

from features.on_demand import POST_PRIOR_IMPRESSIONS, post_quality, scalars


def test_post_quality_starts_at_the_author_rate_and_moves_to_the_post_own_rate():
    nan = np.nan
    columns = {"live_impressions": np.array([0.0, 1000.0, 2.0, nan]),
               "live_likes": np.array([0.0, 500.0, 1.0, nan]),
               "live_clicks": np.array([0.0, 100.0, 0.0, nan]),
               "author_like_rate": np.array([0.2, 0.2, 0.2, nan])}
    out = post_quality(columns)
    like, click = out["post_like_rate_so_far"], out["post_click_rate_so_far"]
    assert like[0] == pytest.approx(0.2) and click[0] == pytest.approx(0.2)   # no history: the author's rate
    assert like[1] == pytest.approx(0.5, abs=0.01) and click[1] == pytest.approx(0.1, abs=0.01)  # its own rates
    # 1 like in 2 impressions is not a 50 % post: shrunk towards the author's rate.
    assert like[2] == pytest.approx((1 + POST_PRIOR_IMPRESSIONS * 0.2) / (2 + POST_PRIOR_IMPRESSIONS))
    assert like[3] == 0.0 and click[3] == 0.0  # unknown post and author: no evidence either way


def test_scalars_read_feast_nulls_as_nan():
    assert np.isnan(scalars([1.0, None])[1]) and scalars([1.0, None])[0] == 1.0
