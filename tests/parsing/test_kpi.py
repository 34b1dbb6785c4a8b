"""KPI / outcome lines of part Ⅲ of agency status reports: fragments of real text and full-report pins."""

from collections import defaultdict
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from orchestration.parsing import kpi
from orchestration.parsing.kpi import (
    COLUMNS,
    EXTRACTOR,
    counted_items,
    extract,
    match_kpi,
    parse_outcome_value,
    split_markers,
    unit_family,
)
from orchestration.parsing.reader import Report, read_report, split_tables
from orchestration.parsing.values import clean_prose_name

SEEDS = Path(__file__).resolve().parents[2] / "seeds" / "reports"
D = Decimal


def make_report(text: str, report_id: str = "fragment") -> Report:
    lines = text.split("\n")
    return Report(report_id=report_id, path="<fragment>", lines=lines, tables=split_tables(report_id, lines))


def by_line(rows: list[dict]) -> dict[str, dict]:
    return {r["row_id"]: r for r in rows}


# ---------------------------------------------------------------------------------------------------
# the (target) : actual pattern, every variant of docs/report-families.md 2.3
# ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, target, tunit, actual, aunit, status, rate, flag",
    [
        ("지역산업·기업 개방형 혁신 네트워크 강화 (14건) : 9건, 64%", "14", "건", "9", "건", None, "64", None),
        ("중앙-지자체 연계 충북산업·기업 정책 및 환경 변화 현안 대응 (8건) : 3건 38%", "8", "건", "3", "건", None, "38",
         "rate_without_comma"),
        ("역동적 혁신성장 단계별 대표기업 육성^{신규} [65건] : 79건, 122%", "65", "건", "79", "건", None, "122",
         "target_bracketed"),
        ("바이오헬스기업 사업화 경쟁력 강화 지원 12건 : 12건, 100%", "12", "건", "12", "건", None, "100", "target_bare"),
        ("부패 사전예방 우수 일상감사 견고화 및 청렴 자가진단 시행(1,905건 : 1,587건 83%)", "1,905", "건", "1,587", "건",
         None, "83", "glued_parentheses"),
        ("충북형 첨단전략산업 기회발전특구 지정추진^{신규} (1건) : 진행중", "1", "건", None, None, "진행중", None, None),
        ("지역 혁신자원 연계를 위한 충북 지역혁신네트워크 운영(4건) : 4건", "4", "건", "4", "건", None, None, None),
        ("충북 국가혁신클러스터 성과분석 및 평가 대응 (1건) : 진행중", "1", "건", None, None, "진행중", None, None),
        ("충청도 내/외 반도체산업 신성장을 위한 지원기업 확보^{신규} (100개사) : 88개사", "100", "개사", "88", "개사", None,
         None, None),
        ("ESG 경영위원회 개최로 현안 논의 숙성 및 해안 마련(2회) : 3회", "2", "회", "3", "회", None, None, None),
        ("수송기계분야 클러스터 및 협의체 유치 및 회원사 운영 (63건) : 36개사", "63", "건", "36", "개사", None, None, None),
        ("(경비 절감) 경비 절감 추진 (8% 절감) : 10.8%", "8", "%", "10.8", "%", None, None, None),
        ("주요내용 : 인사·회계·계약감사, 외부감사 지적사항, 자체 감사 지적사항, 주요추진사업 점검 등 (1건) : 1건", "1", "건",
         "1", "건", None, None, "extra_colon"),
        ("지역기업 상생을 위한 일자리 창출 연계 지원^{산규} (400명) : 467명, 117%", "400", "명", "467", "명", None, "117",
         None),
    ],
)
def test_match_kpi_variants(text, target, tunit, actual, aunit, status, rate, flag):
    m = match_kpi(text)
    assert m is not None
    assert (m.target, m.tunit, m.actual, m.aunit, m.status, m.rate) == (target, tunit, actual, aunit, status, rate)
    if flag:
        assert flag in m.flags


def test_match_kpi_cost_saving_note_and_status_only():
    assert match_kpi("(경비 절감) 경비 절감 추진 (8% 절감) : 10.8%").tnote == "절감"
    assert match_kpi("재무관리 시스템 운영관리 강화 (상시운영)") is None  # only for □ / bold lines
    m = match_kpi("재무관리 시스템 운영관리 강화 (상시운영)", allow_status_only=True)
    assert (m.name, m.status, m.target, "status_only" in m.flags) == ("재무관리 시스템 운영관리 강화", "상시운영", None, True)


