"""Raw multimodal records -> one transformer per modality -> views -> an embedder."""

from ._multimodal import MultiModalTransformer, ZeroRowWarning

__all__ = ["MultiModalTransformer", "ZeroRowWarning"]
