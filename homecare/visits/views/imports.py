"""Import of actual visit times from a provider's own call-monitoring system, for its managers:
upload a file → choose which column holds which field → check the rows → store them.

Thin: the rules live in homecare.visits.imports. Between steps the uploaded file is kept, compressed, in
the user's session (never on disk: the upload handler below keeps it in memory too) and read again at
each step, so what is checked is exactly what is stored.
"""

from __future__ import annotations

import base64
import binascii
import io
import zlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from homecare.govuk_forms.forms import add_service_errors
from homecare.visits import imports
from homecare.visits.forms_imports import MappingForm, UploadForm

SESSION_KEY = "visits_import"
# The error report lists this many rows on the page; the rest are counted.
ROWS_SHOWN = 1000


def _require_importer(user) -> None:
    if not imports.may_import(user):
        raise PermissionDenied


class InMemoryImportUpload(FileUploadHandler):
    """Holds the uploaded file in memory, never in a temporary file, and gives up past the size limit."""

    def __init__(self, request=None):
        super().__init__(request)
        self.too_large = False
        self.buffer = io.BytesIO()

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.buffer = io.BytesIO()

    def receive_data_chunk(self, raw_data, start):
        if self.buffer.tell() + len(raw_data) > imports.MAX_BYTES:
            self.too_large = True
            raise SkipFile
        self.buffer.write(raw_data)
        return None

    def file_complete(self, file_size):
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


def _keep(request, *, filename: str, content: bytes, mapping: imports.ColumnMapping) -> None:
    request.session[SESSION_KEY] = {
        "organisation": request.user.organisation_id,
        "filename": filename,
        "content": base64.b64encode(zlib.compress(content)).decode("ascii"),
        "mapping": mapping.as_dict(),
    }


def _kept(request) -> tuple[imports.ParsedFile, imports.ColumnMapping] | None:
    """The file uploaded earlier in this session and its mapping, or None (none, or unreadable)."""
    kept = request.session.get(SESSION_KEY)
    if not isinstance(kept, dict) or kept.get("organisation") != request.user.organisation_id:
        return None
    try:
        content = zlib.decompress(base64.b64decode(kept["content"]))
        parsed = imports.parse_upload(filename=kept["filename"], content=content)
    except (KeyError, TypeError, binascii.Error, zlib.error, ValidationError):
        request.session.pop(SESSION_KEY, None)
        return None
    return parsed, imports.ColumnMapping.from_dict(kept.get("mapping") or {})


def _keep_mapping(request, mapping: imports.ColumnMapping) -> None:
    kept = request.session[SESSION_KEY]
    kept["mapping"] = mapping.as_dict()
    request.session.modified = True


@csrf_exempt  # only so the upload handler can be swapped before the body is read; checked just below
@login_required
def upload(request):
    _require_importer(request.user)
    handler = InMemoryImportUpload(request)
    request.upload_handlers = [handler]
    return _upload(request, handler)


@csrf_protect
def _upload(request, handler: InMemoryImportUpload):
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, too_large=handler.too_large)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            content = upload.read()
            try:
                parsed = imports.parse_upload(filename=upload.name, content=content)
            except ValidationError as exc:
                form.add_error("file", exc.messages)
            else:
                _keep(
                    request,
                    filename=upload.name,
                    content=content,
                    mapping=imports.suggest_mapping(parsed.headers),
                )
                return redirect("visits:import-mapping")
    else:
        form = UploadForm()
    return render(request, "visits/import_upload.html", {"form": form})


@login_required
def mapping(request):
    _require_importer(request.user)
    kept = _kept(request)
    if kept is None:
        return redirect("visits:import")
    parsed, current = kept
    if request.method == "POST":
        form = MappingForm(request.POST, headers=parsed.headers)
        if form.is_valid():
            chosen = form.mapping()
            try:
                imports.mapping_check(parsed=parsed, mapping=chosen)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                _keep_mapping(request, chosen)
                return redirect("visits:import-check")
    else:
        form = MappingForm(headers=parsed.headers, initial=current.as_dict())
    preview = [[row.get(h, "") for h in parsed.headers] for row in parsed.rows[:3]]
    return render(
        request,
        "visits/import_mapping.html",
        {"form": form, "parsed": parsed, "preview": preview, "row_count": len(parsed.rows)},
    )


@login_required
def check(request):
    _require_importer(request.user)
    kept = _kept(request)
    if kept is None:
        return redirect("visits:import")
    parsed, chosen = kept
    try:
        plan = imports.validate(user=request.user, parsed=parsed, mapping=chosen)
    except ValidationError:
        return redirect("visits:import-mapping")  # the mapping no longer fits: choose again
    apply_errors: list[str] = []
    if request.method == "POST" and plan.ok:
        try:
            result = imports.apply(user=request.user, plan=plan)
        except ValidationError as exc:
            apply_errors = exc.messages
        else:
            request.session.pop(SESSION_KEY, None)
            messages.success(request, _stored_message(result))
            return redirect("visits:import")
    return render(
        request,
        "visits/import_check.html",
        {
            "plan": plan,
            "parsed": parsed,
            "errors_shown": plan.errors[:ROWS_SHOWN],
            "errors_hidden": max(0, len(plan.errors) - ROWS_SHOWN),
            "summary_errors": plan.errors[:10],
            "apply_errors": apply_errors,
        },
    )


def _stored_message(result: imports.ImportResult) -> str:
    text = f"Actual times stored for {result.visits} visit{'' if result.visits == 1 else 's'}"
    if result.already_imported:
        text += f"; {result.already_imported} already imported"
    return text


urlpatterns = [
    path("imports/", upload, name="import"),
    path("imports/columns/", mapping, name="import-mapping"),
    path("imports/check/", check, name="import-check"),
]