@pytest.mark.parametrize(
    "text",
    [
        "감사범위 : 2021년 ~ 2023년",
        "(국토부/2020.11.20.) 충청권 광역교통망 자율주행 시범운행지구 선정",
        "(1~2차년도 연차구축 3건) 3차원 나노 단층 촬영 엑스선현미경(완료), 레이저 웨이퍼 절단기(진행중)",
        "대 상 : 전부서 임직원",
        "3) IOL(Intermittent Operational Life Tester) : 간헐적 동작시험장비",
        "복무감사 사후처리",
    ],
)
def test_descriptions_are_not_kpis(text):
    assert match_kpi(text) is None


# ---------------------------------------------------------------------------------------------------
# markers and names
# ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "label, name, markers",
    [
        ("(성장지향형 산업전략 추진^{공약16}) 대내외 환경변화에 따른 충북 경제활성화", "(성장지향형 산업전략 추진) 대내외 환경변화에 따른 충북 경제활성화", ["공약16"]),
        ("첨단반도체융합부품 기술지원 플랫폼 구축^{공약18·신규}", "첨단반도체융합부품 기술지원 플랫폼 구축", ["공약18·신규"]),
        ("(충청권 이차전지 양산성 검증 플랫폼 구축^{공약16신규}) 평가분석장비구축", "(충청권 이차전지 양산성 검증 플랫폼 구축) 평가분석장비구축", ["공약16신규"]),
        ("충북 국가혁신클러스터 육성사업계획 수립 및 성과분석^{산규}", "충북 국가혁신클러스터 육성사업계획 수립 및 성과분석", ["산규"]),
        ("「그린바이오 산업 육성전략,^{23.02.}」 발표", "「그린바이오 산업 육성전략,23.02.」 발표", []),
        ("지역장비 구축 데이터 최신화를 통한 지역장비정보(충북RACE¹⁾) 제공", "지역장비 구축 데이터 최신화를 통한 지역장비정보(충북RACE) 제공", ["fn1"]),
        ("(MV¹⁰) 및 응용제품 배터리 안정성 평가기반 구축", "(MV) 및 응용제품 배터리 안정성 평가기반 구축", ["fn10"]),
        ("(데이터 전처리 지원) 데이터 어노테이션¹⁷ 기술지원", "(데이터 전처리 지원) 데이터 어노테이션 기술지원", ["fn17"]),
        ("(첨단제조로봇 실증사업¹⁶⁾ 신규) 실증사업 발굴", "(첨단제조로봇 실증사업 신규) 실증사업 발굴", ["fn16"]),
        ("혁신성장을 이끌어 갈 수 있는 지역혁신 선도기업 육성", "혁신성장을 이끌어 갈 수 있는 지역혁신 선도기업 육성", []),
    ],
)
def test_split_markers(label, name, markers):
    assert split_markers(label) == (name, markers)


def test_split_markers_periods():
    assert split_markers("인공지능 관련 정부사업 공모 대응(하반기)", periods=True) == ("인공지능 관련 정부사업 공모 대응", ["하반기"])
    assert split_markers("3D모델링 및 3D프린팅 설계과정(5~6월)", periods=True) == ("3D모델링 및 3D프린팅 설계과정", ["5~6월"])
    assert split_markers("2020 전국 드론 사진·영상공모전 개최(3. 16~11. 5)", periods=True)[1] == ["3. 16~11. 5"]
    # a count in a name is not a period
    assert split_markers("충북 미디어크리에이터 운영(15명)", periods=True) == ("충북 미디어크리에이터 운영(15명)", [])
    # without periods=True, (하반기) stays in the name
    assert split_markers("SW 창의인재 공모전(하반기)")[0] == "SW 창의인재 공모전(하반기)"


def test_clean_prose_name():
    assert clean_prose_name("혁신성장을 이끌어 갈 수 있는 지역혁신") == "혁신성장을 이끌어 갈 수 있는 지역혁신"
    assert clean_prose_name("급 량 비 지원") == "급량비 지원"
    assert clean_prose_name("**R & D 지원**") == "R&D 지원"


def test_unit_family():
    assert unit_family("개사") == unit_family("건") == unit_family("회") == "count"
    assert unit_family("명") == "person" and unit_family("%") == "percent" and unit_family("편") == "편"


# ---------------------------------------------------------------------------------------------------
# outcome values (docs/report-families.md 3.3)
# ---------------------------------------------------------------------------------------------------
def measures(value):
    ms, periods = parse_outcome_value(value)
    return [(m.number, m.unit, m.status) for m in ms], periods


