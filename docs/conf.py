"""Sphinx configuration of the skmm documentation (``make docs``)."""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The checkout first, so the docs describe the code beside them even when
# another skmm is installed; _api.py sits next to this file.
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import skmm  # noqa: E402
from _api import write_api_pages  # noqa: E402

project = "skmm"
author = "the skmm developers"
copyright = "the skmm developers, BSD-3-Clause"
release = skmm.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "**/README.md"]
html_theme = "alabaster"
html_theme_options = {"description": "Multimodal and cross-modal machine learning, scikit-learn style"}

# The API pages are written from the package before Sphinx reads the sources.
write_api_pages(HERE / "api")
autosummary_generate = True
autodoc_default_options = {"member-order": "groupwise"}
# numpydoc lists methods in its own tables; without autosummary stubs for
# each of them its "Methods" table would point nowhere.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

# Examples are rendered, not executed: the build must not depend on the data,
# OpenCV speed or minutes of CPU. SKMM_DOCS_RUN_EXAMPLES=1 runs them.
sphinx_gallery_conf = {
    # Paths relative to this folder: absolute ones break the gallery's toctree.
    # Each subfolder with a GALLERY_HEADER.rst is one section of the gallery:
    # cross_modal/, tuning/, scaling/, ...
    "examples_dirs": ["../examples"],
    "gallery_dirs": ["auto_examples"],
    # Only plot_*.py run even with SKMM_DOCS_RUN_EXAMPLES=1; scripts that need
    # hardware the docs build lacks (scaling/gpu_and_dask.py: CuPy, a GPU, a
    # Dask cluster) are named otherwise and shown without running.
    "filename_pattern": r"/plot_",
    "plot_gallery": "True" if os.environ.get("SKMM_DOCS_RUN_EXAMPLES") == "1" else "False",
    "download_all_examples": False,
    "within_subsection_order": "FileNameSortKey",
}
