"""The tuning-and-deployment example runs on the bundled data and checks its reloads.

It runs as a user would run it, in a subprocess, writing into a temporary
folder; it takes minutes, hence ``slow``.
"""

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "tuning" / "plot_tuning_and_deployment.py"


def _table(stdout):
    """``{route: [cells]}`` from the markdown table the example prints."""
    rows = {}
    for line in stdout.splitlines():
        if line.startswith("| ") and not line.startswith("| route"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows[cells[0]] = cells[1:]
    return rows


@pytest.mark.slow
def test_tuning_example_tunes_saves_and_reloads(tmp_path):
    for name in ("matplotlib", "pandas", "cv2"):
        pytest.importorskip(name)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT), os.environ.get("PYTHONPATH", "")]), MPLBACKEND="Agg")
    env.pop("SKMM_DATA_HOME", None)  # the bundled subset
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, str(EXAMPLE), "--output-dir", str(out)],
                            capture_output=True, text=True, env=env, cwd=tmp_path)
    # The example exits non-zero unless every reloaded model predicts exactly
    # what the original predicts.
    assert result.returncode == 0, result.stderr[-4000:]
    stdout = result.stdout

    figure = out / "tuning_and_deployment.png"
    assert figure.is_file() and str(figure) in stdout
    import matplotlib.image

    image = matplotlib.image.imread(figure)
    assert image.ndim == 3 and min(image.shape[:2]) > 250

    rows = _table(stdout)
    formats = ["joblib"] + (["skops"] if importlib.util.find_spec("skops") else [])
    assert {"full (records)", "fast (blocks once)"} | {f"reload {f}" for f in formats} \
        <= set(rows)
    for fmt in formats:
        assert "fresh process: identical predictions" in rows[f"reload {fmt}"][-1]
        assert (out / f"tuned_model.{fmt}").is_file()
    if "skops" in formats:
        assert "skmm.compose._multimodal.MultiModalTransformer" in stdout

    # columns: candidates, wall s, s/candidate, CV MAP, CV acc, test MAP, test acc
    prior = float(re.search(r"random ranking MAP ([\d.]+)", stdout).group(1))
    for route, n in (("full (records)", 8), ("fast (blocks once)", 8)):
        cells = rows[route]
        assert int(cells[0]) == n
        cv_map, cv_acc, test_map, test_acc = map(float, cells[3:7])
        # Captions name the class: both scores are far above chance (1/21)
        # and the random ranking (measured: see the example's table).
        assert test_map > 5 * prior and cv_map > 5 * prior
        assert test_acc > 0.8 and cv_acc > 0.8
