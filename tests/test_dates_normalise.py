"""The Arabic date normaliser, feature by feature (strings written for Marsad)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from pipelines.dates import normalise_date

# Friday 15 March 2024, 15:30 in Riyadh.
REF = "2024-03-15T15:30:00+03:00"
TZ = "Asia/Riyadh"


def norm(text: str, ref: str = REF, tz: str | None = TZ) -> dict | None:
    return normalise_date(text, reference=ref, timezone=tz)


@pytest.mark.parametrize("text, expected", [
    # Egyptian/Gulf names and their variants
    ("12 يناير 2019", "2019-01-12"), ("8 فبراير 2018", "2018-02-08"),
    ("1 أبريل 2020", "2020-04-01"), ("1 إبريل 2020", "2020-04-01"), ("1 ابريل 2020", "2020-04-01"),
    ("4 يونيه 2019", "2019-06-04"), ("6 يوليه 2019", "2019-07-06"), ("30 أغسطس 2017", "2017-08-30"),
    # Levantine/Iraqi names, incl. the numbered «كانون 2»
    ("15 كانون الثاني 2016", "2016-01-15"), ("3 كانون 2 2019", "2019-01-03"),
    ("9 شباط 2012", "2012-02-09"), ("1 آذار 2011", "2011-03-01"), ("19 نيسان 2013", "2013-04-19"),
    ("2 أيار 2014", "2014-05-02"), ("21 حزيران 2015", "2015-06-21"), ("5 تموز 2016", "2016-07-05"),
    ("11 آب 2017", "2017-08-11"), ("23 أيلول 2018", "2018-09-23"), ("6 تشرين الأول 2019", "2019-10-06"),
    ("14 تشرين الثاني 2020", "2020-11-14"), ("31 كانون الأول 2021", "2021-12-31"),
    # Maghrebi and Moroccan names
    ("7 جانفي 2016", "2016-01-07"), ("13 فيفري 2017", "2017-02-13"), ("10 أفريل 2015", "2015-04-10"),
    ("22 ماي 2014", "2014-05-22"), ("16 جوان 2019", "2019-06-16"), ("4 جويلية 2018", "2018-07-04"),
    ("9 أوت 2013", "2013-08-09"), ("27 يوليوز 2020", "2020-07-27"), ("20 غشت 2018", "2018-08-20"),
    ("5 شتنبر 2019", "2019-09-05"), ("18 نونبر 2021", "2021-11-18"), ("3 دجنبر 2016", "2016-12-03"),
    # paired forms
    ("17 آذار/مارس 2022", "2022-03-17"), ("9 أيار (مايو) 2021", "2021-05-09"),
    ("28 تموز / يوليو 2012", "2012-07-28"), ("1 شباط - فبراير 2010", "2010-02-01"),
    # month first, comma, dots, glued digits
    ("مايو 7، 2021", "2021-05-07"), ("19. يناير. 2022", "2022-01-19"),
    ("14 ديسمبر2017", "2017-12-14"), ("الخميس5 مارس 2020", "2020-03-05"),
])
def test_month_names(text: str, expected: str) -> None:
    got = norm(text)
    assert got is not None and got["date"] == expected
    assert got["precision"] == "day" and got["datetime"] is None


@pytest.mark.parametrize("text, expected", [
    ("٢٣ كانون الثاني ٢٠٢١", "2021-01-23"),                 # Eastern Arabic digits
    ("۱۲ مارس ۲۰۱۹", "2019-03-12"),                          # Persian digits
    ("3 مـــارس 2024", "2024-03-03"),                         # tatweel
    ("3\u200f/3\u200f/2024", "2024-03-03"),                   # RLM marks
    ("\u200eالأحد\u200e، 3 مارس 2024", "2024-03-03"),        # LRM marks, Arabic comma
    ("٠٤/٠٥/٢٠٢٣", "2023-05-04"),                             # day/month/year
    ("2023/05/04", "2023-05-04"), ("2023-5-4", "2023-05-04"), ("04.05.2023", "2023-05-04"),
    ("5/25/2023", "2023-05-25"),                              # only month/day is possible
])
def test_digits_and_marks(text: str, expected: str) -> None:
    got = norm(text)
    assert got is not None and got["date"] == expected


@pytest.mark.parametrize("text, local", [
    ("3 مارس 2024 10:41 ص", "2024-03-03T10:41:00+03:00"),
    ("3 مارس 2024 10:41 م", "2024-03-03T22:41:00+03:00"),
    ("3 مارس 2024 - 12:05 ص", "2024-03-03T00:05:00+03:00"),
    ("3 مارس 2024 12:20 م", "2024-03-03T12:20:00+03:00"),
    ("الأحد 3 مارس 2024 الساعة 07:30 مساءً", "2024-03-03T19:30:00+03:00"),
    ("الأحد 3 مارس 2024 الساعة 9 صباحا", "2024-03-03T09:00:00+03:00"),
    ("3 مارس 2024 18:45", "2024-03-03T18:45:00+03:00"),
    ("١٢:٣٠ م ٣ مارس ٢٠٢٤", "2024-03-03T12:30:00+03:00"),
    ("2024/03/03 - 4:10 مساء", "2024-03-03T16:10:00+03:00"),
    ("3 مارس 2024م 11:00", "2024-03-03T11:00:00+03:00"),     # «م» after the year is AD
])
def test_times(text: str, local: str) -> None:
    got = norm(text)
    assert got is not None and got["datetime"] == local
    assert got["precision"] in ("minute", "hour")


def test_ad_marker_is_not_pm() -> None:
    got = norm("الأحد 3 مارس 2024 م")
    assert got["date"] == "2024-03-03" and got["datetime"] is None


@pytest.mark.parametrize("text, expected", [
    ("15 رمضان 1436 هـ", "2015-07-02"),
    ("1 شوال 1444هـ", "2023-04-21"),
    ("13 ربيع الأول 1445", "2023-09-28"),
    ("10 ذو الحجة 1443 هـ", "2022-07-09"),
    ("١٢ محرم ١٤٤٠ هـ", "2018-09-22"),
    ("05-09-1440 هـ", "2019-05-10"),
])
def test_hijri(text: str, expected: str) -> None:
    got = norm(text)
    assert got is not None and got["date"] == expected


@pytest.mark.parametrize("text, site_tz, local, utc", [
    ("3 مارس 2024 الساعة 10:00 بتوقيت دمشق", "Africa/Cairo", "2024-03-03T10:00:00+03:00", "2024-03-03T07:00:00Z"),
    ("3 مارس 2024 الساعة 10:00 بتوقيت القاهرة", "Asia/Riyadh", "2024-03-03T10:00:00+02:00", "2024-03-03T08:00:00Z"),
    ("3 مارس 2024 10:15 بتوقيت مكة المكرمة", "UTC", "2024-03-03T10:15:00+03:00", "2024-03-03T07:15:00Z"),
    ("3 مارس 2024 08:00 بتوقيت غرينتش", "Asia/Riyadh", "2024-03-03T08:00:00+00:00", "2024-03-03T08:00:00Z"),
    ("3 مارس 2024 08:00 GMT+3", "UTC", "2024-03-03T08:00:00+03:00", "2024-03-03T05:00:00Z"),
    ("3 مارس 2024 08:00 (GMT+0430)", "UTC", "2024-03-03T08:00:00+04:30", "2024-03-03T03:30:00Z"),
    ("3 مارس 2024 08:00", "Africa/Tunis", "2024-03-03T08:00:00+01:00", "2024-03-03T07:00:00Z"),
])
def test_zones(text: str, site_tz: str, local: str, utc: str) -> None:
    got = normalise_date(text, reference=REF, timezone=site_tz)
    assert got["datetime"] == local and got["utc"] == utc


def test_day_precision_utc_is_local_midnight() -> None:
    got = normalise_date("3 مارس 2024", reference=REF, timezone="Asia/Beirut")
    assert got["utc"] == "2024-03-02T22:00:00Z"


@pytest.mark.parametrize("text, expected", [
    ("نشر في: 3 مارس 2024", "2024-03-03"), ("آخر تحديث: 2024/03/04", "2024-03-04"),
    ("دمشق - سانا: الأحد 3 آذار 2024", "2024-03-03"), ("تم النشر بتاريخ 03-03-2024", "2024-03-03"),
    ("القاهرة - أ ش أ: 3 مارس 2024", "2024-03-03"),
])
def test_prefixes_and_datelines(text: str, expected: str) -> None:
    assert norm(text)["date"] == expected


@pytest.mark.parametrize("text, date, precision", [
    ("اليوم", "2024-03-15", "day"), ("أمس", "2024-03-14", "day"), ("أول أمس", "2024-03-13", "day"),
    ("فجر اليوم", "2024-03-15", "day"), ("مساء أمس", "2024-03-14", "day"),
    ("غدا", "2024-03-16", "day"), ("منذ 4 أيام", "2024-03-11", "day"), ("قبل 6 أيام", "2024-03-09", "day"),
    ("قبل أمس", "2024-03-13", "day"), ("بعد الغد", "2024-03-17", "day"), ("اليوم الموالي", "2024-03-16", "day"),
    ("الأسبوع الماضي", "2024-03-08", "day"), ("قبل أسبوعين", "2024-03-01", "day"),
    ("اليوم الجمعة", "2024-03-15", "day"),             # the reference is a Friday
    ("الجمعة الماضية", "2024-03-08", "day"),           # the one before
    ("الخميس", "2024-03-14", "day"), ("يوم الأحد", "2024-03-10", "day"),
    ("الأحد المقبل", "2024-03-17", "day"),
    ("في مارس الماضي", "2023-03-01", "month"), ("في فبراير الماضي", "2024-02-01", "month"),
    ("الشهر الماضي", "2024-02-01", "month"), ("أكتوبر 2019", "2019-10-01", "month"),
    ("عام 2012", "2012-01-01", "year"), ("العام الماضي", "2023-01-01", "year"),
])
def test_relative(text: str, date: str, precision: str) -> None:
    got = norm(text)
    assert got is not None, text
    assert (got["date"], got["precision"]) == (date, precision)


@pytest.mark.parametrize("text, local, precision", [
    ("منذ 10 دقائق", "2024-03-15T15:20:00+03:00", "minute"),
    ("قبل ساعتين", "2024-03-15T13:30:00+03:00", "hour"),
    ("منذ ساعة", "2024-03-15T14:30:00+03:00", "hour"),
    ("قبل ٥ ساعات", "2024-03-15T10:30:00+03:00", "hour"),
    ("بعد 3 ساعات", "2024-03-15T18:30:00+03:00", "hour"),
    ("الساعة 9 مساء اليوم", "2024-03-15T21:00:00+03:00", "hour"),
])
def test_relative_times(text: str, local: str, precision: str) -> None:
    got = norm(text)
    assert (got["datetime"], got["precision"]) == (local, precision)


def test_relative_crossing_midnight_uses_local_date() -> None:
    # 00:40 in Riyadh is still the previous day in UTC: «أمس» is local.
    got = normalise_date("أمس", reference="2024-03-14T21:40:00+00:00", timezone="Asia/Riyadh")
    assert got["date"] == "2024-03-14"


def test_yearless_date_nearest_the_reference() -> None:
    assert norm("2 فبراير")["date"] == "2024-02-02"
    assert norm("30 ديسمبر")["date"] == "2023-12-30"


def test_weekday_picks_the_year() -> None:
    # 10 January was a Wednesday in 2024, a Tuesday in 2023, a Friday in 2025.
    assert norm("الأربعاء 10 يناير", ref="2024-11-02T10:00:00+03:00")["date"] == "2024-01-10"
    assert norm("الجمعة 10 يناير", ref="2024-11-02T10:00:00+03:00")["date"] == "2025-01-10"


def test_range_start_and_end() -> None:
    got = norm("من 3 إلى 6 أبريل 2024")
    assert (got["date"], got["end"]) == ("2024-04-03", "2024-04-06")


def test_ordinal_and_spelled_out() -> None:
    assert norm("الثالث من مايو 2021")["date"] == "2021-05-03"
    assert norm("الخامس والعشرين من فبراير")["date"] == "2024-02-25"
    assert norm("12 أبريل ألفين وعشرين")["date"] == "2020-04-12"


@pytest.mark.parametrize("text", [
    "", "   ", "بيان صادر عن الوزارة", "قتل أحد الجنود في الهجوم", "not a date",
    "!!!", "٩٩/٩٩/٩٩٩٩", "31 فبراير 2021", "25:61", "7 أكتوبر 1850", "3 مارس 2350",
])
def test_no_date(text: str) -> None:
    assert norm(text) is None


@pytest.mark.parametrize("bad", [None, 12, b"3 \xd9\x85\xd8\xa7\xd8\xb1\xd8\xb3 2024", ["x"], {"a": 1}])
def test_non_text_input(bad) -> None:
    assert normalise_date(bad) is None  # type: ignore[arg-type]


def test_bad_reference_and_timezone_do_not_raise() -> None:
    got = normalise_date("3 مارس 2024", reference="yesterday-ish", timezone="Mars/Olympus")
    assert got["date"] == "2024-03-03"
    got = normalise_date("أمس", reference=datetime(2024, 3, 15, 12, tzinfo=timezone.utc))
    assert got["date"] == "2024-03-14"


@pytest.mark.parametrize("text", ["قتل 2000 جندي في المعارك", "فاز الفريق 3-1 على ضيفه",
                                  "نما الاقتصاد 2.5 بالمئة", "وصل عدد النازحين إلى 1995 أسرة"])
def test_figures_in_sentences_are_not_dates(text: str) -> None:
    assert norm(text) is None


@pytest.mark.parametrize("text, expected", [("في 2012", "2012-01-01"), ("منذ 2015", "2015-01-01"),
                                            ("2019", "2019-01-01"), ("السبت 22-4", "2023-04-22")])
def test_bare_numbers_alone_are_dates(text: str, expected: str) -> None:
    assert norm(text)["date"] == expected


@pytest.mark.parametrize("text, local", [
    ("منذ نصف ساعة", "2024-03-15T15:00:00+03:00"), ("قبل ساعة ونصف", "2024-03-15T14:00:00+03:00"),
    ("منذ 3 ساعات و 20 دقيقة", "2024-03-15T12:10:00+03:00"), ("أمس الساعة 10 مساء", "2024-03-14T22:00:00+03:00"),
    ("3 مارس 2024 الساعة الثانية ظهرا", "2024-03-03T14:00:00+03:00"),
    ("الساعة 14:00 بتوقيت غرينتش من يوم الأحد 3 مارس 2024", "2024-03-03T14:00:00+00:00"),
])
def test_more_times(text: str, local: str) -> None:
    assert norm(text)["datetime"] == local


@pytest.mark.parametrize("text, date, precision", [
    ("رمضان الماضي", "2023-03-23", "month"), ("رمضان المقبل", "2025-03-01", "month"),
    ("رمضان 1438", "2017-05-27", "month"), ("الليلة الماضية", "2024-03-14", "day"),
    ("صباح السبت الماضي", "2024-03-09", "day"), ("في الـ 10 من الشهر الجاري", "2024-03-10", "day"),
    ("أواخر شهر آب الماضي", "2023-08-01", "month"), ("مطلع العام الجاري", "2024-01-01", "year"),
    ("الأحد 3 رمضان 1440 هـ الموافق 9 مايو 2019 م", "2019-05-09", "day"),
])
def test_more_relative_and_hijri(text: str, date: str, precision: str) -> None:
    got = norm(text)
    assert (got["date"], got["precision"]) == (date, precision)


@pytest.mark.parametrize("text, local", [
    ("الساعة الثامنة والنصف مساء أمس", "2024-03-14T20:30:00+03:00"),
    ("الساعة التاسعة إلا الربع صباحا", "2024-03-15T08:45:00+03:00"),
    ("الساعة العاشرة وخمس دقائق ليلا", "2024-03-15T22:05:00+03:00"),
    ("2 مايو 2023 في الحادية عشرة والربع", "2023-05-02T11:15:00+03:00"),
    ("غدا عند الثالثة عصرا", "2024-03-16T15:00:00+03:00"),
])
def test_clock_hours_in_words(text: str, local: str) -> None:
    assert norm(text)["datetime"] == local


def test_feminine_ordinal_day_is_not_an_hour() -> None:
    assert norm("في الثالثة والعشرين من مايو")["date"] == "2024-05-23"


@pytest.mark.parametrize("text, date", [
    ("أول يوم خميس من أغسطس", "2024-08-01"), ("الأحد الثالث", "2024-03-17"),
    ("الجمعة الأولى من أبريل", "2024-04-05"), ("أول جمعة من رمضان", "2024-03-15"),
])
def test_nth_weekday(text: str, date: str) -> None:
    assert norm(text)["date"] == date


def test_fifth_weekday_that_does_not_exist() -> None:
    assert norm("الأربعاء الخامس") is None  # March 2024 has four Wednesdays


@pytest.mark.parametrize("text, date, precision", [
    ("خلال شهر مايو", "2024-05-01", "month"), ("أواخر مارس", "2024-03-01", "month"),
    ("خلال يوم الجمعة", "2024-03-15", "day"), ("5 آب 2019", "2019-08-05", "day"),
])
def test_month_and_weekday_names_with_lead_words(text: str, date: str, precision: str) -> None:
    got = norm(text)
    assert (got["date"], got["precision"]) == (date, precision)


@pytest.mark.parametrize("text", ["مارس الجيش ضغوطا كبيرة على المدينة", "وقع الانفجار قرب باب توما"])
def test_words_that_look_like_months(text: str) -> None:
    assert norm(text) is None


@pytest.mark.parametrize("text, local", [
    ("12 أفريل 2016 على الساعة 09h45", "2016-04-12T09:45:00+01:00"),
    ("الساعة 18س05د يوم 2 جوان 2017", "2017-06-02T18:05:00+01:00"),
    ("7:15PM 9 May 2018", "2018-05-09T19:15:00+01:00"),
])
def test_maghrebi_and_latin_clocks(text: str, local: str) -> None:
    assert normalise_date(text, reference=REF, timezone="Africa/Tunis")["datetime"] == local


def test_arabic_date_separator() -> None:
    assert norm("٠٧؍٠٨؍٢٠٢٢")["date"] == "2022-08-07"


def test_plural_unit_without_count_is_a_few() -> None:
    assert norm("منذ ساعات")["datetime"] == "2024-03-15T12:30:00+03:00"
    assert norm("قبل أيام")["date"] == "2024-03-12"


@pytest.mark.parametrize("text, local", [
    ("Sat, 02 Mar 2024 21:05:00 +0300", "2024-03-02T21:05:00+03:00"),
    ("Sat, 02 Mar 2024 21:05:00 GMT", "2024-03-02T21:05:00+00:00"),
    ("2024-03-02T21:05:00.250+01:00", "2024-03-02T21:05:00+01:00"),
    ("نشر في 2024-03-02T21:05:00Z", "2024-03-02T21:05:00+00:00"),
])
def test_machine_formats_keep_their_offset(text: str, local: str) -> None:
    assert normalise_date(text, reference=REF, timezone="Africa/Cairo")["datetime"] == local


@pytest.mark.parametrize("text, date, precision", [
    ("15/9/1445هـ - 25/3/2024م", "2024-03-25", "day"),
    ("عام 1445هـ / 2024م", "2024-01-01", "year"),
    ("1445 هـ", "2023-07-19", "year"),
    ("قتل 2000 جندي في 2012", "2012-01-01", "year"),
])
def test_gregorian_beside_hijri_and_years_in_context(text: str, date: str, precision: str) -> None:
    got = norm(text)
    assert (got["date"], got["precision"]) == (date, precision)
