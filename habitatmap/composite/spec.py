"""What a composite is asked for, parsed without the compositing stack: methods and months.

Kept apart from :mod:`habitatmap.composite.build` (numpy, rasterio, dask) so that checking a site
file or a command line does not import them.
"""

from __future__ import annotations

from habitatmap.errors import ConfigError
from habitatmap.values import quote

__all__ = ["METHODS", "parse_months"]

#: Compositing methods.
METHODS = ("median", "medoid")


def parse_months(spec: str | None) -> frozenset[int] | None:
    """``6-9`` -> {6, 7, 8, 9}; ``11-2`` wraps the year; ``6,7,9`` and ``6-7,9`` also work.

    Raises
    ------
    ConfigError
        If a month is not 1-12 or the text is not of that form.
    """
    if spec is None or not spec.strip():
        return None
    months: set[int] = set()
    try:
        for part in spec.split(","):
            if "-" in part:
                a, b = (int(x) for x in part.split("-", 1))
                if not (1 <= a <= 12 and 1 <= b <= 12):
                    raise ValueError
                months.update(range(a, b + 1) if a <= b else [*range(a, 13), *range(1, b + 1)])
            else:
                m = int(part)
                if not 1 <= m <= 12:
                    raise ValueError
                months.add(m)
    except ValueError:
        raise ConfigError(f"--months {quote(spec)}: not months; give months 1-12 as a range or list, "
                          "e.g. 6-9, 11-2 or 6,7,9.") from None
    return frozenset(months)
