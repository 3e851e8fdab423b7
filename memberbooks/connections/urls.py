"""QuickBooks connection URLs: the per-organisation page and the one fixed OAuth callback."""

from django.urls import path

from memberbooks.connections import views

urlpatterns = [
    path("quickbooks/callback/", views.callback, name="qbo-callback"),
    path("o/<slug:org>/quickbooks/", views.config, name="qbo-config"),
    path("o/<slug:org>/quickbooks/connect/", views.connect, name="qbo-connect"),
    path("o/<slug:org>/quickbooks/disconnect/", views.disconnect, name="qbo-disconnect"),
    path("o/<slug:org>/quickbooks/credentials/", views.credentials, name="qbo-credentials"),
]
