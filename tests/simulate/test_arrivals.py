from collections import Counter
from dataclasses import replace

from bench.simulate.catalogue import Params
from bench.simulate.desk import WEEKDAY_PROFILE, build_desk


def test_daily_volume_matches_the_configured_rate() -> None:
    params = replace(Params(), days=28, warmup_days=0)
    desk = build_desk(7, params)
    weekday = [t for t in desk.tickets if desk.clock.dt(t.created).astimezone(desk.clock.tz).weekday() < 5]
    per_weekday = len(weekday) / 20  # 28 days from a Monday: 20 weekdays
    assert abs(per_weekday - params.weekday_tickets) / params.weekday_tickets < 0.05


def test_arrivals_follow_the_hour_of_day_profile() -> None:
    desk = build_desk(7, replace(Params(), days=28, warmup_days=0))
    hours = Counter(
        local.hour
        for t in desk.tickets
        if (local := desk.clock.dt(t.created).astimezone(desk.clock.tz)).weekday() < 5
    )
    total = sum(hours.values())
    peak = hours[9] + hours[10]
    night = hours[2] + hours[3]
    expected_share = (WEEKDAY_PROFILE[9] + WEEKDAY_PROFILE[10]) / sum(WEEKDAY_PROFILE)
    assert abs(peak / total - expected_share) < 0.03
    assert peak > 10 * night


def test_weekends_are_quiet() -> None:
    desk = build_desk(7, replace(Params(), days=28, warmup_days=0))
    days = Counter(desk.clock.dt(t.created).astimezone(desk.clock.tz).weekday() for t in desk.tickets)
    assert days[5] + days[6] < 0.3 * (days[0] + days[1])


def test_mix_shares_are_roughly_respected() -> None:
    desk = build_desk(3, Params())
    n = len(desk.tickets)
    vip = sum(t.company.tier == "vip" for t in desk.tickets) / n
    spanish = sum(t.language == "Spanish" for t in desk.tickets) / n
    assert 0.08 < vip < 0.25
    assert 0.015 < spanish < 0.08
    assert any(t.onsite for t in desk.tickets)
