"""Store: files archived once by hash, idempotent saves, replacement on rerun, identity lookup, order."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.fields import FormFields
from core.flags import Flag
from core.records import AttachmentRecord, FormRecord, MessageRecord
from intake.models import MessageRef
from intake.store import Store, form_id_for

UTC = UTC


def record(
    uid: int,
    *,
    received: datetime,
    subject: str = "s",
    flags: tuple[Flag, ...] = (),
    fields: dict | None = None,
    validity: int = 7,
) -> MessageRecord:
    ref = MessageRef("INBOX", validity, uid)
    form = FormRecord(
        form_id_for(f"<{uid}@x>", "h", ("a.docx",), 0),
        ref.key,
        ("a.docx",),
        FormFields.from_json(fields or {"project_name": "项目"}),
        (Flag("missing_pdf"),),
    )
    att = AttachmentRecord("a.docx", "00" * 32, "docx", 3, "parsed")
    return MessageRecord(
        ref.key,
        f"<{uid}@x>",
        "INBOX",
        validity,
        uid,
        "u@x.cn",
        subject,
        received,
        None,
        (att,),
        (form,),
        flags,
    )


def save(store: Store, r: MessageRecord, run: int = 1, sha: str = "h", rules: str = "v1") -> bool:
    return store.save_message(r, raw_sha256=sha, raw_path="files/x.eml", rules_version=rules, run_id=run)


def test_archive_writes_each_content_once_with_allowlisted_extension(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        data = b"%PDF-1.4 test"
        rel = store.archive(data, "pdf")
        assert rel == f"files/{hashlib.sha256(data).hexdigest()[:2]}/{hashlib.sha256(data).hexdigest()}.pdf"
        assert (tmp_path / rel).read_bytes() == data
        assert store.archive(data, "pdf") == rel
        assert store.archive(b"x", "../../etc/passwd").endswith(".bin")
        assert len(list((tmp_path / "files").rglob("*.*"))) == 2


def test_saving_the_same_result_twice_changes_nothing(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        r = record(1, received=datetime(2024, 12, 10, 2, tzinfo=UTC))
        assert save(store, r, run=1)
        dump = list(store.dump())
        assert not save(store, r, run=2)
        assert list(store.dump()) == dump
        assert store.load_records()[0].first_run == 1


def test_changed_result_replaces_the_message(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        t = datetime(2024, 12, 10, 2, tzinfo=UTC)
        save(store, record(1, received=t, flags=(Flag("late", "x"),)), run=1)
        assert save(store, record(1, received=t), run=2, rules="v2")
        (got,) = store.load_records()
        assert got.flags == () and got.first_run == 1
        assert store.get_identity(got.key).rules_version == "v2"
        assert store.db.execute("SELECT count(*) FROM forms").fetchone() == (1,)


def test_load_records_sorted_by_receipt_then_key_with_aware_times(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        base = datetime(2024, 12, 10, 2, tzinfo=UTC)
        for uid, delta in ((3, 0), (1, 5), (2, 0)):
            save(store, record(uid, received=base + timedelta(minutes=delta)))
        recs = store.load_records()
        assert [r.uid for r in recs] == [2, 3, 1]
        assert all(r.received_at.tzinfo is not None for r in recs)
        assert recs[0].forms[0].fields == FormFields(project_name="项目")
        assert recs[0].attachments[0].status == "parsed"


def test_find_by_identity_and_rekey(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        r = record(5, received=datetime(2024, 12, 10, tzinfo=UTC))
        save(store, r, sha="abc")
        assert store.find_by_identity("<5@x>", "abc") == r.key
        assert store.find_by_identity("<5@x>", "other") is None
        store.rekey(r.key, MessageRef("INBOX", 8, 50))
        (got,) = store.load_records()
        assert (got.uidvalidity, got.uid, got.key) == (8, 50, "INBOX/8/50")
        assert got.forms and got.forms[0].message_key == "INBOX/8/50"


def test_supersessions_set_and_cleared(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        t = datetime(2024, 12, 10, tzinfo=UTC)
        old, new = record(1, received=t), record(2, received=t + timedelta(hours=1))
        save(store, old)
        save(store, new)
        fid_old, fid_new = old.forms[0].form_id, new.forms[0].form_id
        assert store.set_supersessions({fid_old: (fid_new, "新版于 …")}) == 1
        recs = {r.uid: r for r in store.load_records()}
        assert recs[1].forms[0].superseded_by == fid_new
        assert "superseded" in {f.code for f in recs[1].forms[0].flags}
        assert store.set_supersessions({fid_old: (fid_new, "新版于 …")}) == 0
        assert store.set_supersessions({}) == 1
        assert store.load_records()[0].forms[0].superseded_by is None


def test_folder_state_and_runs(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        assert store.last_uid("INBOX", 1) == 0 and store.folder_state("INBOX") is None
        store.set_last_uid("INBOX", 1, 10)
        store.set_last_uid("INBOX", 1, 4)  # never goes backwards
        assert store.last_uid("INBOX", 1) == 10
        store.set_last_uid("INBOX", 2, 3)
        assert store.folder_state("INBOX") == (2, 3)
        run = store.start_run("run", "v1", datetime(2024, 12, 1, tzinfo=UTC))
        save(store, record(1, received=datetime(2024, 12, 10, tzinfo=UTC)), run=run)
        store.finish_run(
            run, datetime(2024, 12, 1, 0, 1, tzinfo=UTC), status="ok", n_new=1, n_changed=1, n_failed=0
        )
        info = store.last_run()
        assert info is not None and info.run_id == run and info.new_keys == {"INBOX/7/1"}
        idle = store.start_run("run", "v1", datetime(2024, 12, 1, 0, 5, tzinfo=UTC))
        store.finish_run(
            idle, datetime(2024, 12, 1, 0, 6, tzinfo=UTC), status="ok", n_new=0, n_changed=0, n_failed=0
        )
        assert store.last_run().run_id == idle
        assert store.last_run(changed_only=True).run_id == run


def test_form_id_is_stable_and_depends_on_sources() -> None:
    a = form_id_for("<m@x>", "h", ("a.docx", "a.pdf"), 0)
    assert a == form_id_for("<m@x>", "h", ("a.docx", "a.pdf"), 0)
    assert a != form_id_for("<m@x>", "h", ("a.docx",), 0)
    assert a != form_id_for("<m@x>", "h2", ("a.docx", "a.pdf"), 0)


def test_a_foreign_or_newer_database_is_refused(tmp_path: Path) -> None:
    import sqlite3

    import pytest

    from intake.store import DB_NAME, StoreError

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / DB_NAME).write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not an intake store"):
        Store(tmp_path / "a")
    Store(tmp_path / "b").close()
    db = sqlite3.connect(tmp_path / "b" / DB_NAME)
    db.execute("PRAGMA user_version=99")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="newer intake"):
        Store(tmp_path / "b")


def test_records_view_streams_the_load_records_order_in_batches_and_reruns_its_query(
    tmp_path: Path, monkeypatch
) -> None:
    import intake.store

    monkeypatch.setattr(intake.store, "_BATCH", 2)  # several batches with five messages
    with Store(tmp_path) as store:
        base = datetime(2024, 12, 10, 2, tzinfo=UTC)
        for uid, delta in ((3, 0), (1, 5), (2, 0), (5, -3), (4, 9)):
            save(
                store,
                record(
                    uid,
                    received=base + timedelta(minutes=delta),
                    flags=(Flag("late", str(uid)),) if uid % 2 else (),
                ),
            )
        view = store.records()
        assert iter(view) is not view  # re-iterable, not a one-off iterator
        first = list(view)
        assert [r.uid for r in first] == [5, 2, 3, 1, 4]
        assert first == list(view) == store.load_records()
        assert len(view) == 5
        assert first[0].flags == (Flag("late", "5"),) and first[1].flags == ()
        subset = store.records(["INBOX/7/4", "INBOX/7/2", "INBOX/7/99"])
        assert [r.uid for r in subset] == [2, 4] and len(subset) == 2
        save(store, record(6, received=base - timedelta(days=1)))
        assert next(r.uid for r in view) == 6  # each pass runs a fresh query
