"""Raw multimodal records -> one transformer per modality -> views -> an embedder."""

from ._multimodal import MultiModalTransformer

__all__ = ["MultiModalTransformer"]
