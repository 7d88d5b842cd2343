"""Keywords of review text: jieba segmentation, stop words and punctuation removed, counted.

The segmenter is rjieba (jieba-rs, the Rust port of jieba with jieba's dictionary built in: a manylinux
wheel instead of a source-only package, and a fraction of its load time). Its splits equal jieba's on the
demo history's reviews (tests/unit/test_reports.py keeps the snapshot made with jieba). It is imported on
first use only, so nothing but the report builder ever pays for it.
"""

from __future__ import annotations

from collections import Counter

_STOP_TEXT = (
    "的 了 是 我 你 他 她 它 们 我们 你们 他们 这 那 这个 那个 就 都 也 还 又 很 太 非常 特别 比较 有点 一点 有 没有 "
    "没 不 和 与 跟 在 吧 吗 呢 啊 呀 哦 嗯 哈 哈哈 个 一个 一 上 下 去 来 到 说 会 能 要 想 让 给 被 把 对 "
    "就是 还是 但是 而且 然后 因为 所以 如果 虽然 可以 觉得 感觉 真的 真 挺 好像 一下 一次 这次 下次 今天 "
    "次 点 份 家 店 菜 吃 吃饭 东西 时候 什么 怎么 这么 那么 已经 还有 以后 之前 之后"
)
STOP_WORDS = frozenset(_STOP_TEXT.split())
MIN_LENGTH = 2


def tokens(text: str) -> list[str]:
    """The words of ``text`` that carry meaning: at least two characters, no stop word, no number."""
    import rjieba  # lazy: only the report builder segments text

    return [word for word in (w.strip() for w in rjieba.cut(text))
            if len(word) >= MIN_LENGTH and word not in STOP_WORDS and not word.isdigit() and any(c.isalnum() for c in word)]


class KeywordCounter:
    """Counts keywords of reviews as they stream past (memory: the vocabulary, not the reviews)."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self.reviews = 0

    def add(self, text: str) -> None:
        self.reviews += 1
        self._counts.update(set(tokens(text)))  # a word counts once per review

    def top(self, n: int = 20) -> list[dict]:
        ranked = sorted(self._counts.items(), key=lambda item: (-item[1], item[0]))[:n]
        return [{"word": word, "reviews": count} for word, count in ranked]
