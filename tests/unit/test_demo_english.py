"""The demo chain speaks English too: the mini-program's English mode shows English dish names,
descriptions, categories and options, not the Chinese ones it falls back to."""

from __future__ import annotations

import re

import pytest

from local.demo_data import menu_of, stores

pytestmark = pytest.mark.unit
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("store_id", [s.store_id for s in stores()])
def test_every_demo_dish_category_and_option_has_an_english_name(store_id):
    categories, dishes = menu_of(store_id)
    names = [c.name_en for c in categories] + [d.name_en for d in dishes] + [
        g.name_en for d in dishes for g in d.option_groups] + [o.name_en for d in dishes for g in d.option_groups
                                                                for o in g.options]
    assert all(names) and not any(CJK.search(n) for n in names)
    described = [d for d in dishes if d.description]
    assert all(d.description_en and not CJK.search(d.description_en) for d in described)
    assert len({d.name_en for d in dishes}) == len(dishes)  # no two dishes read alike in English
