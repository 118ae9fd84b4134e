"""Site workflows: the site file (``site``), its steps (``steps``), the cached runner
(``runner``, ``cache``), the STAC catalog of products (``catalog``) and the demo (``demo``)."""

from habitatmap._lazy import attach

__all__, __getattr__, __dir__ = attach(__name__, {
    "BasemapSpec": "site",
    "ChangeSpec": "site",
    "ClassificationSpec": "site",
    "CompositeSpec": "site",
    "CoresSpec": "site",
    "CorridorSpec": "site",
    "DateRange": "site",
    "FireSpec": "site",
    "PlanEntry": "runner",
    "ReferenceDesignSpec": "site",
    "RunObserver": "runner",
    "RunResult": "runner",
    "SceneSearch": "site",
    "Site": "site",
    "Step": "steps",
    "cache_dir": "demo",
    "demo_workflow": "demo",
    "load_site": "site",
    "plan": "runner",
    "run_workflow": "runner",
    "site_steps": "steps",
    "write_catalog": "catalog",
})
