from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


class ChineseFirstLocaleMiddleware:
    """简体中文 unless the visitor chose English with the language switch (the language cookie).

    Django's LocaleMiddleware follows the browser's Accept-Language, which would show an English
    page to anyone whose browser happens to be English; a district portal speaks Chinese first.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


class HardeningMiddleware:
    """Three answers every response gets, whatever view produced it (issue 14, 等保 / ASVS):

    - a NUL byte anywhere in the path or the query is refused with 400 before any view runs: PostgreSQL
      cannot store or compare it, and a lookup with one was a 500;
    - `Permissions-Policy` switches off the browser features the portal never uses;
    - a page served to a logged-in user (their applications, amounts, bank accounts) is `Cache-Control:
      private, no-store` unless the view chose its own caching: no shared cache or back button keeps it.
    """

    PERMISSIONS_POLICY = (
        "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
        "payment=(), usb=(), interest-cohort=()"
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            from django.http import HttpResponseBadRequest
            from django.template.loader import render_to_string

            return HttpResponseBadRequest(render_to_string("400.html", request=request))
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "private, no-store"
        return response
