"""The simulator's markup → HTML renderer draws Feieyun content as the paper would show it."""

from __future__ import annotations

import pytest

from local.simulators.feieyun_paper import markup_to_html, rolls_page

pytestmark = pytest.mark.unit


def test_a_centred_double_size_line_is_centred_and_big_with_wide_cells():
    assert markup_to_html("<CB>热菜</CB><BR>") == (
        '<div class="ln center"><span class="big"><span class="w">热</span><span class="w">菜</span></span></div>')


def test_plain_text_keeps_its_spaces_and_empty_lines_keep_their_height():
    assert markup_to_html("a  b<BR><BR>") == '<div class="ln">a  b</div><div class="ln"></div>'


def test_a_qr_code_becomes_a_square_with_its_text_and_a_cut_a_dashed_line():
    rendered = markup_to_html("<QR>https://x.example/o?a=1&b=2</QR><BR><CUT>")
    assert '<div class="qr">QR<br>https://x.example/o?a=1&amp;b=2</div>' in rendered
    assert rendered.endswith('<div class="cut"></div>')


def test_text_is_escaped_so_the_dev_page_cannot_be_scripted_by_a_remark():
    assert "<script>" not in markup_to_html("<script>alert(1)</script><BR>")


def test_the_roll_page_shows_printed_and_waiting_jobs_of_each_printer():
    job = {"order_id": "9_20261124120000_1", "content": "hi<BR>", "copies": 2, "accepted_at": 0.0}
    page = rolls_page([{"sn": "9", "name": "热菜", "state": "online", "columns": 32,
                        "jobs": [job | {"printed": True, "printed_at": 1.0}, job | {"printed": False, "printed_at": None}]}])
    assert "1 printed · 1 waiting" in page and 'style="width:32ch"' in page
    assert page.count('<div class="ln">hi</div>') == 4  # two copies of each job
