"""The citizen journey's pages (namespace `surveys`): code entry, receipts, kiosks, open links."""

from django.urls import path

from . import views

app_name = "surveys"

urlpatterns = [
    path("code/", views.enter_code, name="enter_code"),
    path("r/<str:code>/", views.receipt_survey, name="receipt_survey"),
    path("r/<str:code>/thanks/", views.receipt_thanks, name="receipt_thanks"),
    path("r/<str:code>/qr.<str:fmt>", views.receipt_qr, name="receipt_qr"),
    path("k/<str:token>/", views.kiosk, name="kiosk"),
    path("k/<str:token>/answers/", views.kiosk_submit, name="kiosk_submit"),
    path("k/<str:token>/thanks/", views.kiosk_thanks, name="kiosk_thanks"),
    path("s/<slug:slug>/<str:unit_code>/", views.open_link, name="open_link"),
    path("s/<slug:slug>/<str:unit_code>/thanks/", views.open_link_thanks, name="open_link_thanks"),
]
