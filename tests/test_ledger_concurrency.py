"""Two clerks at once: concurrent applications of one payment can never over-apply it.

Runs real threads with their own database connections (on PostgreSQL the row
locks in the actions decide; on SQLite the write lock does).
"""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connections

from memberbooks.ledger import actions
from memberbooks.ledger.drafts import ApplicationDraft
from memberbooks.ledger.errors import LedgerError
from memberbooks.ledger.models import Application, Payment
from memberbooks.tenancy.actions import create_organisation
from tests.books import Books, D


@pytest.mark.django_db(transaction=True)
def test_concurrent_applications_cannot_over_apply_a_payment() -> None:
    books = Books(create_organisation("race", "Race Club"))
    pat = books.member()
    invoices = [books.invoice(pat, "100.00", "2026-01-01") for _ in range(4)]
    payment = books.pay(pat, "150.00", "2026-01-02")
    barrier = threading.Barrier(len(invoices))
    outcomes: list[str] = []

    def clerk(invoice_index: int) -> None:
        try:
            barrier.wait()
            actions.apply_payment(
                books.actor, payment, [ApplicationDraft(invoices[invoice_index], D("60.00"))]
            )
            outcomes.append("applied")
        except LedgerError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=clerk, args=(i,)) for i in range(len(invoices))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    payment.refresh_from_db()
    applied = sum((a.amount for a in Application.objects.filter(payment=payment)), Decimal("0"))
    assert sorted(outcomes) == ["applied", "applied", "refused", "refused"]
    assert applied == payment.amount_applied == D("120.00")
    assert Payment.objects.get(pk=payment.pk).unapplied == D("30.00")
    assert all(inv.applications.count() <= 1 for inv in invoices)
    assert dt.date(2026, 1, 2) in {a.applied_on for a in Application.objects.all()}
