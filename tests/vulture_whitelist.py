"""What vulture (tests/test_dead_code.py) would call dead, and why each is not.

Add a name here only with its reason; code that nothing uses is deleted instead.
"""

from vulture.whitelist_utils import Whitelist

_ = Whitelist()

# Used by typer, click, rich or fpdf, which vulture cannot follow: commands registered with a
# decorator, enum members read by name, callbacks, and the hooks and attributes a framework
# class reads.
_.display_type_rich  # backcare/cli.py:95
_._usage_display_name  # backcare/cli.py:96
_._get_number_range_help_str  # backcare/cli.py:98
_.wordsep_re  # backcare/cli.py:128
_.show_version  # backcare/cli.py:182
_.__getattr__  # backcare/cli.py:217
_.shell_complete  # backcare/commands/completion.py:219
_.list_exercises  # backcare/commands/exercises.py:21
_.check_library  # backcare/commands/exercises.py:96
_.fhir  # backcare/commands/export.py:53
_.ics  # backcare/commands/export.py:55
_.r4  # backcare/commands/export.py:59
_.r5  # backcare/commands/export.py:60
_.collection  # backcare/commands/export.py:64
_.list_goals  # backcare/commands/goal.py:111
_.done_goal  # backcare/commands/goal.py:127
_.a4  # backcare/commands/handout.py:27
_.import_programme  # backcare/commands/programme.py:22
_.show_programme  # backcare/commands/programme.py:70
_.clear_programme  # backcare/commands/programme.py:89
_.ask_yes_no  # backcare/domain/guide.py:52
_.footer  # backcare/exporters/handout.py:62
_.current_font_is_set_on_page  # backcare/exporters/handout.py:69
_.c_margin  # backcare/exporters/handout.py:75
_.page_mode  # backcare/exporters/pdf_layout.py:280
_.validate_error_message  # backcare/render/confirm.py:12
_.audience  # backcare/render/progress.py:61

# The domain's public API, used by the tests that pin its behaviour down (and by nothing in
# backcare today).
_.check_alerts  # backcare/domain/alerts.py:135
_.official_wording  # backcare/domain/instruments.py:82
_.item_count  # backcare/domain/instruments.py:131
_.answer_options  # backcare/domain/instruments.py:136
_.new_red_flags  # backcare/domain/logbook.py:221
_.has  # backcare/domain/models.py:156
_.done_any  # backcare/domain/models.py:351
_.meets_threshold  # backcare/domain/scoring.py:187
_.RECORDS  # backcare/exporters/csv_export.py:45
_.ink  # backcare/render/raster.py:23
_.figure_png  # backcare/render/raster.py:130

# Kept on purpose: named constants with their source (CLINICAL.md, sysexits).
_.PSFS_MDC_ONE_ACTIVITY_POINTS  # backcare/domain/instruments.py:56
_.MAX_SIZE  # backcare/domain/routine.py:52
_.EXIT_OK  # backcare/errors.py:11

# Called by others, not by backcare's own code: rich calls a console's render hook, and the
# tests check a streamed FHIR bundle against the one built whole (issue 25).
_.process_renderables  # backcare/render/ui.py
_.build_bundle  # backcare/exporters/fhir_export.py
