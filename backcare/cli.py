"""backcare's command line: the app, its command groups, and the one exit for errors.

Commands are thin: parse, call the domain, hand the result to a renderer (STYLE.md).
Every :class:`~backcare.errors.BackcareError` becomes one line on stderr and its exit code
(CONTRACT.md); an unexpected error becomes one line too. Tracebacks only with ``--debug``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from backcare.commands import COMMAND_MODULE, MODULES, register
from backcare.context import Environment
from backcare.errors import EXIT_BAD_DATA, EXIT_INTERNAL, EXIT_SAFETY, BackcareError
from backcare.messages import DISCLAIMER

VERSION_FLAGS = {"--version", "-V"}
HELP_FLAGS = {"--help", "-h"}


class BackcareGroup(TyperGroup):
    """The top-level group: maps backcare's errors to exit codes, for every command, and
    says usage errors in backcare's words."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _name_arguments_plainly(self)
        _unbroken_words()

    def _main_shell_completion(
        self, ctx_args: Any, prog_name: str, complete_var: str | None = None
    ) -> None:
        """Tab was pressed: the shell runs backcare with ``_BACKCARE_COMPLETE`` set. Only
        then are the completions of ids and names loaded."""
        if os.environ.get(f"_{prog_name}_COMPLETE".replace("-", "_").upper()):
            from backcare.commands.completion import prepare

            prepare(self)
        super()._main_shell_completion(ctx_args, prog_name, complete_var)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except typer.TyperException as exc:
            raise _plain(exc) from None

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except BackcareError as exc:
            if _debug(ctx):
                raise
            if exc.exit_code == EXIT_SAFETY:
                _print_stop(exc.lines())
            else:
                _print_error(exc.lines())
            ctx.exit(exc.exit_code)
        except (typer.Exit, typer.Abort):
            raise
        except typer.TyperException as exc:  # click's usage errors among them
            raise _plain(exc) from None
        except RecursionError:
            if _debug(ctx):
                raise
            _print_error(["the input is nested too deeply to read"])
            ctx.exit(EXIT_BAD_DATA)
        except Exception as exc:  # a bug: say so plainly, keep the traceback behind --debug
            if _debug(ctx):
                raise
            _print_error(
                [
                    f"backcare hit an unexpected problem ({type(exc).__name__}). "
                    "Run the same command with --debug for the details."
                ]
            )
            ctx.exit(EXIT_INTERNAL)


def _debug(ctx: Any) -> bool:
    """Whether ``--debug`` was given: tracebacks are shown instead of one line."""
    return isinstance(ctx.obj, Environment) and ctx.obj.debug


def _name_arguments_plainly(command: Any) -> None:
    """Help in a person's words (issues 15 and 27), for every command:

    - an argument is named by its metavar (N, ID, FILE...): typer would add its Python
      type after it in the list (``N <int>``) and braces around it in the usage line
      (``{N}``, ``{FILE...}...``);
    - a range reads ``1 to 52``, not ``1<=x<=52``.
    """
    for param in command.params:
        if param.param_type_name == "argument" and param.metavar:
            param.display_type_rich = _no_type
            param._usage_display_name = _usage_name(param)
        if getattr(param, "min", None) is not None and getattr(param, "max", None) is not None:
            param._get_number_range_help_str = _range_words(param.min, param.max)
    for sub in (getattr(command, "commands", None) or {}).values():
        _name_arguments_plainly(sub)


def _no_type(ctx: Any) -> None:
    return None


def _usage_name(param: Any) -> Any:
    name = param.metavar
    if param.nargs != 1 and not name.endswith("..."):
        name += "..."
    shown = name if param.required else f"[{name}]"
    return lambda: shown


def _range_words(low: int, high: int) -> Any:
    return lambda: f"{low} to {high}"


def _unbroken_words() -> None:
    """Help is wrapped between words, never inside one at its hyphen (``night-`` / ``pain``,
    ``comma-`` / ``separated``): a patient reads a split name as two (issue 27). The wrapper
    is the help formatter's own, private to typer's bundled click."""
    try:
        from typer._click._textwrap import TextWrapper
    except ImportError:  # a typer whose formatter has moved: its own wrapping, then
        return
    # Its constructor sets break_on_hyphens; the pattern it then splits with is this one.
    TextWrapper.wordsep_re = TextWrapper.wordsep_simple_re


def _plain(exc: typer.TyperException) -> typer.TyperException:
    """A usage error from typer's parser, in backcare's words (loaded only on error)."""
    try:
        from backcare.commands.usage import plain_error
    except ImportError:  # a typer whose parser has moved: its own words, then
        return exc
    return plain_error(exc)


