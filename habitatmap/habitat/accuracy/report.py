"""Accuracy reports: ``report.json`` (machine-readable), ``report.md`` (for people) and a
confusion-matrix PNG, written together into one folder."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from habitatmap.habitat.accuracy.assess import Assessment
from habitatmap.habitat.accuracy.estimators import Z95
from habitatmap.io.atomic import atomic_path, write_json, write_text_atomic
from habitatmap.legend.model import Legend
from habitatmap.provenance import software_versions

__all__ = ["REPORT_FILES", "build_report", "render_markdown", "write_report"]

REPORT_FILES = ("report.json", "report.md", "confusion_matrix.png")


def _num(v: float, digits: int = 6) -> float | None:
    return None if v is None or not math.isfinite(float(v)) else round(float(v), digits)


def _list(values: np.ndarray, digits: int = 6) -> list[float | None]:
    return [_num(v, digits) for v in values]


def build_report(assessment: Assessment, legend: Legend, *, extra: dict[str, Any] | None = None) -> dict:
    """The JSON-ready report: per-class lists follow ``classes`` (legend codes)."""
    a = assessment.accuracy
    return {
        "product": "habitatmap accuracy report",
        "software": software_versions(),
        "map": assessment.map,
        "reference": assessment.reference,
        "design": assessment.design,
        "legend": {"id": legend.id, "version": legend.version},
        "classes": a.classes,
        "class_keys": [legend.by_code(c).key for c in a.classes],
        "n": a.n,
        "dropped_on_nodata": assessment.dropped_nodata,
        "error_matrix": a.error_matrix.tolist(),
        "error_matrix_orientation": "rows = map class, columns = reference class, sample counts",
        "area_weighted_error_matrix": [_list(row, 8) for row in a.proportions],
        "overall_accuracy": _num(a.overall_accuracy),
        "overall_accuracy_se": _num(a.overall_accuracy_se),
        "users_accuracy": _list(a.users_accuracy),
        "users_accuracy_se": _list(a.users_accuracy_se),
        "producers_accuracy": _list(a.producers_accuracy),
        "producers_accuracy_se": _list(a.producers_accuracy_se),
        "f1": _list(a.f1),
        "kappa": _num(a.kappa),
        "kappa_note": "Cohen's kappa of the sample counts, for comparison with older studies only",
        "sample_overall_accuracy": _num(a.sample_overall_accuracy),
        "pixel_area_ha": _num(assessment.pixel_area_ha, 8),
        "mapped_area_ha": None if a.mapped_area_ha is None else _list(a.mapped_area_ha, 2),
        "area_ha": _list(a.area_ha, 2),
        "area_se_ha": _list(a.area_se_ha, 2),
        "area_ci95_ha": _list(a.area_ci95_ha, 2),
        "confidence_level": 0.95,
        "z": Z95,
        "strata": {k: {"pixels": N, "samples": n} for k, (N, n) in a.strata.items()},
        "datum_operation": assessment.operation.to_dict() if assessment.operation else None,
        "notes": assessment.notes,
        "by_method": assessment.by_method,
        **(extra or {}),
    }


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{100 * v:.1f}"


def render_markdown(report: dict, legend: Legend, *, lang: str = "en") -> str:
    """The report as Markdown for people, headings and class names in ``lang``."""
    from habitatmap.legend.labels import label

    def t(key: str) -> str:
        return label(key, lang)

    keys = report["class_keys"]
    names = [legend.by_key(k).name(lang) for k in keys]
    lines = [
        f"# {t('accuracy_report')}", "",
        f"- {t('map')}: `{report['map']}`",
        f"- {t('reference')}: `{report['reference']}` ({report['n']} {t('sample_units')}"
        + (f", {report['dropped_on_nodata']} on map nodata left out" if report["dropped_on_nodata"] else "")
        + ")",
        f"- {t('design')}: {report['design']}",
        f"- {t('legend')}: {report['legend']['id']} {report['legend']['version']}",
        "",
        f"**{t('overall_accuracy')}: {_pct(report['overall_accuracy'])} %** "
        f"(± {_pct(Z95 * (report['overall_accuracy_se'] or 0))} % at 95 %); "
        f"kappa {report['kappa']:.3f} ({t('kappa_note')}).", "",
        f"## {t('per_class')}", "",
        f"| code | {t('class')} | {t('users_accuracy')} | {t('producers_accuracy')} | F1 | "
        f"{t('mapped_ha')} | {t('adjusted_ha')} | ± 95 % ha |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    mapped = report["mapped_area_ha"] or [None] * len(keys)
    for i, code in enumerate(report["classes"]):
        ua, pa = report["users_accuracy"][i], report["producers_accuracy"][i]
        ua_se, pa_se = report["users_accuracy_se"][i], report["producers_accuracy_se"][i]
        f1 = report["f1"][i]
        lines.append(
            f"| {code} | {names[i]} | {_pct(ua)} ± {_pct(Z95 * ua_se if ua_se is not None else None)} "
            f"| {_pct(pa)} ± {_pct(Z95 * pa_se if pa_se is not None else None)} "
            f"| {'–' if f1 is None else f'{f1:.3f}'} "
            f"| {'–' if mapped[i] is None else f'{mapped[i]:,.0f}'} "
            f"| {report['area_ha'][i]:,.0f} | {report['area_ci95_ha'][i]:,.0f} |")
    lines += ["", f"## {t('error_matrix')}", "",
              "| map \\ ref | " + " | ".join(map(str, report["classes"])) + f" | {t('total')} |",
              "|---|" + "---:|" * (len(keys) + 1)]
    for i, code in enumerate(report["classes"]):
        row = report["error_matrix"][i]
        lines.append(f"| {code} | " + " | ".join(map(str, row)) + f" | {sum(row)} |")
    pairs = zip(report["classes"], names, strict=True)
    lines += ["", f"{t('class_codes')}: " + "; ".join(f"{c} {n}" for c, n in pairs), ""]
    if report.get("by_method"):
        lines += [f"## {t('by_method')}", "", f"| {t('method')} | {t('pixels')} | {t('samples')} | OA % |",
                  "|---|---:|---:|---:|"]
        for m in report["by_method"]:
            px = "–" if m["pixels"] is None else f"{m['pixels']:,}"
            lines.append(f"| {m['method']} | {px} | {m['samples']} | {_pct(m['overall_accuracy'])} |")
        lines.append("")
    if report["notes"]:
        lines += [f"## {t('notes')}", "", *[f"- {n}" for n in report["notes"]], ""]
    lines += ["Estimators: Olofsson et al. (2014) Remote Sensing of Environment 148: 42-57; Stehman (2014) "
              "Int. J. Remote Sensing 35: 4923-4939. Standard errors omit the finite-population correction.",
              ""]
    return "\n".join(lines)


def _png(report: dict, dest: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from habitatmap.legend.labels import label

    m = np.asarray(report["error_matrix"], dtype=float)
    keys = report["class_keys"]
    size = max(5.0, 0.55 * len(keys) + 2.5)
    fig, ax = plt.subplots(figsize=(size, size), dpi=110)
    row_sums = m.sum(axis=1, keepdims=True)
    share = np.divide(m, row_sums, out=np.zeros_like(m), where=row_sums > 0)
    ax.imshow(share, cmap="Greens", vmin=0, vmax=1)
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            if m[i, j]:
                ax.text(j, i, f"{int(m[i, j])}", ha="center", va="center", fontsize=8,
                        color="white" if share[i, j] > 0.6 else "black")
    ax.set_xticks(range(len(keys)), keys, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(keys)), keys, fontsize=8)
    # English on the image: its font need not hold Cyrillic or CJK glyphs.
    ax.set_xlabel(label("reference_class"))
    ax.set_ylabel(label("map_class"))
    oa = report["overall_accuracy"]
    ax.set_title(f"Error matrix (sample counts; shading = share of map row)\n"
                 f"overall accuracy {_pct(oa)} % (area-weighted)", fontsize=9)
    fig.tight_layout()
    with atomic_path(dest) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)


def write_report(report: dict, legend: Legend, out_dir: str | os.PathLike[str], *,
                 lang: str = "en") -> list[Path]:
    """Write ``report.json``, ``report.md`` (in ``lang``) and ``confusion_matrix.png`` into ``out_dir``."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        from habitatmap.errors import OutputError

        raise OutputError(f"{out}: is a file, but the report goes into a folder; choose a folder name.")
    out.mkdir(parents=True, exist_ok=True)
    paths = [write_json(out / "report.json", report),
             write_text_atomic(out / "report.md", render_markdown(report, legend, lang=lang))]
    _png(report, out / "confusion_matrix.png")
    paths.append(out / "confusion_matrix.png")
    return paths
