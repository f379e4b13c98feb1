"""intake.spool.FileBuffer reads a message on disk in windows, with the find/slice interface of bytes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import intake.spool as spool
from intake.spool import FileBuffer, chunks, sha256_of


@pytest.fixture
def tiny_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spool, "CHUNK_BYTES", 7)  # every search crosses window borders


@settings(max_examples=150, deadline=None)
@given(
    st.binary(max_size=200),
    st.sampled_from([b"\n\n", b"\n\r\n", b"--BOUNDARY", b"x", b"\r\n--b--"]),
    st.integers(0, 210),
    st.integers(0, 210),
)
def test_find_and_slices_match_bytes(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, sub: bytes, a: int, b: int
) -> None:
    path = tmp_path_factory.mktemp("fb") / "m.eml"
    path.write_bytes(data)
    old = spool.CHUNK_BYTES
    spool.CHUNK_BYTES = 7
    try:
        with FileBuffer(path) as fb:
            assert len(fb) == len(data)
            assert fb.find(sub) == data.find(sub)
            assert fb.find(sub, a) == data.find(sub, a)
            assert fb.find(sub, a, b) == data.find(sub, a, b)
            assert fb[a:b] == data[a:b]
            assert b"".join(chunks(fb, a, b, 3)) == data[a:b]
    finally:
        spool.CHUNK_BYTES = old


def test_a_large_file_is_hashed_and_searched_without_loading_it(tmp_path: Path, tiny_windows: None) -> None:
    data = os.urandom(5000) + b"--END--" + os.urandom(300)
    path = tmp_path / "big.eml"
    path.write_bytes(data)
    with FileBuffer(path) as fb:
        assert fb.find(b"--END--") == 5000
        assert fb[-3:] == data[-3:] and fb[0] == data[0]
        assert sha256_of(fb) == sha256_of(data)