def make_app(modules: tuple[str, ...] = MODULES) -> typer.Typer:
    """The app with the given command modules (all of them by default)."""
    new = typer.Typer(
        name="backcare",
        cls=BackcareGroup,
        help="backcare: your home exercise programme for low back pain, kept on your own "
        "computer.\n\n" + DISCLAIMER + "\n\nStart with:  backcare init   then:  "
        "backcare plan",
        invoke_without_command=True,  # a bare `backcare` is the overview, exit 0
        context_settings={"help_option_names": ["-h", "--help"]},  # every command inherits it
        add_completion=False,
        pretty_exceptions_enable=False,
        pretty_exceptions_show_locals=False,  # notes are health data: never print locals
        rich_markup_mode=None,
    )
    new.callback()(_root)  # always a group, even with one command module loaded
    register(new, modules)
    return new


def version() -> str:
    """backcare's version, from the installed package's metadata (from the source tree's
    ``__version__`` when it runs uninstalled)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed_version

    try:
        return installed_version("backcare")
    except PackageNotFoundError:
        from backcare import __version__

        return __version__


def _show_version(value: bool) -> None:
    if value:
        sys.stdout.write(f"backcare {version()}\n")
        raise typer.Exit()


def _root(
    ctx: typer.Context,
    show_version: Annotated[
        bool,
        typer.Option(
            "--version",
            "-V",
            is_eager=True,
            callback=_show_version,
            help="Show backcare's version and exit.",
        ),
    ] = False,
) -> None:
    # The invocation's Environment (backcare.context): the one ``main`` was given, or a new
    # one. Every command below finds it in its context; it ends with the invocation.
    if not isinstance(ctx.obj, Environment):
        ctx.obj = Environment()
    ctx.with_resource(ctx.obj.active())
    if ctx.invoked_subcommand is None:
        sys.stdout.write(overview())
        raise typer.Exit()


def overview() -> str:
    """What a bare ``backcare`` prints: the first day's commands and where the data is, in a
    screen, as ``git`` does with no command (issue 27). ``--help`` has the whole list."""
    import textwrap

    from backcare.messages import DISCLAIMER_SHORT
    from backcare.storage.paths import data_home

    return (
        "backcare: your home exercise programme for low back pain, kept on your own "
        "computer.\n\n"
        "A first day:\n"
        "  backcare init        the safety questions, your pain, time and equipment\n"
        "  backcare plan        today's exercises, with why each one is there\n"
        "  backcare session     guided: steps, cues, countdowns, pain questions\n"
        "  backcare pain 4      the daily check-in (0-10)\n"
        "  backcare progress    charts and figures over time\n\n"
        f"Your data is in {data_home()}\n"
        "Every command: backcare --help.  One command's options: backcare COMMAND -h.\n\n"
        + textwrap.fill(DISCLAIMER_SHORT, 78)
        + "\n"
    )


_APP: typer.Typer | None = None


def __getattr__(name: str) -> typer.Typer:
    """``backcare.cli.app``: the whole app, built on first use."""
    global _APP
    if name == "app":
        if _APP is None:
            _APP = make_app()
        return _APP
    raise AttributeError(name)


def _app_for(args: list[str]) -> typer.Typer:
    """Only the invoked command's module, when the command is known; none for --version
    or the bare overview; else the whole app (for --help, or a typo's suggestions)."""
    first = next((a for a in args if not a.startswith("-")), None)
    if first in COMMAND_MODULE and not HELP_FLAGS & set(args[: args.index(first)]):
        return make_app((COMMAND_MODULE[first],))
    overview_only = not args and not os.environ.get("_BACKCARE_COMPLETE")  # not Tab
    if first is None and (overview_only or VERSION_FLAGS & set(args)):
        return make_app(())
    return make_app()


def main(argv: list[str] | None = None) -> None:
    """The console script. ``--debug`` anywhere on the line shows tracebacks.

    Called with ``argv`` (from Python), it ends with SystemExit like any typer app. Run as
    the console script, it ends the process directly once output is flushed and exit hooks
    have run: tearing down every module and freeing every record would otherwise add a
    sixth to a command's time (issue 7). Data files are already closed and fsynced by then.

    As the console script it also minds its streams (:class:`Output`): a closed or full
    stdout, a closed stdin, an encoding that cannot show every character.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    output = _mind_streams() if argv is None else None
    env = Environment(debug="--debug" in args)
    args = [a for a in args if a != "--debug"]
    try:
        try:
            _app_for(args)(args=args, prog_name="backcare", obj=env)
        except KeyboardInterrupt:
            _print_error(["stopped."])
            sys.exit(130)
    except SystemExit as exc:
        if argv is not None:
            raise
        _exit_now(exc.code, output)
    if argv is None:
        _exit_now(0, output)


def _exit_now(code: object, output: Output | None = None) -> None:
    import atexit

    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # sys.exit("message"): print it, as Python would
        sys.stderr.write(f"{code}\n")
        status = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()
    if output is not None and output.error is not None:
        status = _output_failed(output.error, status)
    os._exit(status)


def _output_failed(error: OSError, status: int) -> int:
    """The exit status once stdout failed (closed, full, or a pipe whose reader left).

    When the command had saved something, the failure to print is said on stderr and the
    status is kept: turning a saved check-in or session into exit 1 would make a script
    retry it, and a retried session is a duplicate (issue 17). With nothing saved it is a
    failure (exit 1), except a closed pipe, which means the reader had read enough
    (backcare history | head)."""
    if error.errno == errno.EPIPE:
        return status
    saved_module = sys.modules.get("backcare.storage.files")
    saved = saved_module.saved_paths() if saved_module is not None else []
    reason = error.strerror or str(error)
    if saved:
        names = ", ".join(sorted({p.name for p in saved}))
        _print_error(
            [
                f"your data was saved ({names}), but its output could not be "
                f"written to standard output ({reason}); do not run the command "
                f"again"
            ]
        )
        return status
    _print_error([f"the output could not be written to standard output ({reason})"])
    return status or EXIT_BAD_DATA


class Output:
    """stdout, minding write errors: the first one is kept (for :func:`_exit_now`) and
    later output is dropped, instead of a traceback in the middle of a command that has
    already saved its data. ``stream`` None is a stdout that was closed (``>&-``)."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.error: OSError | None = None

    def _guard(self, action: Any, *args: Any) -> Any:
        if self._stream is None and self.error is None:
            self.error = OSError(errno.EBADF, "it is closed")
        if self.error is None:
            try:
                return action(*args)
            except OSError as exc:
                self.error = exc
        return None

    def write(self, text: str) -> int:
        self._guard(lambda t: self._stream.write(t), text)
        return len(text)

    def flush(self) -> None:
        if self._stream is not None:  # a closed stdout fails only when written to
            self._guard(lambda: self._stream.flush())

    def isatty(self) -> bool:
        return self._stream is not None and self._stream.isatty()

    @property
    def encoding(self) -> str:
        return str(getattr(self._stream, "encoding", None) or "utf-8")

    @property
    def buffer(self) -> _OutputBuffer:
        return _OutputBuffer(self)

    def fileno(self) -> int:
        if self._stream is None:
            raise OSError(errno.EBADF, "stdout is closed")
        return int(self._stream.fileno())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class _OutputBuffer:
    """stdout's bytes (``export --out -``), minding errors like :class:`Output`."""

    def __init__(self, output: Output) -> None:
        self._output = output

    def write(self, data: bytes) -> int:
        raw = getattr(self._output._stream, "buffer", None)
        self._output._guard(lambda d: raw.write(d) if raw is not None else None, data)
        return len(data)

    def flush(self) -> None:
        raw = getattr(self._output._stream, "buffer", None)
        if raw is not None:
            self._output._guard(lambda: raw.flush())


def _mind_streams() -> Output:
    """Make the standard streams safe to use whatever state they came in.

    - A closed descriptor (0, 1 or 2) is opened on the null device, so that no data file
      opened later takes its number and receives output meant for the terminal.
    - A closed stdin reads as empty: with nothing to ask on, a question left unanswered is
      exit 2 (CONTRACT.md), not a crash.
    - stdout goes through :class:`Output`; a closed stderr is silent.
    - An encoding that cannot show every character (PYTHONIOENCODING=ascii) shows a
      replacement character instead of failing; JSON is written with escapes instead
      (render.ui.emit_json), so it loses nothing.
    """
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            with contextlib.suppress(OSError):
                os.open(os.devnull, os.O_RDWR)  # takes the lowest free number: ``fd``
    if sys.stdin is None:
        sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 (for the process)
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "utf-8").lower().replace("-", "")
        if not encoding.startswith("utf") and hasattr(stream, "reconfigure"):
            with contextlib.suppress(ValueError, OSError):
                stream.reconfigure(errors="replace")
    output = Output(sys.stdout)
    sys.stdout = output  # type: ignore[assignment]
    sys.stderr = Output(sys.stderr)  # type: ignore[assignment]  # where errors go: none kept
    return output


