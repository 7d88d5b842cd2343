"""make bench rewrites only its own section of docs/performance.md."""

from __future__ import annotations

import pytest

from bench.report import END, START, write

pytestmark = pytest.mark.unit


def test_the_bench_section_is_appended_and_the_rest_of_the_file_is_kept(tmp_path):
    doc = tmp_path / "performance.md"
    doc.write_text("# Performance\n\n## Reports\n\nsomeone else's figures\n", encoding="utf-8")
    write(doc, f"{START}\nfirst run\n{END}")
    text = doc.read_text(encoding="utf-8")
    assert text.startswith("# Performance\n\n## Reports\n\nsomeone else's figures\n")
    assert text.count(START) == 1 and "first run" in text


def test_a_second_run_replaces_only_the_section_between_the_markers(tmp_path):
    doc = tmp_path / "performance.md"
    doc.write_text(f"before\n\n{START}\nold figures\n{END}\n\nhand-written reading\n", encoding="utf-8")
    write(doc, f"{START}\nnew figures\n{END}")
    assert doc.read_text(encoding="utf-8") == f"before\n\n{START}\nnew figures\n{END}\n\nhand-written reading\n"
