"""Masking of personal data (dashboard/privacy.py): each field's rule, odd and missing values, and
that no original value survives in what a masked frame returns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard import privacy


def masked(function, *values) -> list:
    return function(pd.Series(list(values), dtype=object)).tolist()


@pytest.mark.parametrize("name, expected", [
    ("张三", "张*"), ("欧阳娜娜", "欧***"), ("王小明", "王**"), ("李", "*"),
    ("买买提·艾力", "买*****"), (" 赵六 ", "赵*"),
])
def test_names_keep_the_first_character_and_mask_every_other(name, expected):
    assert masked(privacy.mask_name, name) == [expected]


@pytest.mark.parametrize("certno, expected", [
    ("110101199003071234", "110***********1234"),
    ("34150319390531723X", "341***********723X"),
    ("110101900307123", "110********7123"),
    ("E12345678", "*********"),
])
def test_id_numbers_keep_the_first_three_and_last_four_of_15_and_18_characters(certno, expected):
    assert masked(privacy.mask_certno, certno) == [expected]


@pytest.mark.parametrize("tel, expected", [
    ("13812345678", "138****5678"), ("0564-3331234", "056*****1234"), ("3331234", "*******"),
])
def test_phones_keep_the_first_three_and_last_four_digits_of_full_numbers(tel, expected):
    assert masked(privacy.mask_phone, tel) == [expected]


@pytest.mark.parametrize("addr, expected", [
    ("安徽省六安市裕安区韩摆渡镇银山村14组", "安徽省六安市裕安区****"),
    ("北京市朝阳区建国路1号", "北京市朝阳区****"),
    ("江苏省苏州市昆山市玉山镇", "江苏省苏州市昆山市****"),
    ("四川省阿坝藏族羌族自治州若尔盖县达扎寺镇", "四川省阿坝藏族羌族自治州若尔盖县****"),
    ("内蒙古自治区呼和浩特市新城区新华大街", "内蒙古自治区呼和浩特市新城区****"),
    ("安徽省六安市幸福小区3栋", "安徽省六安市****"),
    ("鼓楼街道人民路99号", "****"),
])
def test_addresses_keep_the_county_and_mask_the_rest(addr, expected):
    assert masked(privacy.mask_address, addr) == [expected]


@pytest.mark.parametrize("function", [privacy.mask_name, privacy.mask_certno, privacy.mask_phone,
                                      privacy.mask_address])
def test_missing_and_blank_values_stay_missing(function):
    assert masked(function, None, np.nan, pd.NA, "", "  ") == [None] * 5


def test_numbers_read_as_numbers_are_masked_as_text():
    assert masked(privacy.mask_phone, 13812345678) == ["138****5678"]
    assert masked(privacy.mask_certno, 110101900307123) == ["110********7123"]


def test_mask_personal_columns_masks_every_personal_column_and_leaves_the_rest():
    frame = pd.DataFrame({
        "psn_no": ["3415030000000026", "3415030000000028"],
        "psn_name": ["李浩心", "石志"],
        "certno": ["341503195612148830", "341503197203131893"],
        "tel": [None, "15561531780"],
        "addr": ["安徽省六安市裕安区韩摆渡镇银山村14组", "安徽省六安市裕安区鼓楼街道人民路99号"],
        "suspect_amt": [12.5, 30.0],
    })
    out = privacy.mask_personal_columns(frame)
    assert out["psn_name"].tolist() == ["李**", "石*"]
    assert out["certno"].tolist() == ["341***********8830", "341***********1893"]
    assert out["tel"].tolist() == [None, "155****1780"]
    assert out["addr"].tolist() == ["安徽省六安市裕安区****"] * 2
    assert out[["psn_no", "suspect_amt"]].equals(frame[["psn_no", "suspect_amt"]])
    assert frame["psn_name"].tolist() == ["李浩心", "石志"], "the input frame must not change"


def test_no_unmasked_value_survives_masking():
    rng = np.random.default_rng(3)
    names = ["".join(rng.choice(list("王李张刘陈杨欧阳司马娜伟芳"), size=k)) for k in rng.integers(2, 6, 200)]
    certnos = ["".join(map(str, rng.integers(0, 10, size=k))) for k in rng.choice([15, 18], 200)]
    tels = ["1" + "".join(map(str, rng.integers(0, 10, size=10))) for _ in range(200)]
    addrs = [f"安徽省六安市裕安区{t}镇{v}村{i}组" for i, (t, v) in
             enumerate(zip(rng.choice(list("苏韩新顺独"), 200), rng.choice(list("龙桃高双团"), 200)))]
    frame = pd.DataFrame({"psn_name": names, "certno": certnos, "tel": tels, "addr": addrs})
    out = privacy.mask_personal_columns(frame)
    for column in frame:
        for raw, mask in zip(frame[column], out[column]):
            assert raw not in mask, (column, raw, mask)
            assert len(mask) <= len(raw) or column == "addr"


def test_reveal_returns_the_values_unmasked_for_the_roles_to_come():
    frame = pd.DataFrame({"psn_name": ["张三"], "certno": ["110101199003071234"]})
    assert privacy.mask_personal_columns(frame, reveal=True).equals(frame)
