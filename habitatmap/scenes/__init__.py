"""Landsat scenes from STAC: items, search, asset access and the clipped, masked pull.

This package is the only place that talks to the network (see ``access``). Its top level re-exports
the item helpers of :mod:`habitatmap.scenes.items`.
"""

from habitatmap.scenes import items as _items
from habitatmap.scenes.items import *  # noqa: F403  (the public names listed in items.__all__)

__all__ = list(_items.__all__)
