"""Vietnamese first: the page language is the one the visitor chose, else Vietnamese.

Django's LocaleMiddleware would follow the browser's Accept-Language, so a phone set to English
would open the survey in English. The portal is Vietnamese by default (DESIGN.md, Languages) and
offers English through its switch, which sets the language cookie that LocaleMiddleware honours.
"""


class VietnameseFirstMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