def test_outcome_values():
    assert measures("3건") == ([(D(3), "건", None)], [])
    assert measures("101명/1회") == ([(D(101), "명", None), (D(1), "회", None)], [])
    assert measures("30명/추진중") == ([(D(30), "명", None), (None, None, "추진중")], [])
    assert measures("추진중/1회") == ([(None, None, "추진중"), (D(1), "회", None)], [])
    assert measures("895,464명, 2,036건 콘텐츠 공유") == ([(D(895464), "명", None), (D(2036), "건", None)], [])
    assert measures("4~12월/14편 제작") == ([(D(14), "편", None)], ["4~12월"])
    assert measures("개최연기") == ([(None, None, "개최연기")], [])
    assert measures("수시") == ([(None, None, "수시")], [])
    assert measures("제품 홍보물 제작지원 대체") == ([(None, None, "제품 홍보물 제작지원 대체")], [])
    assert measures("1차(2. 26~3. 25) 2건, / 2차(4. 29~5. 19) 2건") == ([(D(2), "건", None), (D(2), "건", None)], [])
    ms, _ = parse_outcome_value("3건β명")
    assert [(m.number, m.unit) for m in ms] == [(D(3), "건"), (None, "명")]
    assert "garbled_separator" in ms[1].flags and "number_missing" in ms[1].flags
    assert ms[0].printed == "3건"


def test_counted_items():
    items = counted_items("시제품 제작(2개사), 제품개선(2개사), 충북전통문화(1개사) 선정")
    assert [(n, m.number, m.unit) for n, m in items] == [
        ("시제품 제작", D(2), "개사"), ("제품개선", D(2), "개사"), ("충북전통문화 선정", D(1), "개사")]
    assert counted_items("대학생, 직장인, 예비창업자 등 대상 교육 과정 운영(60명 정도)") == []
    assert counted_items("수어방송 콘텐츠 제작(1~6월, 매주 1~2편)") == []


# ---------------------------------------------------------------------------------------------------
# fragment: task-header layout (충북테크노파크)
# ---------------------------------------------------------------------------------------------------
TP_TOC = """\
2024년도 주요업무 추진상황

||| 목 차 |||

I. 일반현황\t1
II. 2024년도 비전과 추진전략\t11
III. 전략목표별 추진계획\t12
1. 정책기획단\t12
7. 수송기계부품센터\t35
9. 경영지원본부\t42
IV. 주요 현안사업\t53
"""

TP_PART3 = """
Ⅲ. 전략목표별 추진계획

정책기획단 - 1

추진여건

- 지역 간의 산업 격차, 대표기업 부족 (2건) : 1건 등 대응 필요

이행과제

- ① 대내외 산업환경 변화에 대응하는 성장지향형 산업육성 기획 수립

1 이행과제 1-1

1. 대내외 산업환경 변화에 대응하는 성장지향형 산업육성 기획 수립

- **충북 지역산업진흥계획 수립 및 성과분석 (2건) : 1건, 50%**
 - (중소기업 지속 성장 지원) 2025년 충북 지역산업진흥계획 수립 (1건) : 진행중
 - 개편된 주력산업을 중심으로, 지역산업·기업 경쟁력 제고 및 지역 혁신체계 강화를 위한 전략 수립
 - 2023년 충북 지역산업진흥 성과분석 및 평가 대응 (1건) : 1건

① 이행과제 7-1

1. 미래 모빌리티 산업육성을 위한 플랫폼 구축 및 경쟁력 제고

- **미래모빌리티 혁신성장플랫폼 구축 추진 (4건) : 5건, 125%**
 - 미래 모빌리티 분야 신산업육성 및 혁신거점화 기획 (2건) : 2건
 - 오송-세종 자율주행 실증체계 구축 및 상용화 서비스 운영 (1건) : 1건
- (국토부/2020.11.20.) 충청권 광역교통망 자율주행 시범운행지구 선정
 - 수송기계부품산업 제조엔지니어링 지원인프라 장비활용 촉진 (1건) : 2건

- **협력네트워크 기반의 성과확산 활성화 (80건) : 55건, 69%**
 - 수송기계분야 클러스터 및 협의체 유치 및 회원사 운영 (63건) : 36개사

2 이행과제 9-2

2. 재무 효율성 증대 및 투명성 제고

□ 재무관리 시스템 운영관리 강화 (상시운영)

- (시스템 최적화) 통합연구비 관리 최적화 운영
 - RCMS¹⁸⁾, e-나라도움 등 통합연구비 관리시스템 운영관리

□ 계약업무 개선을 통한 업무 효율성 증대 (4건) : 3건, 75%

- (업무 효율 증대) 계약업무 개선 (4건) : 3건
 - 전자계약 등 계약 프로세스 재정립을 통한 업무효율 강화
- (경비 절감) 경비 절감 추진 (8% 절감) : 10.8%

18) RCMS(Real-Time Cash Management System) : 연구비 통합관리시스템

3 이행과제 9-3

3. 플레인 스타일 과제

- 이차전지 안전성 평가 플랫폼 장비 구축 (8건) : 3건, 38%
 - (MV¹⁰) 및 응용제품 배터리 안정성 평가기반 구축 안정성 평가기반 장비구축 (2건) : 1건
 - 사용환경모사 안전신뢰성시험 시스템(조달계약), MV배터리구동시험시스템(입고)
- 수소경제 활성화를 위한 표준화 실증 기반 구축 (1건) : 진행중
 - (실증기반구축^{공약16신규}) 탄소포집형 수소생산기지구축 (1건) : 진행중

혁신경영 실현을 위한 운영 시스템 고도화

추진여건

- 탄소중립 등 에너지 절감을 위한 인프라 운영 효율성 제고 (3건) : 2건

IV. 주요 현안사업

1. 사업명"""


