from django.urls import path

from . import api

urlpatterns = [
    path("receipts/", api.ReceiptCreateView.as_view(), name="api-receipts"),
]
