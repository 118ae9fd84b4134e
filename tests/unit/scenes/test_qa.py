"""Collection 2 QA_PIXEL bits."""

from __future__ import annotations

import numpy as np

from habitatmap.scenes.qa import confidence, decode_flags, encode_qa, unusable_mask

ONE = (1, 1)
T = np.ones(ONE, bool)


def test_encoded_values_match_usgs_published_values():
    # Values listed for Landsat 8-9 (and 4-7) Collection 2 QA_PIXEL by the USGS.
    assert encode_qa(ONE)[0, 0] == 21824            # clear, OLI
    assert encode_qa(ONE, oli=False)[0, 0] == 5440   # clear, TM/ETM+
    assert encode_qa(ONE, water=T)[0, 0] == 21952    # clear water
    assert encode_qa(ONE, cloud=T)[0, 0] == 22280    # high-confidence cloud
    assert encode_qa(ONE, dilated_cloud=T)[0, 0] == 21762
    assert encode_qa(ONE, cloud_shadow=T)[0, 0] == 23888
    assert encode_qa(ONE, cirrus=T)[0, 0] == 54596
    assert encode_qa(ONE, snow=T)[0, 0] == 30048
    assert encode_qa(ONE, fill=T, cloud=T)[0, 0] == 1


def test_decode_and_unusable_mask():
    qa = np.array([21824, 21952, 22280, 21762, 23888, 54596, 30048, 1, 5440], np.uint16)
    f = decode_flags(qa)
    assert f["fill"].tolist() == [0, 0, 0, 0, 0, 0, 0, 1, 0]
    assert f["cloud"].tolist() == [0, 0, 1, 0, 0, 0, 0, 0, 0]
    assert f["clear"].tolist() == [1, 1, 0, 0, 1, 1, 1, 0, 1]  # shadow and cirrus keep "clear"
    assert confidence(qa, "cloud").tolist() == [1, 1, 3, 1, 1, 1, 1, 0, 1]
    assert unusable_mask(qa).tolist() == [0, 0, 1, 1, 1, 1, 1, 1, 0]
    assert unusable_mask(qa, mask_snow=False).tolist() == [0, 0, 1, 1, 1, 1, 0, 1, 0]
    assert unusable_mask(qa, mask_cirrus=False).tolist() == [0, 0, 1, 1, 1, 0, 1, 1, 0]
