"""Feieyun receipt markup → HTML, drawn as the paper would look, for the simulator's /rolls dev page.

The paper is ``columns`` character cells wide in a monospace font; a wide (CJK) character takes exactly
two cells whatever the font, so columns line up as on the printer. <CB>/<B> double the font size (half as
many characters per line), <C>/<RIGHT> align the line, <CUT> draws a dashed cut line, <QR> a placeholder
square with its text. <L>/<W> (double height/width) are approximated with a CSS scale.
"""

from __future__ import annotations

import html
import re
import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

TAG = re.compile(r"<(/?)(CB|BOLD|RIGHT|QR|BR|CUT|LOGO|PLUGIN|B|C|L|W)>")
STYLE_CLASSES = {"CB": "big", "B": "big", "L": "tall", "W": "wide", "BOLD": "bold"}
CHINA = ZoneInfo("Asia/Shanghai")

CSS = """
body{font-family:system-ui,sans-serif;background:#e8e4dc;margin:1rem}
.rolls{display:flex;gap:2rem;align-items:flex-start;flex-wrap:wrap}
.roll h2{font-size:1rem;margin:.2rem 0}.meta{font-size:.8rem;color:#555;margin:0 0 .5rem}
.paper{font-family:"Noto Sans Mono CJK SC","Sarasa Mono SC",monospace;font-size:14px;background:#fffdf7;
 padding:.6rem;box-shadow:0 1px 4px #0003;box-sizing:content-box}
.cap{font:11px system-ui,sans-serif;color:#888;border-top:1px solid #eee;margin-top:.4rem}
.waiting{opacity:.45}.ln{white-space:pre-wrap;word-break:break-all;min-height:1.2em;line-height:1.2}
.center{text-align:center}.right{text-align:right}
.big{font-size:2em}.bold{font-weight:bold}
.tall{display:inline-block;transform:scaleY(2);margin:.3em 0}.wide{display:inline-block;transform:scaleX(2);transform-origin:left}
.w{display:inline-block;width:2ch;text-align:center}
.cut{border-top:2px dashed #999;margin:.6rem -.6rem;position:relative}
.cut::after{content:"✂";position:absolute;left:-.2rem;top:-.8rem;color:#999}
.qr{width:8em;height:8em;margin:.3rem auto;border:3px double #333;display:flex;align-items:center;
 justify-content:center;text-align:center;font-size:10px;word-break:break-all;padding:.3em}
.mark{color:#a60;font-size:.8em}
"""


def markup_to_html(content: str) -> str:
    """The printed look of one Feieyun ``content``; every piece of text is HTML-escaped."""
    out: list[str] = []
    line: list[str] = []
    aligns: set[str] = set()
    open_tags: list[str] = []
    qr_text: list[str] = []

    def flush(force: bool) -> None:
        if line or force:
            align = " center" if aligns & {"C", "CB"} else " right" if "RIGHT" in aligns else ""
            out.append(f'<div class="ln{align}">{"".join(line)}</div>')
        line.clear()
        aligns.clear()

    def add_text(text: str) -> None:
        if "QR" in open_tags:
            qr_text.append(text)
        elif text:
            aligns.update(t for t in open_tags if t in ("C", "CB", "RIGHT"))
            classes = " ".join(dict.fromkeys(STYLE_CLASSES[t] for t in open_tags if t in STYLE_CLASSES))
            cells = "".join(_cell(char) for char in text)
            line.append(f'<span class="{classes}">{cells}</span>' if classes else cells)

    position = 0
    for match in TAG.finditer(content):
        add_text(content[position:match.start()])
        position = match.end()
        closing, name = match.groups()
        if name == "BR":
            flush(force=True)
        elif name == "CUT":
            flush(force=False)
            out.append('<div class="cut"></div>')
        elif name in ("LOGO", "PLUGIN"):
            line.append(f'<span class="mark">[{name}]</span>')
        elif closing:
            if name in open_tags:
                open_tags.remove(name)
            if name == "QR":
                flush(force=False)
                out.append(f'<div class="qr">QR<br>{html.escape("".join(qr_text))}</div>')
                qr_text.clear()
        else:
            open_tags.append(name)
    add_text(content[position:])
    flush(force=False)
    return "".join(out)


def rolls_page(printers: list[dict]) -> str:
    """Every printer's roll: printed tickets in print order (each copy), then waiting ones greyed out."""
    sections = []
    for printer in printers:
        printed = sorted((j for j in printer["jobs"] if j["printed"]), key=lambda j: j["printed_at"])
        waiting = [j for j in printer["jobs"] if not j["printed"]]
        paper = "".join(_job_html(job) for job in printed) + "".join(_job_html(job, " waiting") for job in waiting)
        sections.append(
            f'<section class="roll"><h2>{html.escape(printer["name"] or printer["sn"])} · {html.escape(printer["sn"])}</h2>'
            f'<p class="meta">{html.escape(printer["state"])} · {printer["columns"]} 列 · '
            f'{len(printed)} printed · {len(waiting)} waiting</p>'
            f'<div class="paper" style="width:{printer["columns"]}ch">{paper}</div></section>')
    return ('<!doctype html><html lang="zh"><head><meta charset="utf-8"><meta http-equiv="refresh" content="3">'
            f'<title>Feieyun simulator · paper rolls</title><style>{CSS}</style></head><body>'
            f'<h1>飞鹅云 simulator · paper rolls</h1><div class="rolls">{"".join(sections)}</div></body></html>')


def _job_html(job: dict, extra_class: str = "") -> str:
    when = job["printed_at"] if job["printed"] else job["accepted_at"]
    caption = (f'{html.escape(job["order_id"])} · {datetime.fromtimestamp(when, CHINA):%H:%M:%S} · '
               f'{"printed" if job["printed"] else "waiting"} · x{job["copies"]}')
    return f'<div class="job{extra_class}"><div class="cap">{caption}</div>{markup_to_html(job["content"]) * job["copies"]}</div>'


def _cell(char: str) -> str:
    escaped = html.escape(char)
    return f'<span class="w">{escaped}</span>' if unicodedata.east_asian_width(char) in ("W", "F") else escaped
