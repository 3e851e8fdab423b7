"""Top-level URL map: pages, JSON API, admin."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("memberbooks.api.urls")),
    path("", include("memberbooks.web.urls")),
]
