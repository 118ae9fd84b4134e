"""Spectral indices from surface reflectance, by band common name."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from habitatmap.errors import ConfigError
from habitatmap.values import quote

if TYPE_CHECKING:  # numpy loads when an index is computed, not when the names are listed
    import numpy as np

__all__ = ["INDICES", "compute_index", "normalized_difference", "parse_indices"]

#: name -> (a, b, description) for the normalised difference (a - b) / (a + b).
INDICES: dict[str, tuple[str, str, str]] = {
    "ndvi": ("nir08", "red", "NDVI: vegetation greenness (Tucker 1979)"),
    "ndwi": ("green", "nir08", "NDWI: open water (McFeeters 1996)"),
    "nbr": ("nir08", "swir22", "NBR: burn severity (Key and Benson 2006)"),
    "ndmi": ("nir08", "swir16", "NDMI: vegetation moisture (Gao 1996, Wilson and Sader 2002)"),
    "ndsi": ("green", "swir16", "NDSI: snow and ice (Hall et al. 1995)"),
}


def normalized_difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(a - b) / (a + b)``, NaN where the denominator is zero or either input is NaN."""
    import numpy as np

    with np.errstate(divide="ignore", invalid="ignore"):
        nd = np.asarray((a - b) / (a + b))
    return np.where(np.isfinite(nd), nd, np.nan).astype(nd.dtype, copy=False)


def parse_indices(spec: str | Iterable[str] | None, bands: Iterable[str]) -> tuple[str, ...]:
    """Validate index names (comma-separated or a list) against the available bands.

    Raises
    ------
    ConfigError
        For an unknown index or one whose bands are missing.
    """
    if spec is None:
        return ()
    names = [s.strip().lower() for s in (spec.split(",") if isinstance(spec, str) else spec)]
    names = [n for n in names if n]
    have = set(bands)
    for n in names:
        if n not in INDICES:
            raise ConfigError(f"--indices: unknown index {quote(n)}; choose from {', '.join(INDICES)}.")
        need = [b for b in INDICES[n][:2] if b not in have]
        if need:
            raise ConfigError(f"--indices: {n} needs the band(s) {', '.join(need)}, which the scenes "
                              f"do not have; pull them with --bands or drop {n}.")
    return tuple(dict.fromkeys(names))


def compute_index(name: str, bands: Mapping[str, np.ndarray]) -> np.ndarray:
    """The index ``name`` from a mapping of common name -> reflectance."""
    a, b, _ = INDICES[name]
    return normalized_difference(bands[a], bands[b])
