"""The third-party layers are zipped once, as serverless would zip them (infra/layer_zip.py)."""

from __future__ import annotations

import importlib.util
import os
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]


def _zip_layer():
    spec = importlib.util.spec_from_file_location("layer_zip", ROOT / "infra" / "layer_zip.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.zip_layer


def _layer(tmp_path: Path) -> Path:
    layer = tmp_path / "layer"
    (layer / "python" / "pkg" / "sub").mkdir(parents=True)
    (layer / "python" / "pkg" / "__init__.py").write_text("x = 1\n")
    (layer / "python" / "pkg" / "sub" / "lib.so").write_bytes(b"\x7fELF" + bytes(5000))
    (layer / "python" / "pkg" / "sub" / "lib.so").chmod(0o755)
    (layer / "requirements.sha256").write_text("not in the zip\n")
    return layer


def test_the_zip_holds_python_entries_at_1980_with_their_modes_and_nothing_else(tmp_path):
    zip_layer, layer = _zip_layer(), _layer(tmp_path)
    zip_layer(layer, tmp_path / "out" / "layer.zip")
    with zipfile.ZipFile(tmp_path / "out" / "layer.zip") as archive:
        entries = {info.filename: info for info in archive.infolist()}
        assert sorted(entries) == ["python/pkg/__init__.py", "python/pkg/sub/lib.so"]
        assert {info.date_time for info in entries.values()} == {(1980, 1, 1, 0, 0, 0)}
        assert oct(entries["python/pkg/sub/lib.so"].external_attr >> 16) == "0o100755"
        assert oct(entries["python/pkg/__init__.py"].external_attr >> 16) == "0o100644"
        assert archive.read("python/pkg/__init__.py") == b"x = 1\n"
        assert entries["python/pkg/sub/lib.so"].compress_size < 5004
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["layer.zip"]  # no partial file left


def test_the_same_layer_zips_to_the_same_bytes_whatever_its_file_times(tmp_path):
    zip_layer, layer = _zip_layer(), _layer(tmp_path)
    zip_layer(layer, tmp_path / "first.zip")
    for path in (layer / "python").rglob("*"):
        os.utime(path, (1_700_000_000, 1_700_000_000))
    zip_layer(layer, tmp_path / "second.zip")
    assert (tmp_path / "first.zip").read_bytes() == (tmp_path / "second.zip").read_bytes()
