"""Amounts in Chinese financial capitals (大写金额), as banks and 财政 documents write them.

Follows 中国人民银行《支付结算办法》附件一《正确填写票据和结算凭证的基本规定》:
- digits 零壹贰叁肆伍陆柒捌玖, units 拾佰仟 within a group of four, groups 万 / 亿 / 万亿;
- a tens digit of 1 is always written 壹拾 (the standard banking form: 10.00 → 壹拾元整, never "拾元整",
  so nothing can be written in front of it);
- zeros between significant digits become one 零 (1,001.01 → 壹仟零壹元零壹分); trailing zeros of the
  yuan part are not written;
- 整 after 元 when there are no 角/分, and no 整 after 角 (10.50 → 壹拾元伍角);
- when the 元 digit is 0 but 角 is not, the optional 零 is left out (100,000,000.50 → 壹亿元伍角); when 角
  is 0 and 分 is not, 零 is written (325.04 → 叁佰贰拾伍元零肆分);
- below one yuan, no 零元 in front (0.01 → 壹分); nothing at all → 零元整.
A pure function, no Django: the PDF notice and anything else that prints a 大写 amount use it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ("", "拾", "佰", "仟")  # within a group of four, least significant first
GROUPS = ("", "万", "亿", "万亿")  # groups of four, least significant first
FEN = Decimal("0.01")
# The rules engine's ceiling (policies.rules.MAX_AMOUNT): one trillion yuan, 壹万亿元整.
MAXIMUM = Decimal("1000000000000")


def rmb_capitals(amount: Decimal | int) -> str:
    """¥1,500,000.00 → 壹佰伍拾万元整. Half-up to the fen first; ValueError below zero, above one
    trillion yuan, or for something that is not a finite number."""
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        raise ValueError(f"not an amount: {amount!r}")
    value = Decimal(amount)
    if not value.is_finite():
        raise ValueError(f"not a finite amount: {amount!r}")
    value = value.quantize(FEN, rounding=ROUND_HALF_UP)
    if value < 0:
        raise ValueError(f"negative amount: {amount}")
    if value > MAXIMUM:
        raise ValueError(f"amount above {MAXIMUM}: {amount}")

    fen_total = int(value * 100)
    yuan_part, cents = divmod(fen_total, 100)
    jiao, fen = divmod(cents, 10)

    words = _yuan_words(yuan_part)
    if yuan_part:
        words += "元"
    if not cents:
        return (words or "零元") + "整"
    if jiao:
        words += DIGITS[jiao] + "角"
    elif yuan_part:
        words += "零"  # 元 then 分 with no 角 between: the 零 is required
    if fen:
        words += DIGITS[fen] + "分"
    return words


def _yuan_words(number: int) -> str:
    """The whole yuan, without 元: 1001 → 壹仟零壹, 10 → 壹拾, 0 → ''."""
    if number == 0:
        return ""
    groups: list[int] = []
    while number:
        number, group = divmod(number, 10000)
        groups.append(group)
    words = ""
    zero_pending = False
    for group_index in range(len(groups) - 1, -1, -1):
        group = groups[group_index]
        if group == 0:
            zero_pending = bool(words)
            continue
        for place in range(3, -1, -1):
            digit = group // 10**place % 10
            if digit == 0:
                zero_pending = zero_pending or bool(words)
                continue
            if zero_pending:
                words += DIGITS[0]
                zero_pending = False
            words += DIGITS[digit] + PLACES[place]
        words += GROUPS[group_index]
    return words
