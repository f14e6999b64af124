"""The one registry of options shared by the ``gisxz`` commands (rasterio's ``rio`` is the model).

How a command uses it (see ``gisxz/cli/access.py`` for examples)::

    from gisxz.cli.options import GisxzCommand, multi_option, out_opt, overwrite_opt

    @group.command("thing", cls=GisxzCommand)       # or @cli.command(): the class is default
    @multi_option("--hours", type=float, help="...")  # --hours 1 2 3 == --hours 1 --hours 2 ...
    @out_opt(suffixes=(".gpkg", ".csv"))              # -o/--out, checked before the command runs
    @overwrite_opt
    def thing(hours, out, overwrite): ...

:class:`GisxzCommand` (the default command class of :class:`GisxzGroup`) does three things
for every command: every ``multiple=True`` option (:func:`multi_option`) takes several
values after one flag; every :func:`out_opt` / :func:`out_dir_opt` path is checked **before the command
runs** (known suffix, not existing unless ``--overwrite``, folder writable), and every
:class:`~gisxz.exceptions.GisxzError` becomes a one-line ``Error: ...`` message with the
error's exit code (no traceback unless ``-vv``). :func:`setup_logging` makes ``-v`` show
gisxz's own log lines (third-party libraries stay quiet), ``-q`` errors only, and prints
warnings as one line each.

Arguments are checked with :mod:`gisxz.core.validate` (``check_durations``,
``parse_lonlat``, ``check_names`` ...) at the top of the command, before reading inputs.
A command needs no ``@handle_errors`` (kept for plain click commands outside a group).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import click

from gisxz.core.vocab import MODES
from gisxz.exceptions import GisxzError, GisxzWarning

__all__ = ["GisxzCommand", "GisxzGroup", "OutputOption", "multi_option", "out_opt",
           "out_dir_opt", "overwrite_opt", "scenario_opt", "mode_opt", "data_source_opt",
           "progress_opt", "verbosity_opts", "handle_errors", "setup_logging", "error_guard",
           "EXIT_INTERNAL", "encoding_opt", "input_encoding", "gpkg_version_opt"]

#: Exit code of an unexpected error (a bug): the message asks to rerun with -vv.
EXIT_INTERNAL = 70
_VERBOSITY = "gisxz.verbosity"
_PACKAGE_DIR = str(Path(__file__).resolve().parent.parent)


# -- options -------------------------------------------------------------------------------
class OutputOption(click.Option):
    """An option naming an output file or folder; :class:`GisxzCommand` checks it first."""

    def __init__(self, *args, suffixes: Sequence[str] | None = None, folder: bool = False,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.suffixes = tuple(suffixes) if suffixes else None
        self.folder = folder


def multi_option(*decls: str, **kwargs) -> Callable:
    """A repeatable option that also takes several values after one flag (``--hours 1 2``).

    In a :class:`GisxzCommand` every ``multiple=True`` option is parsed this way; this is
    ``click.option(..., multiple=True)`` spelled so that a reader sees it.
    """
    return click.option(*decls, multiple=True, **kwargs)


def out_opt(*, required: bool = False, default: str | Path | None = None,
            suffixes: Sequence[str] | None = None, help: str | None = None,  # noqa: A002
            decls: Sequence[str] = ("-o", "--out"), name: str = "out") -> Callable:
    """``-o/--out FILE``: an output file, checked before the command computes anything."""
    shown = ", ".join(suffixes) if suffixes else "a known suffix"
    return click.option(*decls, name, cls=OutputOption, suffixes=suffixes, required=required,
                        default=default, show_default=default is not None,
                        type=click.Path(dir_okay=False, path_type=Path),
                        help=help or f"Output file ({shown}).")


def out_dir_opt(*, default: str | Path | None = "out", help: str | None = None,  # noqa: A002
                name: str = "out_dir") -> Callable:
    """``-o/--out-dir DIR``: an output folder, checked to be writable first."""
    return click.option("-o", "--out-dir", name, cls=OutputOption, folder=True,
                        default=Path(default) if default is not None else None,
                        show_default=default is not None,
                        type=click.Path(file_okay=False, path_type=Path),
                        help=help or "Output folder.")


overwrite_opt = click.option("--overwrite", is_flag=True, default=False,
                             help="Replace existing output files (never done without it).")
data_source_opt = click.option(
    "--data-source", type=click.Choice(["tianditu", "amap"]), default=None,
    help="Edition of the administrative boundaries: tianditu (天地图, default) or amap (高德).")
progress_opt = click.option("--progress/--no-progress", default=True, show_default=True,
                            help="Show progress bars on long work.")
gpkg_version_opt = click.option(
    "--gpkg-version", type=click.Choice(["1.2", "1.3", "1.4"]), default="1.2",
    show_default=True, help="GeoPackage version written: 1.2 opens warning-free in GDAL 3.6 "
    "(QGIS 3.22/3.28 LTR, Debian 12) and ArcGIS; 1.4 for current GDAL only.")


def _keep_encoding(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        ctx.meta["gisxz.encoding"] = value


encoding_opt = click.option(
    "--encoding", default=None, metavar="ENC", expose_value=False, callback=_keep_encoding,
    help="Text encoding of input shapefiles without a .cpg file (e.g. gbk, utf-8); "
         "detected (with a warning) when not given.")


def input_encoding() -> str | None:
    """The ``--encoding`` of the running command, if any."""
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get("gisxz.encoding") if ctx is not None else None


def scenario_opt(default_help: str = "current") -> Callable:
    """``--scenario NAME...`` (scenarios of layers/network/scenarios.yaml)."""
    return multi_option("--scenario", "scenarios", metavar="NAME...",
                        help="Scenario(s) of layers/network/scenarios.yaml (current, plan "
                             f"...). [default: {default_help}]")


def mode_opt(default_help: str = "multimodal") -> Callable:
    """``--mode road|multimodal...``."""
    return multi_option("--mode", "modes", type=click.Choice(MODES), metavar="MODE...",
                        help=f"{' or '.join(MODES)} (road + rail); several allowed. "
                             f"[default: {default_help}]")


def verbosity_opts(func: Callable) -> Callable:
    """``-v/--verbose`` (count) and ``-q/--quiet`` for the root group."""
    func = click.option("-q", "--quiet", is_flag=True, help="Only errors.")(func)
    return click.option("-v", "--verbose", count=True,
                        help="More output: -v gisxz's info lines, -vv debug, tracebacks and "
                             "third-party warnings.")(func)


# -- command and group classes ---------------------------------------------------------------
class GisxzCommand(click.Command):
    """A command with multi-value options, output checks before work, one-line errors.

    Every ``multiple=True`` option takes the values that follow it up to the next option
    (``--hours 1 2 3``), as well as repeated flags (``--hours 1 --hours 2``).
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        greedy = {o for p in self.params if isinstance(p, click.Option) and p.multiple
                  and getattr(p, "greedy", True) for o in p.opts}
        return super().parse_args(ctx, _expand_multi(args, greedy))

    def invoke(self, ctx: click.Context):
        with error_guard(ctx):
            check_outputs(self, ctx)
            return super().invoke(ctx)


