from django.urls import path

from . import views

app_name = "surveys"

urlpatterns = [
    path("code/", views.enter_code, name="enter_code"),
]
