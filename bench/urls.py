"""The portal's URLs plus /bench/ceiling/<code>/: the same rows inserted without forms or templates."""

from django.urls import path

from satisfaction.urls import urlpatterns as portal

from .ceiling import ceiling

urlpatterns = [path("bench/ceiling/<str:code>/", ceiling), *portal]