@pytest.fixture(scope="module")
def tp_rows():
    return extract(make_report(TP_TOC + TP_PART3))


def test_tp_fragment_rows(tp_rows):
    rows = {r["line_text"].strip(" -*□"): r for r in tp_rows}
    assert len(tp_rows) == 17
    # lines of 추진여건 (outside tasks) are not KPIs
    assert not any("대표기업 부족" in r["line_text"] or "인프라 운영 효율성" in r["line_text"] for r in tp_rows)
    parent = next(r for r in tp_rows if r["name"] == "충북 지역산업진흥계획 수립 및 성과분석")
    assert (parent["level"], parent["line_style"], parent["task_code"], parent["org_unit"], parent["org_unit_no"]) == (
        1, "bold", "1-1", "정책기획단", 1)
    assert (parent["target"], parent["actual"], parent["rate_reported"], parent["kpi_key"]) == (D(2), D(1), D(50), "1-1:1")
    children = [r for r in tp_rows if r["parent_row_id"] == parent["row_id"]]
    assert [(c["status"], c["actual"], c["kpi_key"], c["adds_to_parent"]) for c in children] == [
        ("진행중", None, "1-1:1.1", True), (None, D(1), "1-1:1.2", True)]
    assert rows  # keyed for debugging


def test_tp_fragment_irregular_indentation(tp_rows):
    """A column-0 description between children does not end the bold parent's children."""
    parent = next(r for r in tp_rows if r["name"] == "미래모빌리티 혁신성장플랫폼 구축 추진")
    children = [r for r in tp_rows if r["parent_row_id"] == parent["row_id"]]
    assert [c["target"] for c in children] == [D(2), D(1), D(1)]
    assert sum(c["actual"] for c in children) == parent["actual"] == D(5)
    assert parent["org_unit"] == "수송기계부품센터" and parent["task_code"] == "7-1"
    unit_change = next(r for r in tp_rows if r["name"].startswith("수송기계분야 클러스터"))
    assert (unit_change["target_unit"], unit_change["actual_unit"], unit_change["adds_to_parent"]) == ("건", "개사", True)
    assert "unit_changed" in unit_change["flags"]


def test_tp_fragment_box_status_and_percentage(tp_rows):
    status_only = next(r for r in tp_rows if r["name"] == "재무관리 시스템 운영관리 강화")
    assert (status_only["level"], status_only["line_style"], status_only["status"], status_only["target"]) == (
        1, "box", "상시운영", None)
    assert not any(r["parent_row_id"] == status_only["row_id"] for r in tp_rows)  # its lines are descriptions
    pct = next(r for r in tp_rows if r["name"] == "(경비 절감) 경비 절감 추진")
    assert (pct["is_percentage_kpi"], pct["adds_to_parent"], pct["target"], pct["actual"], pct["target_note"]) == (
        True, False, D(8), D("10.8"), "절감")
    box = next(r for r in tp_rows if r["name"] == "계약업무 개선을 통한 업무 효율성 증대")
    assert pct["parent_row_id"] == box["row_id"] and box["line_style"] == "box"


def test_tp_fragment_plain_style(tp_rows):
    plain = [r for r in tp_rows if r["task_code"] == "9-3"]
    assert [(r["level"], r["line_style"]) for r in plain] == [(1, "plain"), (2, "dash"), (1, "plain"), (2, "dash")]
    assert plain[1]["parent_row_id"] == plain[0]["row_id"] and plain[3]["parent_row_id"] == plain[2]["row_id"]
    assert plain[1]["name"].startswith("(MV) 및 응용제품") and plain[1]["markers"] == "fn10"
    assert plain[2]["status"] == "진행중" and plain[2]["rate_reported"] is None  # plain parent without rate
    assert plain[3]["markers"] == "공약16신규"


