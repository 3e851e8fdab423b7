"""What every page view shares: rendering with the nav section, 404 for a foreign id,
turning a LedgerError into a form error, and reading the date a report is as of."""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from memberbooks.ledger import queries
from memberbooks.ledger.drafts import ApplicationDraft
from memberbooks.ledger.errors import LedgerError, NotFound
from memberbooks.ledger.models import Member
from memberbooks.tenancy.access import Actor
from memberbooks.tenancy.models import Organisation
from memberbooks.web.forms import PageForm, posted_applications


def actor(request: HttpRequest) -> Actor:
    """The caller that `org_page` resolved for this request."""
    return request.actor  # type: ignore[attr-defined, no-any-return]


def page(
    request: HttpRequest, template: str, section: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    return render(request, f"web/{template}", {"section": section, **context}, status=status)


def or_404[T](lookup: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run an organisation-scoped lookup; a row that is not there (or is another's) is a 404."""
    try:
        return lookup(*args, **kwargs)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def attempt[T](form: PageForm, call: Callable[[], T]) -> T | None:
    """Run a lookup-and-action; a refusal becomes an error on the form and nothing is written."""
    try:
        return call()
    except LedgerError as exc:
        form.add_ledger_error(exc)
        return None


def paginate(request: HttpRequest, items: Any, per_page: int = 50) -> Page:  # type: ignore[type-arg]
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def entry_form[F: PageForm](
    form_class: type[F], request: HttpRequest, *, saving: bool, **kwargs: Any
) -> F:
    """The form of a new document: bound when saving; otherwise showing what was typed.

    "Add a line" and "Show open invoices" post the form without saving it; binding it then
    would greet the person with "This field is required" for fields they have not reached.
    """
    initial = {"member_number": request.GET.get("member", "")}
    if request.method == "POST" and not saving:
        initial |= request.POST.dict()
    return form_class(request.POST if saving else None, initial=initial, **kwargs)


def application_drafts(request: HttpRequest) -> list[ApplicationDraft]:
    """The posted `apply-<invoice id>` amounts, each invoice resolved inside the organisation.

    An invoice id of another organisation raises NotFound like a missing one, so
    the whole form is refused before anything is written.
    """
    organisation = actor(request).organisation
    return [
        ApplicationDraft(invoice=queries.invoice(organisation, pk=invoice_id), amount=amount)
        for invoice_id, amount in posted_applications(request.POST)
    ]


def live_member_input(form: PageForm, request: HttpRequest, url_name: str, target: str) -> None:
    """Make the member number input fetch `url_name` into `target` as it is typed (htmx)."""
    url = reverse(url_name, kwargs={"org": actor(request).organisation.slug})
    form.fields["member_number"].widget.attrs.update(
        {
            "hx-get": url,
            "hx-trigger": "input changed delay:400ms, change",
            "hx-target": target,
            "hx-sync": "this:replace",
        }
    )


def find_member(organisation: Organisation, number: str) -> Member | None:
    """The organisation's member with this number, or None (for hints, not for writes)."""
    try:
        return queries.member(organisation, number=number) if number.strip() else None
    except NotFound:
        return None


def apply_rows(member: Member | None, number: str, amounts: dict[str, str]) -> dict[str, Any]:
    """What `_apply_rows.html` shows: the member's open invoices, with the amounts typed so far."""
    return {
        "apply_member": member,
        "number": number,
        "apply_invoices": list(queries.open_invoices(member)) if member else [],
        "amounts": amounts,
    }


def posted_amounts(request: HttpRequest) -> dict[str, str]:
    """What was typed in the application inputs, to show it again after an error."""
    source = request.POST if request.method == "POST" else request.GET
    return {
        key: values[-1] for key, values in source.lists() if key.startswith("apply-") and values
    }


def as_of_date(text: str | None) -> tuple[dt.date, str]:
    """The report date from `?as_of=YYYY-MM-DD`: today when blank, today and an error if bad."""
    today = timezone.localdate()
    if not text:
        return today, ""
    try:
        return dt.date.fromisoformat(text), ""
    except ValueError:
        return today, f"{text!r} is not a date; showing today. Write it as YYYY-MM-DD."
