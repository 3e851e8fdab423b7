"""The import page: upload a file and pick its kind, see the preview and every error, confirm.

The preview is a dry run of the same `run_import` the CLI calls. The upload
waits in `storage` under a random token bound to this user and organisation
until it is confirmed (written, all or nothing) or cancelled.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from memberbooks.imports import storage
from memberbooks.imports.importer import ImportResult, run_import
from memberbooks.imports.reading import too_large
from memberbooks.imports.schema import KINDS
from memberbooks.tenancy.access import Actor
from memberbooks.tenancy.models import Role
from memberbooks.web.access import org_page


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label="What the file holds", choices=[(k.name, k.label) for k in KINDS.values()]
    )
    file = forms.FileField(label="CSV file (UTF-8)")


def _actor(request: HttpRequest) -> Actor:
    actor = getattr(request, "actor", None)
    assert isinstance(actor, Actor)
    return actor


def _render(
    request: HttpRequest,
    form: UploadForm,
    result: ImportResult | None = None,
    pending: storage.Pending | None = None,
    filename: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {
        "section": "import",
        "form": form,
        "result": result,
        "pending": pending,
        "filename": filename,
        "kinds": list(KINDS.values()),
        "max_megabytes": settings.IMPORT_MAX_BYTES // 1_048_576,
    }
    return render(request, "imports/import.html", context, status=status)


@org_page(Role.BOOKKEEPER)
def import_page(request: HttpRequest, org: str) -> HttpResponse:
    """GET: the upload form. POST: check the upload (a dry run) and show the preview."""
    if request.method != "POST":
        return _render(request, UploadForm())
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render(request, form, status=400)
    actor, kind, upload = _actor(request), form.cleaned_data["kind"], form.cleaned_data["file"]
    result = ImportResult(kind=kind, dry_run=True)
    refusal = too_large(upload.size or 0, settings.IMPORT_MAX_BYTES)
    if refusal:
        result.errors.add(None, "", "", refusal)
        return _render(request, form, result, filename=upload.name or "")
    pending: storage.Pending | None = storage.save(
        upload.chunks(),
        organisation_id=actor.organisation.pk,
        user_id=request.user.pk or 0,
        kind=kind,
        filename=upload.name or "",
    )
    assert pending is not None
    with pending.path.open("rb") as stream:
        result = run_import(actor, kind, stream, dry_run=True)
    if not result.ok:
        storage.discard(pending)
        pending = None
    return _render(request, UploadForm(initial={"kind": kind}), result, pending, upload.name or "")


@org_page(Role.BOOKKEEPER)
@require_POST
def import_confirm(request: HttpRequest, org: str) -> HttpResponse:
    """Write the previewed upload (checked again first), or cancel it."""
    actor = _actor(request)
    pending = storage.load(
        request.POST.get("token", ""),
        organisation_id=actor.organisation.pk,
        user_id=request.user.pk or 0,
    )
    if pending is None:
        messages.error(request, "That upload is no longer waiting; upload the file again.")
        return redirect("import", org=org)
    if "cancel" in request.POST:
        storage.discard(pending)
        messages.info(request, f"Import of {pending.filename} cancelled; nothing was written.")
        return redirect("import", org=org)
    try:
        with pending.path.open("rb") as stream:
            result = run_import(actor, pending.kind, stream)
    finally:
        storage.discard(pending)
    if result.written:
        messages.success(request, f"Imported {pending.filename}: created {result.described()}.")
        return redirect("import", org=org)
    form = UploadForm(initial={"kind": pending.kind})
    return _render(request, form, result, filename=pending.filename, status=409)
