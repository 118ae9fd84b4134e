"""Wildlife corridors: resistance from the legend, least-cost corridors (Linkage Mapper), circuit
theory (Circuitscape's modes, and its ``.ini`` files in ``circuitscape``), and where the current
crosses the border.

Each analysis is a kernel on arrays (``costdist``, ``circuit``, ``modes``), a function returning a
result object (``least_cost_corridors``, ``circuit_flow``, ``border_crossings``), its writer, and a
``run_*`` composition that reads files, computes and writes.
"""

from habitatmap._lazy import attach

__all__, __getattr__, __dir__ = attach(__name__, {
    "Barrier": "resistance",
    "BorderResult": "border",
    "BorderRun": "border",
    "CircuitOptions": "modes",
    "CircuitResult": "currents",
    "CircuitRun": "currents",
    "Focal": "focal",
    "FocalPoints": "modes",
    "LeastCostResult": "leastcost",
    "LeastCostRun": "leastcost",
    "MODES": "currents",
    "ResistanceResult": "resistance",
    "SolveWriter": "currents",
    "border_crossings": "border",
    "border_parts": "border",
    "cut_line": "border",
    "circuit_flow": "currents",
    "corridor": "costdist",
    "cost_distance": "costdist",
    "least_cost_corridors": "leastcost",
    "least_cost_path": "costdist",
    "parse_barrier": "resistance",
    "place_focal": "focal",
    "read_focal": "focal",
    "read_lines": "focal",
    "read_resistance": "focal",
    "resistance_surface": "resistance",
    "run_border": "border",
    "run_circuit": "currents",
    "run_leastcost": "leastcost",
    "select_features": "focal",
    "write_border": "border",
    "write_circuit": "currents",
    "write_leastcost": "leastcost",
})