# ---------------------------------------------------------------------------------------------------
# fragment: goal-heading layout (충북과학기술혁신원)
# ---------------------------------------------------------------------------------------------------
STI = """\
# 목 차

I . 일반현황\t1
III . 전략목표별 추진상황\t6
1. ICT융합 혁신성장 플랫폼 구축\t6
2. 뉴 콘텐츠 산업 혁신 주도 성장 견인\t11
IV . 주요 현안사업\t24

### Ⅲ. 전략목표별 추진상황

## ICT융합 혁신성장 플랫폼 구축

### 여 건

- 4차 산업혁명 가속화에 따른 핵심기술 기반 확보 : 3건

### 이 행 과 제

- 1 4차 산업혁명 대응 혁신성장 기반구축

## 1 4차 산업혁명 대응 혁신성장 기반구축

---

### □ 드론 전문인력 양성 지원 : 101명/1회

- 드론산업 생태계 조성을 위한 자격증 취득자 교육비 지원 : 101명
- 드론교육 활성화를 위한 네트워크 구축 : 1회

### □ 창업 활성화를 위한 메이커 문화 확산 : 30명/추진중

- 사물인터넷, 스마트팩토리 등 창업 연계 제품화 과정(하반기) : 추진중
  - 대학생, 직장인, 예비창업자 등 대상 교육 과정 운영(60명 정도)
- 3D모델링 및 3D프린팅 설계과정(5~6월) : 30명

#### **□ SW융합제품 및 서비스 상용화 지원 : 3건β명**

##### ○ SW, ICT융합제품 서비스 상용화(사업화) 지원 : 3건

##### ○ SW융합 관련 일자리 창출을 통한 신규 인력 채용 : 3명

## 뉴 콘텐츠 산업 혁신 주도 성장 견인

### 여 건

- 뉴 콘텐츠 시장 진입

### 이 행 과 제

- 1** 지속적인 혁신 콘텐츠 거점 육성

## **1** 지역혁신성장 선도 R&D기획 생태계 구축

---

### **□** 실효적 성과창출을 위한 R&D 과제 발굴·기획 : 4건

○ 새로운 기술 바탕으로 미래 먹거리산업 과제 발굴 : 추진중

- 연구기획과제 공고 : 1차(3. 19~4. 16), 2차(5. 19~6. 4)

○ 수요맞춤형 지역혁신성장 산업육성 과제기획 : 4건

- 연구과제 제안 공모 : 1차(2. 26~3. 25) 2건, / 2차(4. 29~5. 19) 2건

- 중간점검 : 하반기(9월) / 최종보고회 등 : 하반기(11월)

### □ 충북 산·학·연 협력 R&D과제 수용도 제고 지원 : 추진중

○ 중앙정부 평가대상 지방비 보조 R&D과제의 완성도를 높여

성과도출 극대화(하반기) : 추진중

### **3** 충북 VR·AR 산업 新 생태계 조성 및 활성화 지원

### 중소·벤처기업 국내·외 판로지원 : 22개사

#### ○ 제품 홍보물, 광고 제작지원 : 22개사

- 유기농 화장품기업 대상 홍보물 및 광고 동영상 제작지원(5개사)
- 중소·벤처기업 대상 홍보물 및 광고 제작지원(17개사)

#### ○ 국내·외 전시박람회 참가지원 : 제품 홍보물 제작지원 대체

※ 사유 : 코로나19에 따른 말레이시아 의료미용 박람회 일정 연기

### □ 제10회 중국인 유학생 페스티벌 개최 : 개최연기

#### ○ 주요 추진상황

- 페스티벌 정상추진 확정 및 입찰 등 계획수립 : '20. 5.

## IV. 주요 현안사업

현안사업 1 : 사업명 : 10건"""


@pytest.fixture(scope="module")
def sti_rows():
    return extract(make_report(STI))


def test_sti_fragment_hierarchy(sti_rows):
    rows = by_line(sti_rows)
    ids = [r["row_id"] for r in sti_rows]
    # 여건 lines, schedules, two-colon lines, ※ 사유 and part IV are not outcomes
    texts = " ".join(r["line_text"] for r in sti_rows)
    for excluded in ("핵심기술 기반 확보", "연구기획과제 공고", "중간점검", "사유", "'20. 5.", "현안사업"):
        assert excluded not in texts
    drone = [r for r in sti_rows if r["name"] == "드론 전문인력 양성 지원"]
    assert [(r["measure_seq"], r["actual"], r["actual_unit"]) for r in drone] == [(1, D(101), "명"), (2, D(1), "회")]
    assert drone[0]["row_id"].endswith("#1") and drone[1]["row_id"].endswith("#2")
    assert (drone[0]["goal_no"], drone[0]["goal_name"], drone[0]["task_code"]) == (1, "ICT융합 혁신성장 플랫폼 구축", "1-1")
    kids = [r for r in sti_rows if r["parent_row_id"] in (drone[0]["row_id"], drone[1]["row_id"])]
    assert [(k["parent_row_id"], k["actual_unit"], k["adds_to_parent"]) for k in kids] == [
        (drone[0]["row_id"], "명", True), (drone[1]["row_id"], "회", True)]
    maker = [r for r in sti_rows if r["parent_row_id"] and r["parent_row_id"].startswith(
        next(r["row_id"] for r in sti_rows if r["name"] == "창업 활성화를 위한 메이커 문화 확산")[:4])]
    assert [(m["name"], m["markers"], m["status"], m["actual"]) for m in maker] == [
        ("사물인터넷, 스마트팩토리 등 창업 연계 제품화 과정", "하반기", "추진중", None),
        ("3D모델링 및 3D프린팅 설계과정", "5~6월", None, D(30))]
    assert len(ids) == len(set(ids)) == len(rows)


