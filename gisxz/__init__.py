"""gisxz: spatial planning toolkit for Xizang.

Builds the plan's layers (三横三纵, 四江一河, border belt, three-hour circle, zones, hubs)
from data, analyses them (network accessibility, buffers and overlays), draws maps and
exports GeoPackages. Submodules are imported on use; importing ``gisxz`` has no side
effects.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
