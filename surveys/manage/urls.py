"""Manage pages of the citizen journey under /manage/ (namespace `manage`, see
satisfaction.manage_urls): printed receipts, kiosks and API tokens."""

from django.urls import path

from . import views

urlpatterns = [
    path("receipts/", views.receipts, name="receipts"),
    path("receipts/sheet/", views.receipt_sheet, name="receipt_sheet"),
    path("kiosks/", views.kiosks, name="kiosks"),
    path("kiosks/<int:pk>/", views.kiosk_detail, name="kiosk"),
    path("kiosks/<int:pk>/qr.<str:fmt>", views.kiosk_qr, name="kiosk_qr"),
    path("kiosks/<int:pk>/revoke/", views.kiosk_revoke, name="kiosk_revoke"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
