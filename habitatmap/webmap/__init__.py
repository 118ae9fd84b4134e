"""Offline web maps: the base map, habitat and corridors in one HTML file, and a swipe comparison of
two layers; Leaflet inlined, no CDN, every data string escaped."""

from habitatmap._lazy import attach

__all__, __getattr__, __dir__ = attach(__name__, {
    "MAX_IMAGE_PX": "images",
    "WebMapResult": "build",
    "build_compare": "compare",
    "build_webmap": "build",
    "compare_layer": "compare",
    "current_image": "images",
    "escape_frame": "offline",
    "habitat_image": "images",
    "leaflet_assets": "offline",
    "offline_map": "offline",
    "png_data_uri": "images",
    "to_mercator": "images",
    "write_offline": "offline",
})
