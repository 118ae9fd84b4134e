"""Site workflows: the site file (``site``) and the demo that runs the bundled sample (``demo``)."""

from habitatmap._lazy import attach

__all__, __getattr__, __dir__ = attach(__name__, {
    "ClassificationSpec": "site",
    "CompositeSpec": "site",
    "CorridorSpec": "site",
    "DemoResult": "demo",
    "SceneSearch": "site",
    "Site": "site",
    "SiteInputs": "site",
    "cache_dir": "demo",
    "demo_workflow": "demo",
    "load_site": "site",
    "run_demo": "demo",
})
