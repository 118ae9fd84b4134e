"""The only door to files: checked raster and vector readers, atomic writers, locks, YAML and JSON.

Library code reads and writes through these modules only, so every read gets the same safety
checks (no GDAL virtual paths, only the expected drivers, CRS, encoding and size checks, manifest
entries kept inside their folder) and every write the same guarantees (a temporary name of this
process in the destination folder, renamed into place when complete and valid; output folders
locked, and only the run's own products replaced).
"""

from habitatmap._lazy import attach

__all__, __getattr__, __dir__ = attach(__name__, {
    "COG_PROFILE": "raster",
    "FolderLock": "lock",
    "OutputFolder": "atomic",
    "RasterArray": "raster",
    "ScratchRaster": "raster",
    "VectorSource": "vector",
    "atomic_path": "atomic",
    "available_memory": "raster",
    "check_local_path": "paths",
    "check_memory": "raster",
    "check_output_folder": "atomic",
    "check_shapefile_encoding": "vector",
    "clean_own_leftovers": "atomic",
    "cog_writer": "raster",
    "file_url_path": "paths",
    "gdal_path": "raster",
    "is_own_leftover": "atomic",
    "list_layers": "vector",
    "open_raster": "raster",
    "raster_grid": "raster",
    "read_gzipped_raster": "raster",
    "read_json": "text",
    "read_provenance": "vector",
    "read_raster": "raster",
    "read_text": "text",
    "read_vector": "vector",
    "parse_yaml": "yaml",
    "read_window": "raster",
    "read_yaml": "yaml",
    "resolve_inside": "paths",
    "scratch_array": "atomic",
    "scratch_folder": "atomic",
    "sha256_file": "atomic",
    "split_layer": "paths",
    "staging_path": "atomic",
    "temporary_path": "atomic",
    "write_category_names": "raster",
    "write_cog": "raster",
    "write_failure": "atomic",
    "write_json": "atomic",
    "write_layers": "vector",
    "write_vector": "vector",
    "write_text_atomic": "atomic",
})
