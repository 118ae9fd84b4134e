"""The project's exceptions: user errors derive from the matching built-ins."""

from habitatmap.errors import (
    AssetError,
    CatalogError,
    ConfigError,
    GeodesyError,
    HabitatmapError,
    HabitatmapWarning,
    InputDataError,
    LegendError,
    OutputError,
    Terminated,
    reason,
)


def test_hierarchy():
    for cls in (LegendError, ConfigError, InputDataError, CatalogError, AssetError, GeodesyError):
        assert issubclass(cls, HabitatmapError) and issubclass(cls, ValueError)
    assert issubclass(CatalogError, InputDataError) and issubclass(AssetError, InputDataError)
    assert issubclass(OutputError, OSError) and issubclass(OutputError, HabitatmapError)
    assert issubclass(HabitatmapWarning, UserWarning)
    assert issubclass(Terminated, BaseException) and not issubclass(Terminated, Exception)


def test_reason_gives_the_useful_first_line():
    assert reason(ValueError("first line\nsecond")) == "first line"
    assert reason(ValueError("")) == "ValueError"
    assert reason(OSError(28, "No space left on device")) == "No space left on device"
    assert reason(ValueError("x" * 500), limit=10) == "x" * 10 + "…"
    # GDAL's wrapper: the message underneath is the reason.
    try:
        try:
            raise RuntimeError("short.asc, band 1: IReadBlock failed")
        except RuntimeError as inner:
            raise OSError("Read failed. See previous exception for details.") from inner
    except OSError as outer:
        assert reason(outer) == "short.asc, band 1: IReadBlock failed"
    assert reason(OSError("Read failed. See previous exception for details.")) == "Read failed"
