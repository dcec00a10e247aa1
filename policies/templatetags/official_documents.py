"""`{% signature_note %}`: beside every offer of an official PDF, whether it is signed and by whom."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from policies import signing

register = template.Library()


@register.simple_tag
def signature_note() -> str:
    name = signing.signer_name()
    if name:
        text = _("PDF 文件已由“%(name)s”数字签名,可在 PDF 阅读器中查看签名并验证文件未被改动。") % {
            "name": name
        }
    else:
        text = _("PDF 文件未经数字签名。")
    return format_html('<p class="hint signature-note">{}</p>', text)
