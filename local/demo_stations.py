"""Demo kitchen stations for the demo chain, on the Feieyun simulator's printers (demo_simulator()):
hot kitchen (wok, with a fallback), cold dishes, steamer and bar, and the receipt at the counter."""

from __future__ import annotations

from diancan.domain.tickets import Station
from local.demo_data import stores

HOT_SN, COLD_SN, BAR_SN, COUNTER_SN = "910000001", "910000002", "910000003", "910000009"

STATIONS = [
    Station(station_id="wok", name="热菜", printer_sn=HOT_SN, fallback_printer_sn=COLD_SN),
    Station(station_id="cold", name="凉菜", printer_sn=COLD_SN),
    Station(station_id="steam", name="点心", printer_sn=HOT_SN),  # the steamer stands beside the wok line
    Station(station_id="bar", name="吧台", printer_sn=BAR_SN),
    Station(station_id="counter", name="前台", printer_sn=COUNTER_SN, paper_columns=48, receipt=True),
]


def load(repository=None) -> None:
    """Write the stations of every demo store (idempotent: puts overwrite). ``repository`` is a PrintJobs."""
    if repository is None:
        from diancan import bootstrap

        repository = bootstrap.print_jobs()
    for store in stores():
        for sort, station in enumerate(STATIONS):
            repository.put_station(store.store_id, station, sort=sort)