def test_sti_fragment_circles_details_and_wraps(sti_rows):
    garbled = [r for r in sti_rows if r["name"] == "SW융합제품 및 서비스 상용화 지원"]
    assert [(g["actual"], g["actual_unit"]) for g in garbled] == [(D(3), "건"), (None, "명")]
    hire = next(r for r in sti_rows if r["name"].startswith("SW융합 관련 일자리"))
    assert (hire["line_style"], hire["parent_row_id"], hire["adds_to_parent"]) == ("circle", garbled[1]["row_id"], False)
    # goal 2 (matched to the TOC by name), task 1 from '## **1** …'
    plan = next(r for r in sti_rows if r["name"] == "수요맞춤형 지역혁신성장 산업육성 과제기획")
    assert (plan["task_code"], plan["level"], plan["line_style"], plan["actual"]) == ("2-1", 2, "circle", D(4))
    details = [r for r in sti_rows if r["parent_row_id"] == plan["row_id"]]
    assert [(d["level"], d["actual"], d["actual_printed"]) for d in details] == [
        (3, D(2), "1차(2. 26~3. 25) 2건"), (3, D(2), "2차(4. 29~5. 19) 2건")]
    wrapped = next(r for r in sti_rows if r["flags"] and "wrapped" in r["flags"])
    assert wrapped["name"] == "중앙정부 평가대상 지방비 보조 R&D과제의 완성도를 높여 성과도출 극대화"
    assert (wrapped["markers"], wrapped["status"]) == ("하반기", "추진중")


def test_sti_fragment_heading_parent_and_paren_counts(sti_rows):
    parent = next(r for r in sti_rows if r["name"] == "중소·벤처기업 국내·외 판로지원")
    assert (parent["line_style"], parent["task_code"], parent["actual"], parent["actual_unit"]) == ("heading", "2-3", D(22), "개사")
    child = next(r for r in sti_rows if r["name"] == "제품 홍보물, 광고 제작지원")
    details = [r for r in sti_rows if r["parent_row_id"] == child["row_id"]]
    assert [(d["name"], d["actual"]) for d in details] == [
        ("유기농 화장품기업 대상 홍보물 및 광고 동영상 제작지원", D(5)), ("중소·벤처기업 대상 홍보물 및 광고 제작지원", D(17))]
    sentence = next(r for r in sti_rows if r["name"] == "국내·외 전시박람회 참가지원")
    assert (sentence["status"], sentence["actual"], sentence["adds_to_parent"]) == ("제품 홍보물 제작지원 대체", None, False)
    postponed = next(r for r in sti_rows if r["name"] == "제10회 중국인 유학생 페스티벌 개최")
    assert postponed["status"] == "개최연기"
    assert not any(r["parent_row_id"] == postponed["row_id"] for r in sti_rows)


def test_no_part_three_no_rows():
    assert extract(make_report("I. 일반현황\n\n- 항목 (2건) : 1건, 50%")) == []


def test_extractor_contract():
    assert EXTRACTOR.table == "kpi_lines" and EXTRACTOR.key == ("report_id", "row_id")
    assert EXTRACTOR.columns == COLUMNS and list(COLUMNS)[0] == "report_id"
    assert kpi.extract is EXTRACTOR.extract


# ---------------------------------------------------------------------------------------------------
# pins on the bundled reports
# ---------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tp():
    return by_line(extract(read_report("chungbuk-tp-2024-q3", SEEDS / "chungbuk-tp-2024-q3.txt")))


@pytest.fixture(scope="module")
def sti():
    return by_line(extract(read_report("chungbuk-sti-2020-h1", SEEDS / "chungbuk-sti-2020-h1.txt")))


