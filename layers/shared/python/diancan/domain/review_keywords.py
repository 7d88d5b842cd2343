"""Keywords of review text: jieba segmentation, stop words and punctuation removed, counted.

jieba is imported on first use only (it loads a dictionary for about a second), so nothing but the
report builder ever pays for it.
"""

from __future__ import annotations

import logging
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
    import jieba  # lazy: only the report builder segments text

    jieba.setLogLevel(logging.WARNING)
    return [word for word in (w.strip() for w in jieba.lcut(text))
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
