"""Every data file is a tinydb database (STYLE.md §3, the design card's storage). backcare
writes them through its journal, so that a change of several files is one step a crash
cannot cut in half (issue 24); tinydb itself must still open each one and find every record
that backcare finds."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from conftest import Cli
from tinydb import TinyDB

TODAY = date(2026, 3, 10)
START = date(2026, 2, 20)


def test_tinydb_opens_every_data_file_and_reads_its_records(
    patient: Cli, backcare_home: Path
) -> None:
    assert patient("log", "--date", "2026-02-25", "--note", "first week").exit_code == 0
    assert patient("pain", "4", "--date", "2026-02-26").exit_code == 0
    assert patient("pain", "3", "--date", "2026-03-09").exit_code == 0
    # A correction: the audit trail (corrections.json) is a data file too.
    assert patient("edit", "p-2026-03-09", "--score", "2").exit_code == 0
    files = [
        backcare_home / "backcare.json",
        backcare_home / "corrections.json",
        *sorted((backcare_home / "log").glob("*.json")),
    ]
    assert [p.name for p in files[2:]] == ["2026-02.json", "2026-03.json"]
    for path in files:
        raw = json.loads(path.read_text(encoding="utf-8"))
        db = TinyDB(path, access_mode="r")
        try:
            assert db.tables() == set(raw), path
            for name, records in raw.items():
                table = db.table(name)
                assert len(table) == len(records), (path, name)
                for doc in table.all():
                    assert records[str(doc.doc_id)] == dict(doc), (path, name, doc.doc_id)
        finally:
            db.close()
    [checkin] = [
        d
        for d in TinyDB(files[3], access_mode="r").table("pain_checkins").all()
        if d["date"] == "2026-03-09"
    ]
    assert checkin["score"] == 2
