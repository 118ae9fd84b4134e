"""The sample area's grid."""

from habitatmap.sampledata.grid import PIXEL, UTM_EPSG, tumen_grid


def test_tumen_grid_is_on_the_30_m_lattice():
    g = tumen_grid(640)
    assert g.crs == f"EPSG:{UTM_EPSG}" and g.resolution == PIXEL and g.shape == (640, 640)
    assert g.transform.c % 30 == 0 and g.transform.f % 30 == 0
