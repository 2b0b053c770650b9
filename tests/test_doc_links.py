"""Every public estimator's HTML representation links to its own API page.

The page names are those the docs build writes (``docs/_api.py``: one
autosummary stub ``api/generated/<module>.<Class>`` per class of a public
module's ``__all__``); the test derives them from that logic, without
building the docs.
"""

import importlib.util
from pathlib import Path

import pytest
from sklearn.base import BaseEstimator
from sklearn.utils import estimator_html_repr

import skmm
from skmm.base import _DOC_URL_TEMPLATE, _DocLinkMixin
from skmm.utils import all_estimators

ROOT = Path(__file__).resolve().parent.parent


def _documented_class_pages():
    """``{class: "module.Class"}`` for every class the API reference gives a page."""
    spec = importlib.util.spec_from_file_location("skmm_docs_api_links", ROOT / "docs" / "_api.py")
    api = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(api)
    pages = {}
    for module in api.public_modules():
        for name in api.public_names(module):
            if api._kind(module, name) == "class":
                obj = getattr(importlib.import_module(module), name)
                pages.setdefault(obj, f"{module}.{name}")
    return pages


PAGES = _documented_class_pages()
ESTIMATORS = all_estimators()


def test_template_is_one_constant():
    version = "latest" if "dev" in skmm.__version__ else skmm.__version__
    assert _DocLinkMixin._doc_link_template == _DOC_URL_TEMPLATE.format(version=version)
    assert _DocLinkMixin._doc_link_template.startswith("https://skmm.readthedocs.io/en/")


@pytest.mark.parametrize("name, cls", ESTIMATORS, ids=[name for name, _ in ESTIMATORS])
def test_estimator_links_to_its_api_page(name, cls):
    assert cls in PAGES, f"{name} is a public estimator without a page in the API reference"
    # The doc-link attributes must win over BaseEstimator's (sklearn's site).
    mro = cls.__mro__
    assert mro.index(_DocLinkMixin) < mro.index(BaseEstimator), name
    est = _instance(cls)
    expected = f"https://skmm.readthedocs.io/en/{_version_slug()}/api/generated/{PAGES[cls]}.html"
    assert est._get_doc_link() == expected
    assert f'href="{expected}"' in estimator_html_repr(est)


def test_nested_estimator_links_are_kept():
    # Inside a pipeline each skmm step links to its own page, scikit-learn's to theirs.
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import SVC

    from skmm.compose import MultiModalTransformer
    from skmm.cross_decomposition import CCA

    mm = MultiModalTransformer([("a", TfidfVectorizer(), "a"), ("b", TfidfVectorizer(), "b")],
                               embedder=CCA())
    html = estimator_html_repr(make_pipeline(mm, SVC()))
    base = f"https://skmm.readthedocs.io/en/{_version_slug()}/api/generated/"
    assert f'href="{base}skmm.compose.MultiModalTransformer.html"' in html
    assert f'href="{base}skmm.cross_decomposition.CCA.html"' in html
    assert "scikit-learn.org" in html  # SVC, TfidfVectorizer


def _version_slug():
    return "latest" if "dev" in skmm.__version__ else skmm.__version__


def _instance(cls):
    """An instance (linking needs no fit); only MultiModalTransformer has a required argument."""
    if cls.__name__ == "MultiModalTransformer":
        return cls([("a", "passthrough", ["a"])])
    return cls()
