"""The audio examples run on the bundled data and print the tables they promise.

Each example runs as a script in a fresh process, without ``SKMM_DATA_HOME``
(so on the data shipped with skmm), its figure written to ``tmp_path``. The
tables are parsed back and checked for their rows and for values that follow
from how the data are built, whatever the fitted numbers.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def _run_example(relpath, tmp_path):
    for name in ("matplotlib", "pandas"):
        pytest.importorskip(name)
    env = {k: v for k, v in os.environ.items() if k != "SKMM_DATA_HOME"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    env["MPLBACKEND"] = "Agg"
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, str(EXAMPLES / relpath), "--output-dir", str(out)],
                            capture_output=True, text=True, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-4000:]
    assert "bundled subset" in result.stdout
    return out, result.stdout


def _check_figure(path, stdout):
    import matplotlib.image

    assert path.is_file()
    assert f"figure: {path}" in stdout
    figure = matplotlib.image.imread(path)
    assert figure.ndim == 3 and min(figure.shape[:2]) > 300


@pytest.mark.slow
def test_digits_three_modalities(tmp_path):
    out, stdout = _run_example("multitask/plot_digits_three_modalities.py", tmp_path)
    _check_figure(out / "digits_three_modalities.png", stdout)
    assert "stratified split of the bundled clips" in stdout
    row = re.compile(r"^\s*(MCCA|TripletEmbedding|no shared space)\s+"
                     r"(audio \+ image|audio only|image only)\s+(digit|speaker)\s+"
                     r"([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*$")
    scores = {}
    for line in stdout.splitlines():
        match = row.match(line)
        if match:
            model, views, task, *values = match.groups()
            assert (model, views, task) not in scores, line
            scores[model, views, task] = [float(v) for v in values]
    expected = {(m, v, t) for m in ("MCCA", "TripletEmbedding", "no shared space")
                for v in ("audio + image", "audio only", "image only")
                for t in ("digit", "speaker")}
    assert set(scores) == expected
    for values in scores.values():
        assert all(0 <= v <= 1 for v in values)
    # The images are paired by digit only: they say nothing of the speaker
    # (6 speakers, chance 1/6) and much of the digit (chance 1/10).
    for model in ("MCCA", "TripletEmbedding", "no shared space"):
        accuracy, _, auc = scores[model, "image only", "speaker"]
        assert accuracy < 0.35 and auc < 0.65
        assert scores[model, "image only", "digit"][0] > 0.7
        assert scores[model, "audio + image", "digit"][0] > 0.8
    # The speaker is in the audio: the models that may keep it do.
    assert scores["TripletEmbedding", "audio only", "speaker"][0] > 0.6
    assert scores["no shared space", "audio only", "speaker"][0] > 0.8


@pytest.mark.slow
def test_audio_visual_snr(tmp_path):
    out, stdout = _run_example("audio_visual/plot_audio_visual_snr.py", tmp_path)
    _check_figure(out / "audio_visual_snr.png", stdout)
    assert "stratified split of the bundled clips" in stdout
    header = re.compile(r"^\s*clean\s+20 dB\s+10 dB\s+5 dB\s+0 dB\s+-5 dB\s*$")
    assert any(header.match(line) for line in stdout.splitlines())
    models = ["audio only", "image only", "early fusion", "late fusion (product)",
              "CCA shared space", "best fusion - best single"]
    number = r"(-?[\d.]+)"
    row = re.compile(r"^(clean|multi-condition)?\s*(" + "|".join(map(re.escape, models))
                     + r")\s+" + r"\s+".join([number] * 6) + r"\s*$")
    table, regime = {}, None
    for line in stdout.splitlines():
        match = row.match(line)
        if match:
            # pandas prints each training regime once, on its first row.
            regime = match.group(1) or regime
            assert (regime, match.group(2)) not in table, line
            table[regime, match.group(2)] = [float(v) for v in match.groups()[2:]]
    assert set(table) == {(r, m) for r in ("clean", "multi-condition") for m in models}
    for regime in ("clean", "multi-condition"):
        # The images are never noisy: the image-only accuracy is one number.
        assert len(set(table[regime, "image only"])) == 1
        # The gain row is the best fusion minus the best single modality.
        for k in range(6):
            fused = max(table[regime, m][k] for m in models[2:5])
            single = max(table[regime, m][k] for m in models[:2])
            assert table[regime, "best fusion - best single"][k] == pytest.approx(
                fused - single, abs=1.5e-3)
    # White noise at -5 dB destroys the clean-trained audio model.
    clean_audio = table["clean", "audio only"]
    assert clean_audio[0] > 0.8 and clean_audio[-1] < 0.5
