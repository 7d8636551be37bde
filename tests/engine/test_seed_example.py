"""The "Returned Data" example of the seed document, rebuilt as engine facts."""

from dispatch.engine import rank

from .builders import NOW, experience, history, hours, policy, reasons, shift, tech, ticket

EMAIL = ("Exchange", "Office 365")


def seed_case():
    tk = ticket(
        "12345",
        priority="High",
        board="Service Desk",
        category_required_skills=EMAIL,
        sla_due=NOW + hours(2.5),
        response_hours=4,
        preferred_tech="tech-456",
        account_techs=("tech-456", "tech-789"),
    )
    sarah = tech(
        "tech-456",
        name="Sarah Johnson",
        seniority="senior",
        timezone="America/New_York",
        schedule=(shift("08:00", "16:00"),),
        skills={"Exchange": 3, "Office 365": 2},
        active_tickets=7,
        certifications={"Microsoft 365 Certified", "CompTIA A+"},
        experience={"Email Support": experience(40, on_time_rate=0.945, csat=4.7, avg_resolution_hours=3.2)},
        company_history={"acme": history(15, 4.8)},
    )
    michael = tech(
        "tech-789",
        name="Michael Chen",
        skills={"Exchange": 2, "Office 365": 3},
        active_tickets=8,
        experience={"Email Support": experience(12, on_time_rate=0.9, csat=4.5)},
    )
    others = [tech(f"tech-{i}", skills={"Exchange": 1}, active_tickets=i) for i in range(3)]
    return tk, [michael, *others, sarah], policy(workload_calculation_method="weighted")


def test_seed_example_assigns_the_preferred_expert_with_explanations():
    r = rank(*seed_case())
    assert r.selected == "tech-456" and r.confidence in ("high", "medium") and r.error_code is None
    assert reasons(r)["customer_preferred_technician"].startswith("+") and r.sla_risk == "medium"
    runner_up = r.candidates[1]
    assert runner_up.tech_id == "tech-789" and runner_up.reason_not_selected
    assert r.sla_hours_remaining == 2.5 and dict(r.counts)["evaluated"] == 5
