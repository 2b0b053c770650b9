"""Naming raw input items (files, arrays) in error messages."""

import os

__all__ = ["describe_item"]


def describe_item(index, item=None, *, kind="item"):
    """``"<kind> <index> ('<path>')"`` for a path, ``"<kind> <index>"`` otherwise.

    Every error about one image or clip starts with this, so the user knows
    which row (and which file) to look at.
    """
    if isinstance(item, (str, os.PathLike)):
        return f"{kind} {index} ({os.fspath(item)!r})"
    return f"{kind} {index}"
