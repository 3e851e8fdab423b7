"""Import pages, mounted under /o/<org>/import/ by memberbooks.web.urls."""

from django.urls import path

urlpatterns: list[object] = []
