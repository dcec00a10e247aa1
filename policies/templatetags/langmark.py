"""Chinese data in an English page is marked as Chinese (issue 16, item 8; WCAG 3.1.2 language of parts).

`{{ organization.name|zh }}`: on a page in another language, text containing Chinese characters is wrapped in
`<span lang="zh-CN">`, so a screen reader reads 甲公司 with a Chinese voice instead of spelling it out. On a
Chinese page (the page's own lang is zh-CN) and for text without Chinese, the value is left as it is.
Element content only: never use it inside an attribute.
"""

import re

from django import template
from django.utils.html import format_html
from django.utils.translation import get_language

register = template.Library()

# CJK ideographs (unified, extension A, compatibility) and CJK punctuation / full-width forms.
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


@register.filter
def zh(value: object) -> object:
    if value is None or value == "":
        return value
    if (get_language() or "").lower().startswith("zh") or not _CJK.search(str(value)):
        return value
    return format_html('<span lang="zh-CN">{}</span>', value)
