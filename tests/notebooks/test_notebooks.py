"""The notebooks in CI: committed without outputs, and every one runs top to bottom
(``notebooks/run.py``, what ``make notebooks`` runs) on a small world of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
#: Small enough for CI, big enough that every notebook has data to train and plot.
USERS = 80


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebooks_have_no_outputs(path):
    cells = json.loads(path.read_text())["cells"]
    dirty = [i for i, cell in enumerate(cells)
             if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)]
    assert not dirty, f"{path.name}: cells {dirty} carry outputs; strip them before committing " \
                      "(jupyter nbconvert --clear-output --inplace)"


@pytest.mark.slow
def test_every_notebook_runs_on_a_small_world():
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, str(REPO / "notebooks" / "run.py"), "--users", str(USERS)],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=1500)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    for path in NOTEBOOKS:
        assert any(line.startswith(path.name) and " PASS " in line for line in result.stdout.splitlines()), \
            result.stdout[-4000:]
