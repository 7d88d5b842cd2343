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


def test_the_cold_table_adds_the_first_request_imports_beside_the_defined_metric():
    from bench.coldstart import ColdStart, FirstInvocation, FirstRequest
    from bench.report import Results, render

    invoked = FirstInvocation(("botocore", "botocore.client"), 0.3, 1, 2)
    first = FirstRequest("auth", "auth POST /login", invoked, 0.25, 0.1, ((0.04, "botocore"), (0.0001, "blinker")))
    text = render(Results(cold=[ColdStart("admin", 0.3, 0.1), ColdStart("auth", 0.12, 0.1)], cold_first=[first],
                          cold_floor=0.2))
    assert ("| import + first request's imports (ms) | its ratio to boto3 | first-request verdict (≤ 1.5) | "
            "first invocation ms (moto) | botocore sessions / clients |") in text
    assert "| auth | yes | 120 | 1.20 | meets | POST /login | 250 | 2.50 | above | 300 | 1 / 2 |" in text
    assert "| admin |  | 300 | 3.00 | (no target) | | | | | | |" in text
    assert "before any code of ours: 200 ms, 2.00 × `import boto3`" in text
    assert "the modules the first request still has to load" in text
    assert "- auth (POST /login, 2 modules): botocore 40\n" in text  # under 0.5 ms left out


def test_a_count_above_its_target_is_explained_or_plainly_above():
    from collections import Counter

    from bench.dynamo_calls import Counted, Target

    def verdict(target: Target) -> str:
        return Counted("op", Counter({"GetItem": 2}), target, log=None).verdict  # type: ignore[arg-type]

    assert verdict(Target({"GetItem": 2}, "why")) == "meets"
    assert verdict(Target({"GetItem": 1}, "why", above="the second read is the alert's")) == "above (explained)"
    assert verdict(Target({"GetItem": 1}, "why")) == "above"


def test_cold_imports_are_timed_in_rounds_that_take_every_figure_once(monkeypatch):
    from bench import coldstart

    calls = []
    monkeypatch.setattr(coldstart, "timed_import", lambda body, *args: calls.append(body) or len(calls) / 1000)
    medians = coldstart.interleaved_medians({"a": ("import a",), "b": ("import b", "x")}, runs=3)
    assert calls == ["import a", "import b"] + ["import a", "import b"] * 3  # a warm-up each, then the rounds
    assert medians == {"a": 0.005, "b": 0.006}


def test_import_rows_are_summed_by_top_level_package():
    from bench.coldstart import by_package

    rows = [(0.02, "botocore.parsers"), (0.01, "botocore.waiter"), (0.015, "cryptography.x509"), (0.001, "six")]
    assert by_package(rows, 2) == ((0.03, "botocore"), (0.015, "cryptography"))


def test_the_cost_table_prices_the_units_and_spreads_the_schedules_over_a_days_orders():
    from collections import Counter

    from bench.cost import ORDERS_PER_DAY, PRICES, CostResult, Usage
    from bench.report import Results, render

    per_thousand = Usage("1,000 orders", {"place_order": Counter({"Lambda requests": 1000, "WRU": 2_000_000})})
    fixed = Usage("day", {"order_sweeper": Counter({"Lambda requests": ORDERS_PER_DAY})})
    text = render(Results(cost=CostResult(per_thousand, fixed, {"place_order": 40.0}, 5, {"place_order": 512})))
    wru = PRICES["us-east-1 (USD)"]["WRU"]
    # 2 M WRU; 1,000 requests of orders + the day's 1,000 schedule runs spread over ORDERS_PER_DAY orders
    assert f"| us-east-1 (USD) | 0 | 0.000400 | 0 | {2 * wru.amount:.4f} |" in text
    assert "| order_sweeper (schedule) |" in text and "| **total** | | | **0** | **2,000** |" in text


def test_the_chain_section_says_whether_the_lunch_peak_fits_under_the_usable_load():
    from bench.chain import ChainResult, Run
    from bench.report import Results, render

    steady = [Run("ρ = 0.1", 10, 0, 0, 1.0, 50.0, 0.1), Run("ρ = 0.3", 30, 9, 0, 1.0, 80.0, 0.3),
              Run("ρ = 0.6", 60, 300, 0, 9.0, 9000.0, 0.6)]
    text = render(Results(chain=ChainResult(50.0, [Run("4 at once", 4, 6, 0, 0.3, 250.0)], steady)))
    assert "at most **20 payments/s** per store here" in text
    assert "| 4 at once | 4 | 6 | 1.50 | 60% | 0 | 0.30 | 250 |" in text
    assert "**ρ = 0.3**, i.e. 6 payments/s per store here" in text and "ρ = 0.25 — meets" in text
    assert "ABOVE" in render(Results(chain=ChainResult(100.0, [], steady)))  # 5/s × 0.1 s = 0.5 > 0.3


def test_the_throughput_section_compares_each_runtime_with_its_own_one_guest_run():
    from bench.report import Results, render
    from bench.throughput import Throughput

    runs = [Throughput(1, 4, 4.0, {}, runtime="1 process"), Throughput(8, 32, 40.0, {}, runtime="1 process"),
            Throughput(1, 4, 2.0, {}, runtime="4 workers"), Throughput(8, 32, 8.0, {}, runtime="4 workers")]
    rows = [line for line in render(Results(throughput=runs)).splitlines() if line.startswith(("| 1 process", "| 4 w"))]
    assert [row.split(" | ")[6:8] for row in rows] == [["1.00", "1.00"], ["0.80", "0.80"], ["2.00", "1.00"],
                                                        ["4.00", "2.00"]]
