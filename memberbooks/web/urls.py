"""Page URLs. Everything of an organisation lives under /o/<slug>/; names are used by templates,
tests and other apps, so keep them stable."""

from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path

from memberbooks.web import views
from memberbooks.web.views import (
    aging,
    billing,
    events,
    invoices,
    members,
    qb_gl,
    qb_hub,
    qb_insync,
    qb_members,
    qb_sync,
    qb_transactions,
    sources,
)

PAYMENT = {"kind": "payment"}
CREDIT_MEMO = {"kind": "creditmemo"}

organisation_urls: list[URLPattern | URLResolver] = [
    path("", views.org_home, name="org-home"),
    # members
    path("members/", members.member_list, name="members"),
    path("members.csv", members.member_csv, name="members-csv"),
    path("members/new/", members.member_new, name="member-new"),
    path("members/hint/", members.member_hint, name="member-hint"),
    path("members/open-invoices/", members.member_open_invoices, name="member-open-invoices"),
    path("members/<int:pk>/", members.member_detail, name="member-detail"),
    path("members/<int:pk>/edit/", members.member_edit, name="member-edit"),
    path(
        "members/<int:pk>/statement.csv", members.member_statement_csv, name="member-statement-csv"
    ),
    # billing
    path("billing/", billing.billing, name="billing"),
    path("billing.csv", billing.billing_csv, name="billing-csv"),
    path("invoices/new/", invoices.invoice_new, name="invoice-new"),
    path("invoices/line/", invoices.line_row, name="invoice-line"),
    path("invoices/<int:pk>/", invoices.invoice_detail, name="invoice-detail"),
    path("invoices/<int:pk>/void/", invoices.invoice_void, name="invoice-void"),
    path("payments/new/", sources.payment_new, name="payment-new"),
    path("payments/<int:pk>/", sources.source_detail, PAYMENT, name="payment-detail"),
    path("payments/<int:pk>/apply/", sources.source_apply, PAYMENT, name="payment-apply"),
    path("payments/<int:pk>/unapply/", sources.source_unapply, PAYMENT, name="payment-unapply"),
    path("payments/<int:pk>/refund/", sources.source_refund, PAYMENT, name="payment-refund"),
    path("payments/<int:pk>/void/", sources.source_void, PAYMENT, name="payment-void"),
    path("credit-memos/new/", invoices.creditmemo_new, name="creditmemo-new"),
    path("credit-memos/<int:pk>/", sources.source_detail, CREDIT_MEMO, name="creditmemo-detail"),
    path(
        "credit-memos/<int:pk>/apply/", sources.source_apply, CREDIT_MEMO, name="creditmemo-apply"
    ),
    path(
        "credit-memos/<int:pk>/unapply/",
        sources.source_unapply,
        CREDIT_MEMO,
        name="creditmemo-unapply",
    ),
    path(
        "credit-memos/<int:pk>/refund/",
        sources.source_refund,
        CREDIT_MEMO,
        name="creditmemo-refund",
    ),
    path("credit-memos/<int:pk>/void/", sources.source_void, CREDIT_MEMO, name="creditmemo-void"),
    # aging
    path("aging/", aging.aging_report, name="aging"),
    path("aging.csv", aging.aging_csv, name="aging-csv"),
    path("aging/<int:pk>/", aging.aging_member, name="aging-member"),
    # events
    path("events/", events.event_list, name="events"),
    path("events/new/", events.event_new, name="event-new"),
    path("events/<int:pk>/", events.event_detail, name="event-detail"),
    path("events/<int:pk>/register/", events.event_register, name="event-register"),
    path("events/<int:pk>/fee-types/", events.event_fee_type, name="event-fee-type"),
    path("events/<int:pk>/registrations.csv", events.event_csv, name="event-csv"),
    # the QuickBooks Interface (each screen's module owns its URLs)
    path("qb/", qb_hub.hub, name="qb-hub"),
    path("qb/members/", include(qb_members.urlpatterns)),
    path("qb/gl/", include(qb_gl.urlpatterns)),
    path("qb/transactions/", include(qb_transactions.urlpatterns)),
    path("qb/insync/", include(qb_insync.urlpatterns)),
    path("qb/sync/", include(qb_sync.urlpatterns)),
]

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("o/<slug:org>/import/", include("memberbooks.imports.urls")),
    path("", include("memberbooks.connections.urls")),
    path("o/<slug:org>/", include(organisation_urls)),
]
