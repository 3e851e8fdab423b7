"""Reports: AgedReceivables, AgedReceivableDetail, CustomerBalance. (Stub: the reports work fills this in.)"""

from typing import Any

from qbemulator.online.faults import Fault
from qbemulator.online.state import Company


def run(company: Company, name: str, params: dict[str, str]) -> dict[str, Any]:
    """The report body in QBO's Header/Columns/Rows shape. Raises Fault for unknown reports."""
    raise Fault("2030", "Invalid ID", f"Report {name} is not supported", status=400)
