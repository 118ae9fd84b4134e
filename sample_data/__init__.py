"""Data folder of the bundled synthetic sample (see README.md).

Only ``tumen/metadata.json`` (the sample's checksums) is packaged into the wheel, as
``habitatmap.sample_data``: an installed habitatmap regenerates the sample and checks it against them.
"""
