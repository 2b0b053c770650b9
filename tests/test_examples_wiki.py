"""The Wikipedia retrieval and hashing examples run and print their tables.

Each example runs as a subprocess, writing into ``tmp_path``; the full runs
need ``SKMM_DATA_HOME/wikipedia_xmodal`` and are skipped without it. The
expected MAP values are those of the fixed configurations measured when the
examples were written (they equal ``benchmarks/results/retrieval.md`` and
``hashing.md``); the tolerance allows for BLAS rounding, not for a change of
method.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RETRIEVAL = ROOT / "examples" / "retrieval" / "plot_wikipedia_retrieval.py"
HASHING = ROOT / "examples" / "hashing" / "plot_wikipedia_hashing.py"


def _run(script, cwd, *args, data_home=None):
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=os.pathsep.join(
        [str(ROOT), os.environ.get("PYTHONPATH", "")]))
    env.pop("SKMM_DATA_HOME", None)
    if data_home is not None:
        env["SKMM_DATA_HOME"] = str(data_home)
    return subprocess.run([sys.executable, str(script), *args], capture_output=True,
                          text=True, env=env, cwd=cwd)


def _check_figure(path):
    import matplotlib.image

    assert path.is_file()
    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and min(image.shape[:2]) > 300


@pytest.mark.parametrize("script", [RETRIEVAL, HASHING], ids=["retrieval", "hashing"])
def test_example_without_data_exits_with_message(script, tmp_path):
    pytest.importorskip("matplotlib")
    result = _run(script, tmp_path, "--output-dir", str(tmp_path / "out"))
    assert result.returncode == 1
    assert "needs the Wikipedia features" in result.stderr
    assert "SKMM_DATA_HOME" in result.stderr
    assert not (tmp_path / "out").exists()


# MAP image->text, text->image of each method, measured when the example was
# written (equal to benchmarks/results/retrieval.md, except the standardised SM,
# which the benchmark does not run).
RETRIEVAL_MAP = {
    "random scores": (0.118, 0.118),
    "CCA (CM)": (0.273, 0.217),
    "kernel CCA": (0.261, 0.216),
    "SM (logistic, as the paper)": (0.278, 0.212),
    "SM, logistic on raw features (skmm's default classifier)": (0.146, 0.194),
    "SCM (CCA(9) + logistic, as the paper)": (0.276, 0.226),
    "SCM, centred posteriors": (0.304, 0.224),
    "triplet embedding": (0.282, 0.220),
    "SM, sqrt + RBF-SVM posteriors, centred": (0.324, 0.266),
}


@pytest.mark.slow
@pytest.mark.data_home
def test_retrieval_example(full_dataset, tmp_path):
    pytest.importorskip("matplotlib")
    data_home = full_dataset("wikipedia_xmodal").parent
    out = tmp_path / "out"
    result = _run(RETRIEVAL, tmp_path, "--output-dir", str(out), data_home=data_home)
    assert result.returncode == 0, result.stderr[-4000:]
    _check_figure(out / "wikipedia_retrieval_pr.png")
    assert str(out / "wikipedia_retrieval_pr.png") in result.stdout
    # | method | i->t | t->i | average | published i->t | published t->i | params | s |
    table = {}
    for line in result.stdout.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 8:
            table[cells[0]] = cells[1:]
    assert set(RETRIEVAL_MAP) <= set(table)
    for name, expected in RETRIEVAL_MAP.items():
        i2t, t2i, average = map(float, table[name][:3])
        assert i2t == pytest.approx(expected[0], abs=0.01), name
        assert t2i == pytest.approx(expected[1], abs=0.01), name
        assert average == pytest.approx((i2t + t2i) / 2, abs=0.001), name
    # The published figures sit beside ours.
    assert table["CCA (CM)"][3:5] == ["0.249", "0.196"]
    assert table["SCM (CCA(9) + logistic, as the paper)"][3:5] == ["0.277", "0.226"]
    assert any(name.startswith("JFSSL") and cells[3:5] == ["0.306", "0.228"]
               for name, cells in table.items())
    # The retriever object agrees with the table (the example fails otherwise).
    assert "CrossModalRetriever.score (image->text MAP): 0.324, as in the table" \
        in result.stdout


# MAP image->text, text->image per (method, bits), measured when the example
# was written (equal to benchmarks/results/hashing.md).
HASHING_MAP = {
    ("CCA-ITQ", 16): (0.265, 0.193), ("CCA-ITQ", 32): (0.287, 0.208),
    ("CCA-ITQ", 64): (0.289, 0.209), ("CCA-ITQ", 128): (0.286, 0.213),
    ("CMFH", 16): (0.212, 0.168), ("CMFH", 32): (0.212, 0.165),
    ("CMFH", 64): (0.221, 0.180), ("CMFH", 128): (0.242, 0.196),
    ("SCM-Seq (supervised)", 16): (0.220, 0.164),
    ("SCM-Seq (supervised)", 32): (0.252, 0.182),
    ("SCM-Seq (supervised)", 64): (0.254, 0.190),
    ("SCM-Seq (supervised)", 128): (0.266, 0.196),
}


@pytest.mark.slow
@pytest.mark.data_home
def test_hashing_example(full_dataset, tmp_path):
    pytest.importorskip("matplotlib")
    data_home = full_dataset("wikipedia_xmodal").parent
    out = tmp_path / "out"
    # A smaller synthetic gallery than the example's default keeps the test short.
    result = _run(HASHING, tmp_path, "--output-dir", str(out), "--gallery-size",
                  "100000", data_home=data_home)
    assert result.returncode == 0, result.stderr[-4000:]
    _check_figure(out / "wikipedia_hashing_map.png")
    assert str(out / "wikipedia_hashing_map.png") in result.stdout
    # | method | bits | i->t | t->i | hyper-parameters |
    table = {}
    for line in result.stdout.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 5 and re.fullmatch(r"\d+|-", cells[1]):
            table[cells[0], cells[1]] = cells[2:4]
    for (name, bits), expected in HASHING_MAP.items():
        i2t, t2i = map(float, table[name, str(bits)])
        assert i2t == pytest.approx(expected[0], abs=0.01), (name, bits)
        assert t2i == pytest.approx(expected[1], abs=0.01), (name, bits)
    i2t, t2i = map(float, table["real-valued CCA(9), cosine", "-"])
    assert (i2t, t2i) == (pytest.approx(0.241, abs=0.01), pytest.approx(0.197, abs=0.01))
    i2t, t2i = map(float, table["random scores", "-"])
    assert (i2t, t2i) == (pytest.approx(0.118, abs=0.005), pytest.approx(0.118, abs=0.005))
    # The timing table has both searches on the gallery asked for (values not
    # checked: they depend on the machine).
    assert "top 10 of 100,000 items" in result.stdout
    for name in ("Hamming top-k, 64-bit codes", "cosine top-k, 64-d float32"):
        assert re.search(rf"^\| {re.escape(name)} \| \d+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \|$",
                         result.stdout, flags=re.MULTILINE), name
