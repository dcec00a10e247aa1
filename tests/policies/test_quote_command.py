"""`manage.py quote`, the contract of POLICY.md: one JSON object on stdout, or one line on stderr and
exit status 2. Through call_command for every case, and through a real process for a few, since a
script sees exit codes, encodings and tracebacks that call_command hides."""

import io
import json
import os
import subprocess
import sys
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from stdnum.cn import uscc

from accounts.models import Organization
from policies.models import RecordedAward

ROUND = "changning-ai-2024"
SHANGHAI = ZoneInfo("Asia/Shanghai")
KEYS = ["item", "round", "eligible", "amount", "steps", "reasons", "assumed"]


def make_uscc(body: str) -> str:
    return body + uscc.calc_check_digit(body)


CHANGNING_USCC = make_uscc("91310105MA1FL0ABC")  # 310105: 长宁区
PUDONG_USCC = make_uscc("91310115MA1HXY123")  # 310115: 浦东新区


@pytest.fixture
def today(policy_data):
    """2025-06-01 in Shanghai: inside the 2024 round, so a quote without --on is for a valid day."""
    with time_machine.travel(datetime(2025, 6, 1, 10, 0, tzinfo=SHANGHAI), tick=False):
        yield date(2025, 6, 1)


def quote(*args: str) -> dict:
    out, err = io.StringIO(), io.StringIO()
    call_command("quote", *args, stdout=out, stderr=err)
    assert err.getvalue() == ""
    assert out.getvalue().count("\n") == 1, "one JSON object on one line"
    payload = json.loads(out.getvalue())
    assert list(payload) == KEYS
    assert all(list(step) == ["rule", "amount"] for step in payload["steps"])
    return payload


def quote_error(*args: str) -> str:
    out = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("quote", *args, stdout=out, stderr=io.StringIO())
    assert exc.value.returncode == 2
    message = str(exc.value)
    assert message and "\n" not in message
    assert out.getvalue() == ""
    return message


# ------------------------------------------------------------------ the examples of POLICY.md


# POLICY.md: `quote 7.1 --fact self_raised_investment=2000000` → amount "600000.00".
HARD_CORE_RD_EXAMPLE = {
    "item": "7.1",
    "round": ROUND,
    "eligible": True,
    "amount": "600000.00",
    "steps": [
        {"rule": "项目自筹投入资金总额 2,000,000.00 元 × 30%", "amount": "600000.00"},
        {"rule": "单项最高不超过 3,000,000.00 元", "amount": "600000.00"},
        {"rule": "四舍五入到分", "amount": "600000.00"},
    ],
    "reasons": [],
    # 7(1) "给予企业……资助": the applicant type was not stated, so it is taken as met (the rulings).
    "assumed": ["申报单位为企业(第七条第一款“给予企业最高不超过300万元的资助”)"],
}


def test_hard_core_rd_example_prints_the_exact_contract(today):
    assert quote("7.1", "--fact", "self_raised_investment=2000000") == HARD_CORE_RD_EXAMPLE


def test_first_version_software_example_is_capped_at_two_million(today):
    assert quote("8.5", "--fact", "contract_amount=10000000") == {
        "item": "8.5",
        "round": ROUND,
        "eligible": True,
        "amount": "2000000.00",
        "steps": [
            {"rule": "首版次产品合同金额 10,000,000.00 元 × 30%", "amount": "3000000.00"},
            {"rule": "单项最高不超过 2,000,000.00 元", "amount": "2000000.00"},
            {"rule": "四舍五入到分", "amount": "2000000.00"},
        ],
        "reasons": [],
        "assumed": [],
    }


def test_cloud_example_pays_what_is_left_of_the_year(today):
    assert quote("9.1", "--fact", "service_cost=400000", "--fact", "prior_awards=350000") == {
        "item": "9.1",
        "round": ROUND,
        "eligible": True,
        "amount": "150000.00",
        "steps": [
            {"rule": "购买服务投入成本 400,000.00 元 × 50%", "amount": "200000.00"},
            {
                "rule": "本单位本年度累计不超过 500,000.00 元,已获 350,000.00 元,尚余 150,000.00 元",
                "amount": "150000.00",
            },
            {"rule": "四舍五入到分", "amount": "150000.00"},
        ],
        "reasons": [],
        "assumed": [],
    }


# ------------------------------------------------------------------ ineligible quotes


def test_open_scenario_in_the_fiscal_it_budget_is_ineligible_with_the_reason(today):
    assert quote("8.3", "--fact", "total_investment=2000000", "--fact", "in_fiscal_it_budget=true") == {
        "item": "8.3",
        "round": ROUND,
        "eligible": False,
        "amount": "0.00",
        "steps": [{"rule": "不符合申报条件,金额为 0", "amount": "0.00"}],
        "reasons": ["项目已纳入财政信息化建设预算,不属于支持范围(第八条第三款)"],
        "assumed": [],
    }