class GisxzGroup(click.Group):
    """A group whose commands are :class:`GisxzCommand` and sub-groups :class:`GisxzGroup`."""

    command_class = GisxzCommand

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        if parent is not None:
            return super().make_context(info_name, args, parent=parent, **extra)
        with error_guard(None):  # the root's own options (``gisxz --bogus``): one line too
            return super().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx: click.Context):
        with error_guard(ctx), _logging_restored(ctx.parent is None):
            return super().invoke(ctx)


GisxzGroup.group_class = GisxzGroup


@contextlib.contextmanager
def _logging_restored(active: bool) -> Iterator[None]:
    """Put logging and warning display back as they were when the command ends (the command
    line changes them; a caller that runs it in-process, e.g. a test, keeps its own)."""
    if not active:
        yield
        return
    root, own = logging.getLogger(), logging.getLogger("gisxz")
    saved = (list(root.handlers), root.level, own.level, warnings.showwarning)
    try:
        yield
    finally:
        root.handlers[:], _, _, warnings.showwarning = saved
        root.setLevel(saved[1])
        own.setLevel(saved[2])


def _expand_multi(args: list[str], greedy: set[str]) -> list[str]:
    """``--hours 1 2 3`` → ``--hours 1 --hours 2 --hours 3`` for the greedy options."""
    out: list[str] = []
    current: str | None = None
    count = 0
    for arg in args:
        if arg == "--":
            current = None
            out.append(arg)
            continue
        if current is not None and not _is_option(arg):
            out.extend([arg] if count == 0 else [current, arg])
            count += 1
            continue
        current = arg if arg in greedy else None
        count = 0
        out.append(arg)
    return out


def _is_option(arg: str) -> bool:
    if not arg.startswith("-") or arg == "-":
        return False
    try:  # a negative number (a longitude, a wrong duration) is a value, not an option
        float(arg.split(",")[0])
        return False
    except ValueError:
        return True


