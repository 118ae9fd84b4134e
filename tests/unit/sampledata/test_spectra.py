"""The sample's synthetic Landsat scenes: surface reflectance and QA bits."""

from __future__ import annotations

import numpy as np

from habitatmap.sampledata import SCENES
from habitatmap.sampledata.habitat import make_landscape
from habitatmap.sampledata.spectra import SceneData, SceneSpec, make_scene, surface
from habitatmap.sampledata.terrain import fractal_noise, make_terrain
from habitatmap.scenes.qa import decode_flags


def test_scene_dn_and_qa():
    rng = np.random.default_rng(5)
    ter = make_terrain(rng, (80, 80))
    land = make_landscape(rng, ter)
    texture = fractal_noise(rng, (80, 80), 3.0).astype(np.float32)
    spec: SceneSpec = SCENES[1]
    refl = surface(rng, land.habitat, ter, spec, texture)
    assert refl.shape[1:] == (80, 80) and np.nanmax(refl) < 1.2
    scene = make_scene(rng, land.habitat, ter, spec, texture, (60, 60))
    assert isinstance(scene, SceneData) and set(scene.dn) == {"blue", "green", "red", "nir08", "swir16",
                                                               "swir22"}
    assert scene.qa.shape == (60, 60) and decode_flags(scene.qa)["clear"].any()