def _print_stop(lines: list[str]) -> None:
    """A red-flag stop (exit 3): at a terminal, in a red panel of its own, so that it cannot
    be read as one more line of what was saved (issue 27). Piped or redirected, it is the
    one line any other error is."""
    from backcare.render.ui import terminal_width

    width = terminal_width(sys.stderr)
    if not width:
        _print_error(lines)
        return
    from rich.console import Console
    from rich.panel import Panel
    from rich.text import Text

    body = Text("\n".join(lines))
    Console(stderr=True, highlight=False).print(
        Panel(
            body,
            title="STOP",
            title_align="left",
            border_style="bold red",
            style="red",
            expand=False,
            width=min(width, 100),
        )
    )


def _print_error(lines: list[str]) -> None:
    """Each message as one line; at a terminal, wrapped at its width between words, so
    that no word (a red flag's "emergency", an id, a path) is split by the terminal
    (issue 14). Piped or redirected, a message stays one line for the program reading it."""
    from backcare.render.ui import printable, terminal_width

    width = terminal_width(sys.stderr)
    for line in lines:
        text = f"backcare: {printable(line)}"
        if width and len(text) > width:
            import textwrap

            text = "\n".join(
                textwrap.wrap(
                    text,
                    width,
                    subsequent_indent="  ",
                    break_long_words=False,
                    break_on_hyphens=False,
                )
            )
        sys.stderr.write(f"{text}\n")
    sys.stderr.flush()
