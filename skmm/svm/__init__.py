"""Support vector machines on several views: one kernel per view, combined."""

from ..utils._kernel_spec import ViewKernel
from ._multikernel import MultiKernelSVC

__all__ = ["MultiKernelSVC", "ViewKernel"]