def check_outputs(command: click.Command, ctx: click.Context) -> None:
    """Check every :class:`OutputOption` of ``command`` before it runs."""
    from gisxz.io.files import check_output, check_output_dir

    overwrite = bool(ctx.params.get("overwrite", False))
    for param in command.params:
        value = ctx.params.get(param.name or "")
        if not isinstance(param, OutputOption) or value is None:
            continue
        flag = max(param.opts, key=len)
        if param.folder:
            check_output_dir(value, what=flag)
        else:
            check_output(value, overwrite=overwrite, suffixes=param.suffixes, what=flag)


# -- errors ----------------------------------------------------------------------------------
def _verbosity(ctx: click.Context | None) -> int:
    return int(ctx.meta.get(_VERBOSITY, 0)) if ctx is not None else 0


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


@contextlib.contextmanager
def error_guard(ctx: click.Context | None) -> Iterator[None]:
    """Turn errors into one line on stderr and an exit code (a traceback only with -vv)."""
    try:
        yield
    except click.UsageError as exc:  # bad option or value: one line too, with the help hint
        where = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
        click.echo(f"Error: {_one_line(exc.format_message())}{where}", err=True)
        sys.exit(exc.exit_code)
    except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
        raise
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (gisxz.io.files.Terminated)
        signum = getattr(exc, "signum", 2)
        click.echo(f"{'Terminated' if signum != 2 else 'Interrupted'}: temporary files "
                   "removed, existing outputs kept.", err=True)
        sys.exit(128 + signum)
    except Exception as exc:
        verbose = _verbosity(ctx)
        if verbose >= 2:
            traceback.print_exc()
        click.echo(f"Error: {_message(exc, verbose)}", err=True)
        code = exc.exit_code if isinstance(exc, GisxzError) else (
            1 if isinstance(exc, OSError) else EXIT_INTERNAL)
        if ctx is not None:
            ctx.exit(code)
        sys.exit(code)


def _message(exc: Exception, verbose: int) -> str:
    if isinstance(exc, GisxzError):
        return _one_line(exc)
    if isinstance(exc, OSError) and exc.strerror:  # disk full, permission, ...
        where = f"{exc.filename}: " if exc.filename else ""
        return _one_line(f"{where}{exc.strerror}")
    hint = "" if verbose >= 2 else "; rerun with -vv for the traceback"
    return _one_line(f"unexpected {type(exc).__name__}: {exc}{hint}. This is a gisxz bug; "
                     "please report it with the command line")


def handle_errors(func: Callable) -> Callable:
    """Decorator for plain click commands: GisxzError → one line and its exit code.

    Commands of :class:`GisxzGroup` / :class:`GisxzCommand` are covered without it.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with error_guard(click.get_current_context(silent=True)):
            return func(*args, **kwargs)

    return wrapper


# -- logging and warnings ------------------------------------------------------------------
class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        msg = _one_line(record.getMessage())
        if record.levelno >= logging.ERROR:
            return f"Error: {msg}"
        if record.levelno >= logging.WARNING:
            return f"Warning: {msg}"
        return f"{record.levelname.lower()} {record.name}: {msg}"


class _EchoHandler(logging.Handler):
    """Writes to the standard error stream current at the time of each record."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            click.echo(self.format(record), err=True)
        except Exception:  # noqa: BLE001 - logging must never raise
            self.handleError(record)


def setup_logging(verbosity: int, ctx: click.Context | None = None) -> None:
    """Logging for the command line: gisxz's own lines at -v (info) and -vv (debug); other
    libraries only show errors (warnings at -vv); -q (``verbosity=-1``) errors only.

    Python warnings are printed as ``Warning: message`` (gisxz's always, other libraries'
    only at -vv; none with -q).
    """
    if ctx is not None:
        ctx.meta[_VERBOSITY] = verbosity
    handler = _EchoHandler()
    handler.setFormatter(_Formatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING if verbosity >= 2 else logging.ERROR)
    own = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(
        verbosity, logging.DEBUG if verbosity > 1 else logging.ERROR)
    logging.getLogger("gisxz").setLevel(own)
    logging.captureWarnings(False)
    warnings.showwarning = functools.partial(_show_warning, verbosity=verbosity)


def _show_warning(message, category, filename, lineno, file=None, line=None, *,
                  verbosity: int = 0) -> None:
    if verbosity < 0:
        return
    ours = issubclass(category, GisxzWarning) or str(filename).startswith(_PACKAGE_DIR)
    if ours or verbosity >= 2:
        click.echo(f"Warning: {_one_line(message)}", err=True)