def test_rent_subsidy_with_one_vc_round_is_ineligible_with_the_reason(today):
    payload = quote(
        "6.1b", "--fact", "annual_rent=300000", "--fact", "vc_rounds=1", "--fact", "call_rate=0.5"
    )
    assert (payload["eligible"], payload["amount"]) == (False, "0.00")
    assert payload["reasons"] == ["须获得过知名风险投资机构两轮(含)以上投资"]


@pytest.mark.parametrize("on", ["2023-12-31", "2027-01-01"])
def test_a_day_outside_the_round_is_ineligible(today, on):
    payload = quote("7.1", "--fact", "self_raised_investment=2000000", "--on", on)
    assert (payload["round"], payload["eligible"], payload["amount"]) == (ROUND, False, "0.00")
    assert payload["reasons"] == [f"申报日期 {on} 不在政策有效期(2024-01-01 至 2026-12-31)内(第十条第五款)"]


def test_without_on_the_quote_is_for_today_in_shanghai(policy_data):
    # 2027-01-01 00:30 in Shanghai is still 2026-12-31 in UTC: the round has ended in Shanghai.
    with time_machine.travel(datetime(2027, 1, 1, 0, 30, tzinfo=SHANGHAI), tick=False):
        payload = quote("7.1", "--fact", "self_raised_investment=2000000")
    assert payload["eligible"] is False
    assert payload["reasons"][0].startswith("申报日期 2027-01-01 不在政策有效期")


def test_an_explicit_round_gives_the_same_quote(today):
    explicit = quote("7.1", "--fact", "self_raised_investment=20000000", "--round", ROUND)
    assert explicit == quote("7.1", "--fact", "self_raised_investment=20000000")
    assert (explicit["round"], explicit["amount"]) == (ROUND, "3000000.00")


# ------------------------------------------------------------------ bad input: one line, exit 2


SRI = "self_raised_investment"
SRI_1 = ["7.1", "--fact", f"{SRI}=1"]  # a valid 7.1 quote, to which each case adds one bad thing


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["99.9", "--fact", "x=1"], "未知项目:99.9", id="unknown-item"),
        pytest.param([*SRI_1, "--round", "no-such-round"], "未知政策版本:no-such-round", id="unknown-round"),
        pytest.param(
            [*SRI_1, "--round", "changning-ai-2021"],
            "政策版本 changning-ai-2021 中没有项目 7.1",
            id="item-not-in-round",
        ),
        pytest.param(["7.1", "--fact", f"{SRI}=abc"], "项目自筹投入资金总额:请输入数字", id="non-numeric"),
        pytest.param(["7.1", "--fact", f"{SRI}=NaN"], "项目自筹投入资金总额:请输入数字", id="nan"),
        pytest.param(["7.1", "--fact", f"{SRI}=-1"], "项目自筹投入资金总额:不能为负数", id="negative"),
        pytest.param(
            ["7.1", "--fact", f"{SRI}=1.005"],
            "项目自筹投入资金总额:金额最多保留两位小数(到分)",
            id="three-decimals",
        ),
        pytest.param(["7.1"], "请填写项目自筹投入资金总额", id="missing-fact"),
        pytest.param([*SRI_1, "--fact", "rent=1"], f"7.1 没有事实 rent;可用:{SRI}", id="unknown-fact"),
        pytest.param(["7.1", "--fact", SRI], f"--fact 应为 NAME=VALUE:{SRI}", id="fact-without-value"),
        pytest.param(
            ["7.1", "--fact", "=2000000"], "--fact 应为 NAME=VALUE:=2000000", id="fact-without-name"
        ),
        pytest.param([*SRI_1, "--fact", f"{SRI}=2"], f"事实 {SRI} 重复给出", id="fact-twice"),
        pytest.param([*SRI_1, "--on", "2025-02-30"], "--on 应为 YYYY-MM-DD:2025-02-30", id="impossible-date"),
        pytest.param([*SRI_1, "--on", "tomorrow"], "--on 应为 YYYY-MM-DD:tomorrow", id="not-a-date"),
        pytest.param([*SRI_1, "--year", "1999"], "--year 无效:1999", id="year-out-of-range"),
        pytest.param([*SRI_1, "--org", "123"], "统一社会信用代码无效:123", id="uscc-too-short"),
        pytest.param(
            [*SRI_1, "--org", CHANGNING_USCC[:-1] + "X"], "统一社会信用代码无效", id="uscc-bad-check"
        ),
        pytest.param(
            [*SRI_1, "--org", PUDONG_USCC], f"找不到统一社会信用代码为 {PUDONG_USCC} 的单位", id="unknown-org"
        ),
        pytest.param(
            ["6.1a", "--fact", "annual_rent=300000"],
            "6.1a 的补贴比例由年度申报指南确定,请提供 call_rate(如 0.5)",
            id="no-call-rate",
        ),
    ],
)
def test_bad_input_is_one_chinese_line_and_exit_status_two(today, args, message):
    assert message in quote_error(*args)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["7.1", "--year", "abc"], "invalid int value: 'abc'"),
        ([], "the following arguments are required: item"),
    ],
    ids=["year-not-a-number", "no-item"],
)
def test_argument_errors_are_one_line_and_exit_status_two(today, capsys, args, message):
    with pytest.raises(SystemExit) as exc:
        call_command("quote", *args, stdout=io.StringIO())
    assert exc.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and captured.err.startswith("quote: ")
    assert message in captured.err


