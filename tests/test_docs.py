"""The documentation covers the public API, builds, and the flagship demo runs.

The coverage tests build nothing: they write the API pages the docs build
would write (``docs/_api.py``) and compare them with the package. The Sphinx
build and the demo are slow and skip cleanly where their tools are missing.
"""

import importlib
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
DEMO = ROOT / "examples" / "cross_modal" / "plot_ucm_image_text.py"


def _load_api_module():
    spec = importlib.util.spec_from_file_location("skmm_docs_api", DOCS / "_api.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _subpackages_on_disk():
    # Independent of pkgutil: every folder of skmm with an __init__.py whose
    # name is public is a subpackage the reference must show.
    return sorted(
        f"skmm.{path.parent.name}"
        for path in (ROOT / "skmm").glob("*/__init__.py")
        if not path.parent.name.startswith("_")
    )


def _documented_names(page):
    """Names listed on one generated API page (autosummary entries and data)."""
    names, in_autosummary = [], False
    for line in page.splitlines():
        if line.startswith(".. autosummary::"):
            in_autosummary = True
            continue
        if in_autosummary:
            if line and not line.startswith(" "):
                in_autosummary = False
            elif re.fullmatch(r"   [A-Za-z_][A-Za-z0-9_]*", line):
                names.append(line.strip())
                continue
        match = re.fullmatch(r"- ``([A-Za-z_][A-Za-z0-9_]*)``", line)
        if match:
            names.append(match.group(1))
    return names


def test_api_reference_lists_every_public_subpackage(tmp_path):
    api = _load_api_module()
    modules = api.write_api_pages(tmp_path)
    on_disk = _subpackages_on_disk()
    assert set(on_disk) <= set(modules), f"missing from the API reference: {set(on_disk) - set(modules)}"
    assert "skmm.base" in modules
    index = (tmp_path / "index.rst").read_text(encoding="utf-8")
    for module in modules:
        assert f"   {module}\n" in index
    # Every subpackage skmm.__all__ names is a documented one.
    import skmm

    exported = {f"skmm.{name}" for name in skmm.__all__ if name != "__version__"}
    assert exported <= set(modules)


def test_api_pages_list_exactly_each_all(tmp_path):
    api = _load_api_module()
    for module in api.write_api_pages(tmp_path):
        page = (tmp_path / f"{module}.rst").read_text(encoding="utf-8")
        expected = list(importlib.import_module(module).__all__)
        documented = _documented_names(page)
        assert sorted(documented) == sorted(expected), module
        assert f".. automodule:: {module}" in page


def test_api_page_kinds(tmp_path):
    # Classes get the class template (with their methods), functions the
    # function template; the reference would otherwise render a class as a
    # bare signature.
    api = _load_api_module()
    page = api.api_page("skmm.cross_decomposition")
    classes = page.split("Classes\n-------")[1]
    assert ":template: class.rst" in classes
    assert "   CCA\n" in classes and "Functions" not in page
    page = api.api_page("skmm.metrics")
    assert ":template: function.rst" in page and "Classes" not in page


def test_api_module_without_all_is_refused(monkeypatch):
    # A subpackage without __all__ cannot be listed: the error names it
    # rather than documenting nothing.
    import types

    api = _load_api_module()
    monkeypatch.setitem(sys.modules, "skmm_fake_subpackage",
                        types.ModuleType("skmm_fake_subpackage"))
    with pytest.raises(ValueError, match="skmm_fake_subpackage has no __all__"):
        api.public_names("skmm_fake_subpackage")


@pytest.mark.slow
def test_docs_build_without_warnings(tmp_path):
    for name in ("sphinx", "numpydoc", "sphinx_gallery"):
        pytest.importorskip(name)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT), os.environ.get("PYTHONPATH", "")]))
    env.pop("SKMM_DOCS_RUN_EXAMPLES", None)
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         "-d", str(tmp_path / "doctrees"), str(DOCS), str(tmp_path / "html")],
        capture_output=True, text=True, env=env, cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    html = tmp_path / "html"
    # The pages of the reference exist for a class and a function.
    assert (html / "api" / "generated" / "skmm.cross_decomposition.CCA.html").is_file()
    assert (html / "api" / "generated" / "skmm.metrics.mean_average_precision.html").is_file()
    table = (html / "modules" / "cross_decomposition.html").read_text(encoding="utf-8")
    for name in ("CCA", "KernelCCA", "ProbabilisticCCA", "MCCA", "CollectiveNMF",
                 "TripletEmbedding"):
        assert f"skmm.cross_decomposition.{name}" in table


@pytest.mark.slow
def test_flagship_demo_leaves_model_and_figure(tmp_path):
    for name in ("matplotlib", "pandas"):
        pytest.importorskip(name)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT), os.environ.get("PYTHONPATH", "")]), MPLBACKEND="Agg")
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, str(DEMO), "--output-dir", str(out)],
                            capture_output=True, text=True, env=env, cwd=tmp_path)
    # The demo itself fails unless the reloaded models give identical
    # decision values.
    assert result.returncode == 0, result.stderr[-4000:]
    stdout = result.stdout
    assert (out / "ucm_model.joblib").is_file()
    assert (out / "ucm_text_to_image.png").is_file()
    assert "identical decision values" in stdout
    assert str(out / "ucm_text_to_image.png") in stdout
    # Retrieval in the shared space is far above the random ranking
    # (measured 0.52 / 0.51 against 0.05 on the bundled subset).
    match = re.search(r"image->text: ([\d.]+), text->image: ([\d.]+) "
                      r"\(random ranking ([\d.]+)\)", stdout)
    i2t, t2i, prior = map(float, match.groups())
    assert i2t > 5 * prior and t2i > 5 * prior
    accuracy = float(re.search(r"test accuracy \(image \+ text -> class\): ([\d.]+)",
                               stdout).group(1))
    assert accuracy > 0.9  # measured 0.971; chance 0.048
    import matplotlib.image

    figure = matplotlib.image.imread(out / "ucm_text_to_image.png")
    assert figure.ndim == 3 and min(figure.shape[:2]) > 300
    if importlib.util.find_spec("skops") is not None:
        assert (out / "ucm_model.skops").is_file()
        assert "skmm.cross_decomposition._cca.CCA" in stdout
