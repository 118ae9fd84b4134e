"""Data package, not code: the site workflow files (``<site>.yaml`` and what they name).

Packaged into the wheel as ``habitatmap.workflows`` so an installed habitatmap can run its demo.
"""
