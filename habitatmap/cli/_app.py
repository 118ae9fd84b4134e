"""The Typer root: global options, user-error handling and warning display.

Only the ``cli`` package prints or exits. A :class:`HabitatmapError` raised anywhere below becomes one
plain sentence on stderr and exit code 2 (a traceback only with ``--debug``).
"""

from __future__ import annotations

import os
import sys
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import typer
from rich.console import Console
from typer.core import TyperGroup

try:  # Typer 0.2x ships its own copy of click; older ones use click itself
    from typer._click.exceptions import NoArgsIsHelpError, UsageError
except ImportError:  # pragma: no cover
    from click.exceptions import NoArgsIsHelpError, UsageError

from habitatmap import __version__
from habitatmap.errors import HabitatmapError, HabitatmapWarning, Terminated, reason
from habitatmap.legend.model import Legend, load_legend

# GDAL's block cache defaults to 5% of RAM; a fixed size keeps memory flat and predictable. It is
# set before GDAL first uses the cache, because changing it later races with reading threads.
os.environ.setdefault("GDAL_CACHEMAX", "256MB")

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

EXIT_USER_ERROR = 2


@dataclass
class State:
    """Options shared by every command (set by the root callback)."""

    legend_path: Path | None = None
    debug: bool = False
    _legend: Legend | None = field(default=None, repr=False)

    @property
    def legend(self) -> Legend:
        """The legend chosen with ``--legend`` (or the bundled one), loaded once."""
        if self._legend is None:
            self._legend = load_legend(self.legend_path)
        return self._legend


def state(ctx: typer.Context) -> State:
    """Return the shared :class:`State` of the running command."""
    obj = ctx.find_object(State)
    if obj is None:  # a sub-app invoked on its own, e.g. in a test
        obj = ctx.ensure_object(State)
    return obj


def _show_warning(message, category, filename, lineno, file=None, line=None):
    if issubclass(category, HabitatmapWarning):
        err_console.print(f"[yellow]Warning:[/yellow] {message}", highlight=False)
    else:
        err_console.print(f"[yellow]{category.__name__}:[/yellow] {message}", highlight=False)


def _fail(ctx: typer.Context, message: str) -> None:
    """Print one error sentence (and the traceback under --debug), then exit with code 2."""
    obj = ctx.find_object(State)
    if obj is not None and obj.debug:
        traceback.print_exc()
    err_console.print(f"[bold red]Error:[/bold red] {message}", highlight=False)
    ctx.exit(EXIT_USER_ERROR)


class HabitatmapGroup(TyperGroup):
    """Root group that turns user errors into one sentence and exit code 2."""

    def invoke(self, ctx: typer.Context):
        from habitatmap.parallel import raise_on_sigterm

        raise_on_sigterm()  # a batch scheduler's kill cleans up like Ctrl-C
        with warnings.catch_warnings():
            warnings.simplefilter("always", HabitatmapWarning)
            warnings.showwarning = _show_warning
            try:
                return super().invoke(ctx)
            except HabitatmapError as exc:
                _fail(ctx, str(exc))
            except NoArgsIsHelpError:
                raise
            except UsageError as exc:  # a bad option value: one line like every other error
                where = exc.ctx.command_path if exc.ctx is not None else ctx.command_path
                _fail(ctx, f"{exc.format_message().rstrip('.')}; see '{where} --help'.")
            except BrokenPipeError:  # output piped into `head` that has closed: not an error
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                ctx.exit(0)
            except OSError as exc:  # permission denied, disk full, ...: the user's environment
                where = f"{exc.filename}: " if exc.filename else ""
                _fail(ctx, f"{where}{reason(exc)}; check the path, its permissions and the free disk space.")
            except KeyboardInterrupt:
                err_console.print("Interrupted; finished outputs are kept, partial ones removed.")
                ctx.exit(130)
            except Terminated:
                err_console.print("Terminated; finished outputs are kept, partial ones removed.")
                ctx.exit(143)


def _version(value: bool) -> None:
    if value:
        console.print(f"habitatmap {__version__}")
        raise typer.Exit()


app = typer.Typer(
    cls=HabitatmapGroup,
    name="habitatmap",
    help=(
        "Map wildlife habitat across national borders: Landsat scenes, one shared multilingual "
        "habitat legend, datum-safe base maps and corridors.\n\n"
        "Example: habitatmap legend show --lang ru"
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def main(
    ctx: typer.Context,
    legend: Path | None = typer.Option(
        None, "--legend", envvar="HABITATMAP_LEGEND", dir_okay=False,
        help="Habitat legend YAML to use instead of the bundled styles/legend.yaml.",
    ),
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks for errors."),
    datum_params: list[Path] = typer.Option(
        [], "--datum-params", dir_okay=False,
        help="Your agency's seven-parameter datum shift (YAML, see docs/geodesy.md) for Beijing 1954, "
             "Xian 1980 or another older datum; used, and recorded with its source, wherever that "
             "datum is transformed. Repeat for several datums. Example: habitatmap --datum-params "
             "jilin_bj54.yaml basemap ...",
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit.",
    ),
) -> None:
    """Global options."""
    ctx.obj = State(legend_path=legend, debug=debug)
    if datum_params:
        from habitatmap.datums import load_datum_params
        from habitatmap.geodesy import datum_parameters

        ctx.with_resource(datum_parameters([load_datum_params(p) for p in datum_params]))


def echo_path(label: str, path: Path) -> None:
    """Print one 'label: path' line for a written output."""
    console.print(f"  {label:<32} {path}", highlight=False)


def echo_operations(operations: dict[str, object]) -> None:
    """Print the datum operation used for each input that was moved (ballpark steps say so)."""
    for what, op in operations.items():
        if op is None:
            continue
        acc = getattr(op, "accuracy_m", None)
        note = " (zero-shift ballpark step, allowed by --allow-ballpark)" if getattr(op, "ballpark", False) \
            else (f" (accuracy {acc:g} m)" if acc is not None else "")
        console.print(f"  {what}: moved with {getattr(op, 'description', op)}{note}", highlight=False)


__all__ = ["app", "console", "echo_operations", "echo_path", "err_console", "state"]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