# ------------------------------------------------------------------ --org: Art. 2 and 10(2) from the database


@pytest.fixture
def changning_org(db) -> Organization:
    return Organization.objects.create(
        uscc=CHANGNING_USCC, name="长宁智能科技有限公司", registered_in_changning=True
    )


def test_an_organisation_outside_changning_is_ineligible_under_article_two(today):
    Organization.objects.create(uscc=PUDONG_USCC, name="浦东智能科技有限公司", registered_in_changning=False)
    payload = quote("7.1", "--fact", "self_raised_investment=2000000", "--org", PUDONG_USCC)
    assert (payload["eligible"], payload["amount"]) == (False, "0.00")
    assert payload["reasons"] == ["单位未在长宁区依法设立(第二条)"]


def test_an_organisation_in_bad_standing_hears_every_article_two_reason(today, changning_org):
    changning_org.operating_status = Organization.OperatingStatus.REVOKED
    changning_org.credit_status = Organization.CreditStatus.SERIOUS_DISHONEST
    changning_org.save()
    payload = quote("7.1", "--fact", "self_raised_investment=2000000", "--org", CHANGNING_USCC)
    assert payload["reasons"] == [
        "单位经营状态不正常(第二条要求存续/在业)",
        "单位信用记录不良(列入严重失信名单,第二条)",
    ]


def test_an_award_recorded_for_the_same_matter_is_deducted(today, changning_org):
    RecordedAward.objects.create(
        organization=changning_org,
        matter="2024-RD-007",
        source_policy="长宁区促进产业高质量发展专项",
        amount_fen=10_000_000,
        awarded_on=date(2025, 3, 1),
    )
    payload = quote(
        "7.1", "--fact", "self_raised_investment=2000000", "--org", CHANGNING_USCC, "--matter", "2024-RD-007"
    )
    assert (payload["eligible"], payload["amount"]) == (True, "500000.00")
    assert payload["steps"][-2] == {
        "rule": "同一事项不重复享受(第十条第二款):本项应得 600,000.00 元,"
        "同一事项已获 100,000.00 元,至多补足 500,000.00 元",
        "amount": "500000.00",
    }


def test_an_award_for_another_matter_is_not_deducted(today, changning_org):
    RecordedAward.objects.create(
        organization=changning_org,
        matter="2023-RD-001",
        source_policy="长宁区促进产业高质量发展专项",
        amount_fen=10_000_000,
        awarded_on=date(2024, 3, 1),
    )
    for extra in (["--matter", "2024-RD-007"], []):
        payload = quote("7.1", "--fact", "self_raised_investment=2000000", "--org", CHANGNING_USCC, *extra)
        assert payload["amount"] == "600000.00"
        assert not any("同一事项" in step["rule"] for step in payload["steps"])


def test_with_an_organisation_awards_cannot_be_typed_in(today, changning_org):
    message = quote_error(
        "9.1", "--fact", "service_cost=400000", "--fact", "prior_awards=0", "--org", CHANGNING_USCC
    )
    assert message == "已获金额按单位从数据库读取,不能另行填写"


# ------------------------------------------------------------------ through a real process


@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    """Run manage.py in a child process against its own SQLite file, migrated and loaded once."""
    database = tmp_path_factory.mktemp("quote-cli") / "db.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "changning_ai.settings_test",
        "DATABASE_URL": f"sqlite:///{database}",
        "PYTHONIOENCODING": "utf-8",
    }

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=60,
        )

    for setup in (["migrate", "--no-input", "-v", "0"], ["loadpolicy"]):
        done = run(*setup)
        assert done.returncode == 0, done.stderr
    return run


def test_the_command_line_prints_the_contract_json(cli):
    done = cli(
        "quote", "7.1", "--fact", "self_raised_investment=2000000", "--round", ROUND, "--on", "2025-06-01"
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.count("\n") == 1
    payload = json.loads(done.stdout)
    assert list(payload) == KEYS
    assert payload == HARD_CORE_RD_EXAMPLE


def test_the_command_line_prints_chinese_reasons_unescaped(cli):
    done = cli(
        "quote", "8.3", "--fact", "total_investment=2000000", "--fact", "in_fiscal_it_budget=true",
        "--on", "2025-06-01",
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (0, "")
    assert "项目已纳入财政信息化建设预算" in done.stdout  # not \\u9879...
    payload = json.loads(done.stdout)
    assert (payload["eligible"], payload["amount"]) == (False, "0.00")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["quote", "99.9"], "未知项目:99.9"),
        (["quote", "7.1", "--fact", "self_raised_investment=-1", "--on", "2025-06-01"], "不能为负数"),
        (["quote", "7.1", "--year", "abc"], "invalid int value"),
    ],
    ids=["unknown-item", "negative-fact", "argument-error"],
)
def test_the_command_line_fails_with_one_line_and_exit_status_two(cli, args, message):
    done = cli(*args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1, done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr
