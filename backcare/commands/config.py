"""`backcare config`: where backcare keeps your data and which settings are in force."""

from __future__ import annotations

import os

import typer

from backcare.commands.common import JsonOpt
from backcare.render.config import DEFAULT, ENVIRONMENT, SETTINGS_FILE, Setting


def config(as_json: JsonOpt = False) -> None:
    """Show the data folder, the settings file and every setting in force, each with where
    it comes from: the default, settings.yaml in the data folder, or the environment
    (BACKCARE_HOME, BACKCARE_LIBRARY, BACKCARE_TODAY, NO_COLOR). Reads only; writes
    nothing. Example: backcare config --json
    """
    from backcare.clock import TODAY_ENV, today
    from backcare.loading.settings import read_thresholds
    from backcare.render import config as render_config
    from backcare.storage.paths import HOME_ENV, LIBRARY_ENV, DataPaths, data_home

    paths = DataPaths(data_home())
    library = paths.library_files()[0]
    settings = paths.settings
    thresholds, from_file = read_thresholds(settings)
    places = [
        _env(
            Setting(
                "data_folder",
                str(paths.home),
                DEFAULT,
                note=None if paths.home.is_dir() else "not made yet: 'backcare init' makes it",
            ),
            HOME_ENV,
        ),
        Setting(
            "settings_file",
            str(settings),
            DEFAULT if not os.environ.get(HOME_ENV) else ENVIRONMENT,
            HOME_ENV if os.environ.get(HOME_ENV) else None,
            note=None if settings.exists() else "not there: every threshold is its default",
        ),
        _env(Setting("exercise_library", str(library), DEFAULT), LIBRARY_ENV),
        Setting(
            "own_exercises",
            str(paths.user_library),
            DEFAULT,
            note="merged over the library" if paths.user_library.exists() else "not there",
        ),
        _env(Setting("today", today().isoformat(), DEFAULT), TODAY_ENV),
        _env(
            Setting(
                "colour",
                not os.environ.get("NO_COLOR"),
                DEFAULT,
                note=None if os.environ.get("NO_COLOR") else "at a terminal",
            ),
            "NO_COLOR",
        ),
    ]
    values = thresholds._asdict()
    rules = [
        Setting(name, value, SETTINGS_FILE if name in from_file else DEFAULT)
        for name, value in values.items()
    ]
    render_config.show(places, rules, as_json)


def _env(setting: Setting, variable: str) -> Setting:
    """The setting as the environment variable ``variable`` sets it, when it is set."""
    if os.environ.get(variable):
        return setting._replace(source=ENVIRONMENT, variable=variable)
    return setting


def register(app: typer.Typer) -> None:
    app.command("config")(config)
