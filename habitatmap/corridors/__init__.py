"""Corridor analyses: resistance surfaces from the legend, least-cost corridors, circuit theory."""
