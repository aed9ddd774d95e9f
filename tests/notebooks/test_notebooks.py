"""The notebooks in CI: committed without outputs, and every one runs top to bottom
(``notebooks/run.py``, what ``make notebooks`` runs) on a small world of its own; one that reads
a real data set absent from the machine is skipped and says which file is missing."""

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


@pytest.fixture(scope="module")
def runner_output() -> str:
    """One run of every notebook (one world and one chain for all of them): the runner's stdout."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, str(REPO / "notebooks" / "run.py"), "--users", str(USERS)],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=1500)
    return result.stdout + result.stderr[-2000:]


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_top_to_bottom_on_a_small_world(path, runner_output):
    line = next((line for line in runner_output.splitlines() if line.startswith(path.name)), None)
    assert line is not None, runner_output[-6000:]
    status = line[len(path.name):].split()[0]
    if status == "SKIP":   # a real data set the notebook reads is not on this machine
        pytest.skip(line[len(path.name):].strip())
    assert status == "PASS", runner_output[-6000:]


def test_notebooks_without_their_data_are_skipped_without_building_a_world(tmp_path):
    data_notebooks = [p.stem for p in NOTEBOOKS if json.loads(p.read_text())["metadata"].get("agora", {}).get("data")]
    assert data_notebooks, "no notebook declares a real data set any more"
    env = {**os.environ, "AGORA_DATA_DIR": str(tmp_path / "absent")}
    result = subprocess.run([sys.executable, str(REPO / "notebooks" / "run.py"), *data_notebooks],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no world to build" in result.stdout and "agora world generate" not in result.stdout
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.split(" ", 1)[0].endswith(".ipynb")}
    for name in data_notebooks:
        assert f"SKIP    no data: {tmp_path / 'absent'}" in lines[f"{name}.ipynb"]
