"""The two UC Merced gallery examples run on the bundled data and report sane numbers.

Each example is run as a user would (a subprocess, on the bundled subset,
with its own output folder); the test reads back the figure and the table it
prints. The bounds are loose: each is a wide margin below what the examples
measure on the bundled subset (given beside it) and far above chance
(1/21 = 0.048), so they fail when a step breaks, not when a seed moves.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def _run_example(path, out, cwd):
    for name in ("matplotlib", "pandas"):
        pytest.importorskip(name)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT), os.environ.get("PYTHONPATH", "")]), MPLBACKEND="Agg")
    env.pop("SKMM_DATA_HOME", None)  # the bundled subset, whatever the machine has
    result = subprocess.run([sys.executable, str(path), "--output-dir", str(out)],
                            capture_output=True, text=True, env=env, cwd=cwd)
    assert result.returncode == 0, result.stderr[-4000:]
    assert "bundled subset" in result.stdout
    return result.stdout


def _figure_shape(path):
    import matplotlib.image

    assert path.is_file()
    return matplotlib.image.imread(path).shape


@pytest.mark.slow
def test_learning_regimes_example(tmp_path):
    out = tmp_path / "out"
    stdout = _run_example(
        EXAMPLES / "multiview_learning" / "plot_ucm_learning_regimes.py", out, tmp_path)
    figure = out / "ucm_learning_regimes.png"
    assert str(figure) in stdout
    shape = _figure_shape(figure)
    assert shape[1] > 2 * shape[0] > 600  # three panels side by side

    def score(regime, method, features, metric):
        row = rf"^\s*{regime}\s+{method}\s+{features}\s+{metric}\s+([\d.]+)$"
        match = re.search(row, stdout, flags=re.MULTILINE)
        assert match, f"no row {regime} / {method} / {features} / {metric} in\n{stdout}"
        return float(match.group(1))

    # 6 clustering rows, 3 label spreading rows, 5 SVMs x 3 metrics; none twice.
    rows = re.findall(r"^\s*(?:clustering|label spreading|SVM)\s.*$", stdout,
                      flags=re.MULTILINE)
    assert len(rows) == 6 + 3 + 15 == len({r.rsplit(maxsplit=1)[0] for r in rows})
    for features in ("early fusion", "CCA space"):
        # measured: NMI 0.89 / 0.95 (early), 0.85 / 0.87 (CCA); image only 0.66 / 0.69
        for method in ("multi-view k-means", "multi-view spectral"):
            assert score("clustering", method, features, "NMI") > 0.7
        # measured 0.92 (early), 0.77 (CCA); image only 0.42
        assert score("label spreading", "multi-view label spreading", features,
                     "accuracy") > 0.6
        for method in ("SVC", "multi-kernel SVC"):  # measured 0.99-1.00 each
            assert score("SVM", method, features, "accuracy") > 0.9
            assert score("SVM", method, features, "macro-F1") > 0.9
            assert score("SVM", method, features, "AUC-ROC") > 0.95
    # The image alone is far above chance and below the fused representations.
    assert 0.4 < score("clustering", "k-means", "image only", "NMI") < 0.85
    image_spread = score("label spreading", "label spreading", "image only", "accuracy")
    assert 0.2 < image_spread < 0.8  # measured 0.42
    image_svm = score("SVM", "SVC", "image only", "accuracy")  # measured 0.70
    assert 0.45 < image_svm < score("SVM", "SVC", "early fusion", "accuracy")
    assert score("SVM", "SVC", "image only", "AUC-ROC") > 0.8


@pytest.mark.slow
def test_fusion_example(tmp_path):
    out = tmp_path / "out"
    stdout = _run_example(EXAMPLES / "fusion" / "plot_ucm_fusion.py", out, tmp_path)
    figure = out / "ucm_fusion.png"
    assert str(figure) in stdout
    assert min(_figure_shape(figure)[:2]) > 300

    table = {}
    for model in ("image only", "text only", "early fusion", "late fusion",
                  "CCA fusion", "kernel per modality"):
        match = re.search(rf"^{model}\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)$",
                          stdout, flags=re.MULTILINE)
        assert match, f"no row {model!r} in\n{stdout}"
        accuracy, se, f1, auc = map(float, match.groups())
        assert 0 <= se < 0.1 and f1 <= 1 and auc <= 1
        table[model] = accuracy, f1, auc
    # Templated captions: text alone (measured 0.986) and every fusion that
    # includes it (0.97-1.00) are near perfect.
    for model in ("text only", "early fusion", "late fusion", "CCA fusion",
                  "kernel per modality"):
        accuracy, f1, auc = table[model]
        assert accuracy > 0.9 and f1 > 0.9 and auc > 0.95, model
    # The image alone (measured 0.70, AUC 0.93) is well above chance, below text.
    accuracy, f1, auc = table["image only"]
    assert 0.45 < accuracy < table["text only"][0]
    assert auc > 0.8
    weights = re.search(r"learned kernel weights: \[\s*([\d.]+)\s+([\d.]+)\s*\]",
                        stdout)
    assert weights and sum(map(float, weights.groups())) == pytest.approx(2, abs=0.02)
