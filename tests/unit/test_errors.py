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
)


def test_hierarchy():
    for cls in (LegendError, ConfigError, InputDataError, CatalogError, AssetError, GeodesyError):
        assert issubclass(cls, HabitatmapError) and issubclass(cls, ValueError)
    assert issubclass(CatalogError, InputDataError) and issubclass(AssetError, InputDataError)
    assert issubclass(OutputError, OSError) and issubclass(OutputError, HabitatmapError)
    assert issubclass(HabitatmapWarning, UserWarning)
    assert issubclass(Terminated, BaseException) and not issubclass(Terminated, Exception)
