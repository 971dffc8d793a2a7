from django.urls import path

from . import manage_views, views

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
    # Manager pages of this area; the /manage/ index and surveys belong to `authoring`.
    path("manage/receipts/", manage_views.receipts, name="manage_receipts"),
    path("manage/receipts/sheet/", manage_views.receipt_sheet, name="manage_receipt_sheet"),
    path("manage/kiosks/", manage_views.kiosks, name="manage_kiosks"),
    path("manage/kiosks/<int:pk>/", manage_views.kiosk_detail, name="manage_kiosk"),
    path("manage/kiosks/<int:pk>/qr.<str:fmt>", manage_views.kiosk_qr, name="manage_kiosk_qr"),
    path("manage/kiosks/<int:pk>/revoke/", manage_views.kiosk_revoke, name="manage_kiosk_revoke"),
    path("manage/tokens/", manage_views.tokens, name="manage_tokens"),
    path("manage/tokens/<int:pk>/revoke/", manage_views.token_revoke, name="manage_token_revoke"),
]
