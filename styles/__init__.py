"""Data package, not code: the shared legend, the UI label catalogue and the crosswalks.

The files here are the single source; the build packages them into the wheel as
``habitatmap.styles`` (see pyproject.toml), and :mod:`habitatmap.resources` finds them there.
"""
