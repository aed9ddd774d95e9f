"""``make notebooks``: run every notebook in this folder top to bottom against a fresh small world.

1. a throwaway ``AGORA_HOME`` (or ``--home``);
2. the chain the notebooks read, through the ``agora`` CLI: ``world generate`` → ``pipeline export``
   → ``pipeline features`` → ``features apply`` → ``features materialize`` (notebooks that train,
   like 02, call the project's training functions themselves);
3. each ``NN_*.ipynb`` executed with nbclient on the ``python3`` kernel of this virtualenv, with
   ``AGORA_HOME`` (and ``AGORA_DATA_DIR``, the real public data sets) in the kernel's environment.
   A cell error fails that notebook; the others still run. A notebook that reads a data set (its
   metadata's ``agora.data``: paths under ``AGORA_DATA_DIR``) is skipped, saying which file is
   missing, where that data set is not on the machine (it is never committed).

The notebooks in git stay output-free; the executed copies (with outputs and plots) are written
to ``<temp dir>/executed/`` for a look. Exits 1 if any notebook failed; the temp directory is then
kept and its path printed (``--keep`` keeps it on success too).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NOTEBOOK_DIR = Path(__file__).resolve().parent
REPO_ROOT = NOTEBOOK_DIR.parent
BIN = Path(sys.executable).parent
#: The real public data sets (``../shared/data`` beside the checkout, as in CI); read, never copied in.
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="only these notebooks (names or paths)")
    parser.add_argument("--users", type=int, default=150)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--home", type=Path, default=None,
                        help="use (and keep) this AGORA_HOME; skip the chain if it already has a lake")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    parser.add_argument("--keep", action="store_true", help="keep the temp directory even on success")
    args = parser.parse_args()

    notebooks = _select(args.notebooks)
    workdir = Path(tempfile.mkdtemp(prefix="agora-notebooks-"))
    home = (args.home or workdir / "agora_home").resolve()
    _configure_environment(home)
    print(f"notebooks: AGORA_HOME={home}", flush=True)
    missing = {path: _missing_data(path) for path in notebooks}

    if all(missing.values()):
        print("  every selected notebook lacks its data: no world to build", flush=True)
    elif args.home is not None and any(home.glob("lake/events/date=*")):
        print("  reusing the world and lake already there", flush=True)
    else:
        chain = [
            ["world", "generate", "--users", str(args.users), "--seed", str(args.seed)],
            ["pipeline", "export"],
            ["pipeline", "features"],
            ["features", "apply"],
            ["features", "materialize"],
        ]
        for argv in chain:
            if not _agora(argv, workdir / "logs"):
                return _finish(workdir, failed=True, keep=args.keep or args.home is not None)

    executed = workdir / "executed"
    executed.mkdir(exist_ok=True)
    failed = []
    for path in notebooks:
        if missing[path]:
            print(f"{path.name:<44} SKIP    no data: {missing[path]}", flush=True)
            continue
        started = time.perf_counter()
        error = _execute(path, executed / path.name, args.timeout)
        seconds = time.perf_counter() - started
        print(f"{path.name:<44} {'PASS' if error is None else 'FAIL'} {seconds:7.1f} s", flush=True)
        if error is not None:
            failed.append(path.name)
            print(_indent(error), flush=True)
    print(f"notebooks: {len(notebooks) - len(failed)}/{len(notebooks)} ran without errors or were skipped", flush=True)
    return _finish(workdir, failed=bool(failed), keep=args.keep or args.home is not None)


def _select(names: list[str]) -> list[Path]:
    every = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
    if not names:
        return every
    chosen = [p for p in every if any(n in (p.name, p.stem, str(p)) or Path(n).name == p.name for n in names)]
    if len(chosen) != len(names):
        raise SystemExit(f"unknown notebook in {names}; have: {[p.name for p in every]}")
    return chosen


def _missing_data(path: Path) -> Path | None:
    """The first data file the notebook declares (metadata ``agora.data``) that is not on this machine."""
    import nbformat

    wanted = nbformat.read(path, as_version=4).metadata.get("agora", {}).get("data", [])
    data_dir = Path(os.environ["AGORA_DATA_DIR"])
    return next((data_dir / name for name in wanted if not (data_dir / name).is_file()), None)


def _configure_environment(home: Path) -> None:
    """What the chain's subprocesses and the notebook kernels see (kernels inherit os.environ)."""
    for var in ("AGORA_DATABASE_URL", "AGORA_REDIS_URL", "AGORA_MLFLOW_TRACKING_URI"):
        os.environ.pop(var, None)  # everything lives in the throwaway home
    os.environ.update({
        "AGORA_HOME": str(home),
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "SPARK_LOCAL_IP": "127.0.0.1",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
        "OMP_WAIT_POLICY": "PASSIVE",  # spinning OpenMP threads slow a shared 2-core machine 3-5x
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",  # progress bars would fill the executed copies
    })
    os.environ.setdefault("AGORA_DATA_DIR", str(DEFAULT_DATA_DIR))


def _agora(argv: list[str], logs: Path) -> bool:
    logs.mkdir(exist_ok=True)
    log = logs / f"agora_{'_'.join(a for a in argv if not a.startswith('-'))[:60]}.log"
    started = time.perf_counter()
    with log.open("wb") as out:
        code = subprocess.run([str(BIN / "agora"), *argv], cwd=REPO_ROOT, stdout=out,
                              stderr=subprocess.STDOUT).returncode
    print(f"  agora {' '.join(argv):<40} {'ok' if code == 0 else f'FAILED ({code})'} "
          f"{time.perf_counter() - started:6.1f} s", flush=True)
    if code:
        print(_indent("\n".join(log.read_text(errors="replace").splitlines()[-30:])), flush=True)
    return code == 0


def _execute(source: Path, target: Path, timeout: int) -> str | None:
    """Run ``source`` in a fresh kernel (cwd = this folder); write the executed copy to ``target``.
    Returns None, or the error of the first failing cell."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = nbformat.read(source, as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3", allow_errors=False,
                            resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    try:
        client.execute()
        return None
    except CellExecutionError as exc:
        return str(exc)[-4000:]
    except Exception as exc:  # noqa: BLE001 - a kernel that dies or times out fails the notebook too
        return f"{type(exc).__name__}: {exc}"[-4000:]
    finally:
        nbformat.write(notebook, target)


def _indent(text: str) -> str:
    return "\n".join(f"  | {line}" for line in text.splitlines())


def _finish(workdir: Path, *, failed: bool, keep: bool) -> int:
    if failed or keep:
        print(f"notebooks: kept {workdir} (executed copies with outputs in {workdir / 'executed'})", flush=True)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
        print("notebooks: temp directory removed (--keep keeps the executed copies)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
