"""Import pages, mounted under /o/<org>/import/ by memberbooks.web.urls."""

from django.urls import path

from memberbooks.imports import views

urlpatterns = [
    path("", views.import_page, name="import"),
    path("confirm/", views.import_confirm, name="import-confirm"),
]
