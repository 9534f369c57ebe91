"""The floor: a bare typer app with 15 commands that do nothing. Start-up of Python + typer
(+ its pydantic adapters) is the least any typer command costs; backcare is measured
against it in the same run."""

import typer

app = typer.Typer()


def _make(name: str) -> None:
    def command(date: str = "", json: bool = False) -> None:
        """A command that does nothing."""
        print("{}")

    command.__name__ = name
    app.command(name)(command)


for _name in (
    "init",
    "plan",
    "session",
    "log",
    "pain",
    "visit",
    "assess",
    "progress",
    "history",
    "goal",
    "export",
    "import",
    "exercises",
    "programme",
    "doctor",
):
    _make(_name)

if __name__ == "__main__":
    app()
