"""The API reference, discovered from the package rather than listed by hand.

``conf.py`` calls :func:`write_api_pages` before Sphinx reads the sources, so a
subpackage added to skmm (``skmm.svm``, ``skmm.retrieval``, ...) gets its page
without editing the docs: every public subpackage found by walking ``skmm``
is documented, and on its page every name of its ``__all__``.
``tests/test_docs.py`` checks the same lists without building.
"""

import importlib
import pkgutil
from pathlib import Path

# Modules documented besides the subpackages (``skmm.base`` is a module).
EXTRA_MODULES = ("skmm.base",)


def public_modules(package="skmm"):
    """Public subpackages of ``package`` (and :data:`EXTRA_MODULES`), sorted.

    A subpackage is public when no part of its name starts with ``_``; it is
    found on disk by :func:`pkgutil.iter_modules`, so it need not be listed in
    ``skmm.__all__`` to be documented (a missing entry there is a bug the
    docs should not hide).
    """
    pkg = importlib.import_module(package)
    found = [
        f"{package}.{info.name}"
        for info in pkgutil.iter_modules(pkg.__path__)
        if info.ispkg and not info.name.startswith("_")
    ]
    return sorted(set(found) | set(EXTRA_MODULES))


def public_names(module_name):
    """The names of ``module_name.__all__``, in order; an error when it has none."""
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None)
    if names is None:
        raise ValueError(f"{module_name} has no __all__: the API reference cannot list it.")
    return [name for name in names if not name.startswith("_")]


def _kind(module_name, name):
    obj = getattr(importlib.import_module(module_name), name)
    if isinstance(obj, type):
        return "class"
    if callable(obj):
        return "function"
    return "data"


def api_page(module_name):
    """The reST source of one module's API page."""
    title = f":mod:`{module_name}`"
    lines = [
        f".. _api_{module_name.replace('.', '_')}:",
        "",
        title,
        "=" * len(title),
        "",
        f".. automodule:: {module_name}",
        "   :no-members:",
        "   :no-inherited-members:",
        "",
        f".. currentmodule:: {module_name}",
        "",
    ]
    names = public_names(module_name)
    by_kind = {"class": [], "function": [], "data": []}
    for name in names:
        by_kind[_kind(module_name, name)].append(name)
    headings = {"class": "Classes", "function": "Functions", "data": "Data"}
    for kind, members in by_kind.items():
        if not members:
            continue
        lines += [headings[kind], "-" * len(headings[kind]), ""]
        if kind == "data":
            # Module-level data (e.g. a version string) has no page of its own.
            lines += [f"- ``{name}``" for name in members] + [""]
            continue
        lines += [".. autosummary::", "   :toctree: generated/",
                  f"   :template: {kind}.rst", ""]
        lines += [f"   {name}" for name in members] + [""]
    return "\n".join(lines)


def write_api_pages(outdir):
    """Write ``index.rst`` and one page per public module into ``outdir``.

    Returns the module names. Files are rewritten only when their text
    changes, so an incremental Sphinx build stays incremental.
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    modules = public_modules()
    pages = {module: api_page(module) for module in modules}
    index = [
        ".. _api:",
        "",
        "API reference",
        "=============",
        "",
        "Generated from each public subpackage's ``__all__``; a new subpackage",
        "appears here without editing the documentation.",
        "",
        ".. toctree::",
        "   :maxdepth: 2",
        "",
    ] + [f"   {module}" for module in modules] + [""]
    pages["index"] = "\n".join(index)
    for name, text in pages.items():
        path = outdir / f"{name}.rst"
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    return modules
