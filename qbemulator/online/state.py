"""The emulator's state: companies (realms) and everything they hold, in memory.

One `Emulator` holds all companies behind one re-entrant lock (a threaded
server calls in from many threads; every handler that reads or writes a company
holds `emulator.lock`). Entities are stored as QBO JSON dicts, exactly as the API
returns them, keyed by entity name ("Customer", "Invoice", ...) and Id.

Persistence is optional: `Emulator(path=...)` loads the file at start and
`save()` writes it atomically, so the demo survives a restart.
"""

import dataclasses
import json
import os
import secrets
import tempfile
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from qbemulator.online.http import dumps


@dataclass
class Company:
    """One QuickBooks company (realm)."""

    realm_id: str
    name: str
    entities: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    id_counters: dict[str, int] = field(default_factory=dict)  # entity -> next Id
    doc_numbers: dict[str, int] = field(default_factory=dict)  # entity -> last auto DocNumber
    preferences: dict[str, Any] = field(default_factory=dict)
    requests: dict[str, dict[str, Any]] = field(default_factory=dict)  # requestid -> first response
    changes: list[dict[str, Any]] = field(default_factory=list)  # CDC log: {entity, id, op, at}
    webhook: dict[str, Any] = field(default_factory=dict)  # url, verifier, format
    knobs: dict[str, Any] = field(default_factory=dict)

    def peek_id(self, entity: str) -> str:
        """The Id the next `new_id(entity)` will hand out."""
        return str(self.id_counters.get(entity, 1))

    def new_id(self, entity: str) -> str:
        """Ids count per entity type, as in QBO (Item 1 and Account 1 both exist)."""
        value = self.peek_id(entity)
        self.id_counters[entity] = int(value) + 1
        return value

    def table(self, entity: str) -> dict[str, dict[str, Any]]:
        return self.entities.setdefault(entity, {})


@dataclass
class Emulator:
    """All companies, the OAuth clients and tokens, and the lock that guards them."""

    path: Path | None = None
    companies: dict[str, Company] = field(default_factory=dict)
    oauth: dict[str, Any] = field(default_factory=dict)  # owned by oauth.py
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def __post_init__(self) -> None:
        if self.path is not None and self.path.exists():
            self._load(json.loads(self.path.read_text(), parse_float=Decimal))

    def new_realm_id(self) -> str:
        # Real realm ids are long decimal numbers.
        while True:
            realm = str(9130350000000000000 + secrets.randbelow(10**15))
            if realm not in self.companies:
                return realm

    def company(self, realm_id: str) -> Company | None:
        return self.companies.get(realm_id)

    def reset(self) -> None:
        with self.lock:
            self.companies.clear()
            self.oauth.clear()
            self.save()

    def save(self) -> None:
        """Write the whole state to `path` (if any), atomically."""
        if self.path is None:
            return
        with self.lock:
            data = {
                "companies": {realm: vars(company) for realm, company in self.companies.items()},
                "oauth": self.oauth,
            }
            text = dumps(data)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=self.path.parent, prefix=".emulator-")
        with os.fdopen(handle, "w") as out:
            out.write(text)
        os.replace(temp, self.path)

    def _load(self, data: dict[str, Any]) -> None:
        self.companies = {
            realm: _company_from_saved(fields)
            for realm, fields in data.get("companies", {}).items()
        }
        self.oauth = data.get("oauth", {})


def new_company(emulator: Emulator, name: str) -> Company:
    """Create a company with a realistic start: A/R, Undeposited Funds, a bank account,
    income accounts, a few items, CompanyInfo and Preferences (no closing date)."""
    from qbemulator.online.entities.chart import seed  # entities imports this module

    with emulator.lock:
        company = Company(realm_id=emulator.new_realm_id(), name=name)
        seed(company)
        emulator.companies[company.realm_id] = company
        return company


def _company_from_saved(fields: dict[str, Any]) -> Company:
    """A company from a state file, also one written by an older emulator.

    Unknown keys are dropped; files from before Ids counted per entity get their
    counters from the highest Id of each entity.
    """
    known = {f.name for f in dataclasses.fields(Company)}
    company = Company(**{key: value for key, value in fields.items() if key in known})
    if "id_counters" not in fields:
        for entity, table in company.entities.items():
            numbers = [int(key) for key in table if key.isdigit()]
            company.id_counters[entity] = max(numbers, default=0) + 1
    return company