def test_row_counts(tp, sti):
    levels = lambda rows: sorted((lvl, sum(1 for r in rows.values() if r["level"] == lvl)) for lvl in (1, 2, 3))  # noqa: E731
    assert len(tp) == 289 and levels(tp) == [(1, 92), (2, 197), (3, 0)]
    assert len(sti) == 148 and levels(sti) == [(1, 49), (2, 85), (3, 14)]
    assert len({r["task_code"] for r in tp.values()}) == 30
    assert len({r["task_code"] for r in sti.values()}) == 14  # '4대 전략목표 14개 이행과제'
    assert extract(read_report("gangwon-2025-plan", SEEDS / "gangwon-2025-plan.txt")) == []


@pytest.mark.parametrize(
    "row_id, parent, level, style, task, org_unit, target, tunit, actual, aunit, rate, status, flags",
    [
        ("L436", None, 1, "bold", "2-1", "기업지원단", D(32), "건", D(33), "건", D(103), None, None),
        ("L437", "L436", 2, "dash", "2-1", "기업지원단", D(4), "건", D(5), "건", None, None, None),
        ("L485", None, 1, "bold", "2-3", "기업지원단", D(65), "건", D(79), "건", D(122), None, "target_bracketed"),
        ("L813", None, 1, "bold", "6-1", "한방천연물센터", D(12), "건", D(12), "건", D(100), None, "target_bare"),
        ("L597", "L595", 2, "dash", "3-3", "반도체·IT센터", D(100), "개사", D(88), "개사", None, None,
         "unit_differs_from_parent"),
        ("L639", None, 1, "plain", "4-1", "차세대에너지센터", D(8), "건", D(3), "건", D(38), None, None),
        ("L911", "L907", 2, "dash", "7-1", "수송기계부품센터", D(1), "건", D(2), "건", None, None, None),
        ("L919", "L918", 2, "dash", "7-1", "수송기계부품센터", D(63), "건", D(36), "개사", None, None, "unit_changed"),
        ("L1100", None, 1, "box", "9-2", "경영지원본부", None, None, None, None, None, "상시운영", "status_only"),
        ("L1118", "L1114", 2, "dash", "9-2", "경영지원본부", D(8), "%", D("10.8"), "%", None, None,
         "target_note,unit_differs_from_parent"),
        ("L1275", "L1273", 2, "dash", "11-1", "감사실", D(1), "건", D(1), "건", None, None, "extra_colon"),
        ("L1278", None, 1, "box", "11-1", "감사실", D(1905), "건", D(1587), "건", D(83), None, "glued_parentheses"),
        ("L1318", "L1315", 2, "dash", "11-2", "감사실", D(2), "회", D(3), "회", None, None, "unit_differs_from_parent"),
        ("L407", None, 1, "bold", "1-3", "정책기획단", D(1), "건", None, None, None, "진행중", None),
    ],
)
def test_tp_pins(tp, row_id, parent, level, style, task, org_unit, target, tunit, actual, aunit, rate, status, flags):
    r = tp[row_id]
    assert (r["parent_row_id"], r["level"], r["line_style"], r["task_code"], r["org_unit"]) == (
        parent, level, style, task, org_unit)
    assert (r["target"], r["target_unit"], r["actual"], r["actual_unit"], r["rate_reported"], r["status"]) == (
        target, tunit, actual, aunit, rate, status)
    assert r["flags"] == flags
    assert r["source_line"] == int(row_id[1:])


def test_tp_names_and_markers(tp):
    assert (tp["L640"]["name"], tp["L640"]["markers"]) == ("(MV) 및 응용제품 배터리 안정성 평가기반 구축 안정성 평가기반 장비구축", "fn10")
    assert (tp["L530"]["name"], tp["L530"]["markers"]) == ("첨단반도체융합부품 기술지원 플랫폼 구축", "공약18·신규")
    assert tp["L360"]["name"].startswith("(성장지향형 산업전략 추진) ") and tp["L360"]["markers"] == "공약16"
    assert tp["L490"]["name"] == "혁신성장을 이끌어 갈 수 있는 지역혁신 선도기업 육성"
    assert tp["L1318"]["kpi_key"] == "11-2:3.2" and tp["L1315"]["kpi_key"] == "11-2:3"
    # descriptions are not rows, wherever they are indented
    for line in (355, 910, 1102, 1276, 1290, 1294):
        assert f"L{line}" not in tp


