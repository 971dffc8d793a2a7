"""Score API under /api/v1/ (DESIGN.md, Public contract)."""

from django.urls import path

from . import api

urlpatterns = [
    path("scores/", api.ScoreList.as_view(), name="api-scores"),
    path("channels/", api.ChannelList.as_view(), name="api-channels"),
]