def test_tp_reconciles(tp):
    """docs/report-families.md 6.1: parent target / actual = Σ additive children (진행중 = 0); rate half-up or floor."""
    kids = defaultdict(list)
    for r in tp.values():
        if r["parent_row_id"] and r["adds_to_parent"]:
            kids[r["parent_row_id"]].append(r)
    checked = 0
    for parent_id, children in kids.items():
        parent = tp[parent_id]
        assert parent["target"] == sum(c["target"] for c in children), parent_id
        assert (parent["actual"] or 0) == sum(c["actual"] or 0 for c in children), parent_id
        checked += 1
    assert checked == 91
    floors = []
    for r in tp.values():
        if r["rate_reported"] is None:
            continue
        exact = r["actual"] * 100 / r["target"]
        half_up = exact.quantize(D(1), rounding=ROUND_HALF_UP)
        floor = exact.quantize(D(1), rounding=ROUND_FLOOR)
        assert r["rate_reported"] in (half_up, floor), r["row_id"]
        if r["rate_reported"] != half_up:
            floors.append(r["row_id"])
    assert floors == ["L647"]  # (3건) : 2건, 66% — truncated, accepted by docs/report-families.md 6.4


@pytest.mark.parametrize(
    "row_id, parent, level, style, task, actual, unit, status, adds",
    [
        ("L167#1", None, 1, "box", "1-1", D(101), "명", None, False),
        ("L167#2", None, 1, "box", "1-1", D(1), "회", None, False),
        ("L169", "L167#1", 2, "dash", "1-1", D(101), "명", None, True),
        ("L170", "L167#2", 2, "dash", "1-1", D(1), "회", None, True),
        ("L241#2", None, 1, "box", "1-3", None, "명", None, False),
        ("L249", "L241#2", 2, "circle", "1-3", D(3), "명", None, False),
        ("L366#1", "L361", 2, "dash", "2-3", D(895464), "명", None, False),
        ("L382", "L375", 2, "dash", "2-3", D(14), "편", None, False),
        ("L421#2", "L419", 3, "detail", "3-1", D(2), "건", None, True),
        ("L441", "L439", 2, "circle", "3-1", None, None, "추진중", False),
        ("L453", "L449", 2, "dash", "3-2", None, None, "수시", False),
        ("L490", "L488", 3, "detail", "3-3", D(2), "건", None, True),
        ("L531#3", "L530", 3, "detail", "4-1", D(1), "개사", None, True),
        ("L548", None, 1, "heading", "4-2", D(8), "건", None, False),
        ("L632#2", None, 1, "box", "4-4", D(1), "회", None, False),
        ("L639", "L632#2", 2, "dash", "4-4", D(1), "회", None, True),
    ],
)
def test_sti_pins(sti, row_id, parent, level, style, task, actual, unit, status, adds):
    r = sti[row_id]
    assert (r["parent_row_id"], r["level"], r["line_style"], r["task_code"]) == (parent, level, style, task)
    assert (r["actual"], r["actual_unit"], r["status"], r["adds_to_parent"]) == (actual, unit, status, adds)
    assert r["target"] is None and r["target_flag"] == "blank"


def test_sti_goals_and_exclusions(sti):
    goals = {r["goal_no"]: r["goal_name"] for r in sti.values()}
    assert goals == {1: "ICT융합 혁신성장 플랫폼 구축", 2: "뉴 콘텐츠 산업 혁신 주도 성장 견인",
                     3: "과학기술을 통한 지역혁신성장동력 확보", 4: "중소벤처기업의 든든한 성장발판 마련"}
    lines = {r["source_line"] for r in sti.values()}
    for excluded in (194, 346, 413, 417, 423, 443, 564, 593):  # 접수, schedules, two colons, wrap tail, ※ 사유
        assert excluded not in lines
    assert sti["L382"]["markers"] == "4~12월" and sti["L377"]["markers"] == "3. 16~11. 5"


def test_sti_reconciles(sti):
    """docs/report-families.md 6.2: a parent's quantity per unit = Σ its children's quantities in that unit; details ↔ child."""
    sums = defaultdict(Decimal)
    for r in sti.values():
        if r["adds_to_parent"]:
            sums[r["parent_row_id"]] += r["actual"]
    assert len(sums) == 35
    for parent_id, total in sums.items():
        assert sti[parent_id]["actual"] == total, parent_id


def test_child_before_any_parent_is_flagged():
    text = TP_TOC + """
Ⅲ. 전략목표별 추진계획

1 이행과제 1-1

1. 과제

 - 지역산업 육성을 위한 협의체, 지역연구회 등 운영 (14건) : 9건
- **지역산업·기업 개방형 혁신 네트워크 강화 (14건) : 9건, 64%**
 - 지역산업 육성을 위한 협의체, 지역연구회 등 운영 (14건) : 9건

IV. 주요 현안사업"""
    rows = extract(make_report(text))
    assert [(r["level"], r["parent_row_id"] is None, r["kpi_key"], r["flags"]) for r in rows] == [
        (2, True, "1-1:0.1", "no_parent"), (1, True, "1-1:1", None), (2, False, "1-1:1.1", None)]
