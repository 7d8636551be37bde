"""Generate the example workspace: a believable MSP service desk ("Northwind Managed Services").

    python bench/make_example_workspace.py [--out dispatch/fixtures/example_workspace.json]
                                           [--seed 20261123] [--history 2600] [--open 90]

Deterministic: the same seed gives byte-identical output. Everything is relative to the
anchor time ANCHOR (2026-11-23T14:00:00Z, a Monday morning in New York): open tickets
were created in the 3 days before it (Friday morning to Monday morning), history covers the ~9 months before that.

History follows a latent pattern that a learner should be able to find again:
technicians with the category's skills resolve it more (experts most), account and
preferred technicians resolve their companies' tickets, seniors take high-complexity work
and juniors the simple work, Spanish/French tickets go to speakers, onsite work to nearby
field technicians, and people mostly resolve what arrives during their shift; plus noise.
Resolution time depends on complexity, priority and the resolver's skill level.
The output is checked with dispatch.workspace.validate_workspace before it is written.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dispatch.workspace.schema import dump_document, validate_workspace  # noqa: E402

ANCHOR = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
HISTORY_START = datetime(2026, 2, 20, 0, 0, tzinfo=UTC)
HISTORY_END = datetime(2026, 11, 20, 23, 0, tzinfo=UTC)
DEFAULT_OUT = ROOT / "dispatch" / "fixtures" / "example_workspace.json"
DOMAIN = "northwind-ms.example.com"
LEVEL = {"beginner": 1, "intermediate": 2, "expert": 3}

# --------------------------------------------------------------------------- catalogue

SKILL_GROUPS: dict[str, list[str]] = {
    "Email": ["Exchange", "Office 365"],
    "Collaboration": ["SharePoint", "Teams"],
    "Identity": ["Active Directory", "Entra ID"],
    "Network": ["Firewalls", "VPN", "Switching", "Wi-Fi", "DNS/DHCP"],
    "Endpoint": ["Windows 10/11", "macOS", "Printers", "Mobile Devices"],
    "Hardware": ["Hardware Repair"],
    "Server": ["Windows Server", "VMware", "Hyper-V", "Linux"],
    "Backup": ["Veeam", "Datto"],
    "Security": ["Endpoint Security", "Phishing Response"],
    "Cloud": ["Azure", "AWS"],
    "Apps": ["QuickBooks", "Line-of-Business Apps"],
    "Telephony": ["VoIP", "Teams Voice"],
}

# name, required skills, complexity, auto_assign, relative frequency, priority weights L/M/H/C,
# (min, max) estimated hours, board, chance of onsite work. Nothing ships with auto-assign on: a new
# desk has no decisions behind any category, so the likeliest ones start in shadow to earn trust.
CATEGORIES: list[dict] = [
    dict(name="Password Reset", skills=["Active Directory"], complexity="low", auto="shadow", freq=14, prio=(50, 42, 8, 0), est=(0.25, 0.5), onsite=0),
    dict(name="MFA & Sign-in", skills=["Entra ID"], complexity="low", auto="shadow", freq=7, prio=(30, 50, 18, 2), est=(0.25, 1), onsite=0),
    dict(name="Email Support", skills=["Exchange", "Office 365"], complexity="medium", auto="off", freq=12, prio=(22, 50, 24, 4), est=(0.5, 2), onsite=0),
    dict(name="Microsoft 365 & Teams", skills=["Office 365", "Teams"], complexity="low", auto="shadow", freq=8, prio=(40, 48, 12, 0), est=(0.25, 1), onsite=0),
    dict(name="SharePoint & OneDrive", skills=["SharePoint", "Office 365"], complexity="medium", auto="off", freq=5, prio=(35, 48, 16, 1), est=(0.5, 2), onsite=0),
    dict(name="Printer Issues", skills=["Printers"], complexity="low", auto="shadow", freq=8, prio=(40, 45, 15, 0), est=(0.25, 1.5), onsite=0.3),
    dict(name="Workstation Support", skills=["Windows 10/11"], complexity="low", auto="shadow", freq=10, prio=(35, 50, 15, 0), est=(0.5, 2), onsite=0.2),
    dict(name="Mac Support", skills=["macOS"], complexity="medium", auto="off", freq=3, prio=(35, 50, 15, 0), est=(0.5, 2), onsite=0.1),
    dict(name="Mobile Devices", skills=["Mobile Devices"], complexity="low", auto="off", freq=3, prio=(35, 50, 15, 0), est=(0.25, 1), onsite=0),
    dict(name="Network Connectivity", skills=["Switching", "Wi-Fi"], complexity="medium", auto="off", freq=6, prio=(15, 40, 33, 12), est=(1, 4), onsite=0.4),
    dict(name="VPN & Remote Access", skills=["VPN", "Firewalls"], complexity="medium", auto="off", freq=5, prio=(15, 45, 35, 5), est=(0.5, 2), onsite=0),
    dict(name="Firewall Changes", skills=["Firewalls"], complexity="high", auto="off", freq=2, prio=(25, 50, 22, 3), est=(1, 4), onsite=0),
    dict(name="Server Issues", skills=["Windows Server"], complexity="high", auto="off", freq=4, prio=(10, 35, 40, 15), est=(1, 6), onsite=0.05),
    dict(name="Virtualization", skills=["VMware"], complexity="high", auto="off", freq=2, prio=(15, 40, 35, 10), est=(2, 6), onsite=0),
    dict(name="Backup & Recovery", skills=["Veeam"], complexity="high", auto="off", freq=4, prio=(15, 45, 32, 8), est=(1, 4), onsite=0),
    dict(name="Security Incident", skills=["Endpoint Security", "Phishing Response"], complexity="high", auto="off", freq=3, prio=(0, 25, 50, 25), est=(1, 6), onsite=0),
    dict(name="New User Onboarding", skills=["Active Directory", "Office 365"], complexity="low", auto="shadow", freq=5, prio=(30, 60, 10, 0), est=(1, 3), onsite=0.1),
    dict(name="User Offboarding", skills=["Active Directory", "Office 365"], complexity="low", auto="off", freq=3, prio=(25, 55, 20, 0), est=(0.5, 1.5), onsite=0),
    dict(name="Line-of-Business Apps", skills=["Line-of-Business Apps"], complexity="medium", auto="off", freq=5, prio=(20, 50, 25, 5), est=(0.5, 3), onsite=0),
    dict(name="Accounting Software", skills=["QuickBooks"], complexity="medium", auto="off", freq=2, prio=(25, 50, 23, 2), est=(0.5, 2), onsite=0),
    dict(name="Phone System / VoIP", skills=["VoIP", "Teams Voice"], complexity="medium", auto="off", freq=3, prio=(25, 45, 25, 5), est=(0.5, 2), onsite=0.15),
    dict(name="Cloud Infrastructure", skills=["Azure"], complexity="high", auto="off", freq=2, prio=(25, 45, 25, 5), est=(1, 8), onsite=0),
    dict(name="Hardware Repair", skills=["Hardware Repair"], complexity="medium", auto="off", freq=5, prio=(30, 50, 20, 0), est=(1, 3), onsite=0.9),
]
CATEGORY = {c["name"]: c for c in CATEGORIES}

SLA_POLICIES = [
    {"name": "Premium 1-Hour",
     "response_hours": {"Critical": 0.5, "High": 1, "Medium": 2, "Low": 4},
     "resolution_hours": {"Critical": 4, "High": 8, "Medium": 16, "Low": 40}},
    {"name": "Business 4-Hour",
     "response_hours": {"Critical": 1, "High": 4, "Medium": 8, "Low": 24},
     "resolution_hours": {"Critical": 4, "High": 8, "Medium": 24, "Low": 72}},
    {"name": "Essentials 8-Hour",
     "response_hours": {"Critical": 2, "High": 8, "Medium": 16, "Low": 48},
     "resolution_hours": {"Critical": 8, "High": 24, "Medium": 72, "Low": 120}},
]
SLA = {p["name"]: p for p in SLA_POLICIES}

CITIES = {
    "Boston": (42.3601, -71.0589), "New York": (40.7128, -74.0060), "Chicago": (41.8781, -87.6298),
    "Denver": (39.7392, -104.9903), "Atlanta": (33.7490, -84.3880), "Miami": (25.7617, -80.1918),
    "Dallas": (32.7767, -96.7970), "Philadelphia": (39.9526, -75.1652), "London": (51.5074, -0.1278),
    "Madrid": (40.4168, -3.7038), "Mexico City": (19.4326, -99.1332), "Montreal": (45.5017, -73.5673),
    "Joliet": (41.5250, -88.0817), "Boulder": (40.0150, -105.2705), "Cambridge": (42.3736, -71.1097),
    "Evanston": (42.0451, -87.6877), "Alcobendas": (40.5475, -3.6420), "Fort Lauderdale": (26.1224, -80.1373),
}


def week(start: str, end: str, days=(0, 1, 2, 3, 4)) -> dict:
    return {"days": list(days), "start": start, "end": end}


# Technicians. Hidden keys (not written): joined/left (history activity window).
TECHS: list[dict] = [
    dict(id="tech-sarah-johnson", name="Sarah Johnson", seniority="senior", city="Boston", tz="America/New_York", cost=98,
         skills={"Exchange": "expert", "Office 365": "expert", "Entra ID": "expert", "Active Directory": "expert", "SharePoint": "intermediate", "Teams": "intermediate", "Windows Server": "intermediate"},
         certs=["Microsoft 365 Certified: Administrator Expert", "Microsoft Certified: Identity and Access Administrator Associate"],
         schedule=[week("08:00", "16:30")], max=8),
    dict(id="tech-marcus-chen", name="Marcus Chen", seniority="senior", city="New York", tz="America/New_York", cost=105,
         skills={"Firewalls": "expert", "VPN": "expert", "Switching": "expert", "Wi-Fi": "intermediate", "DNS/DHCP": "expert", "Linux": "intermediate"},
         certs=["CCNA", "Fortinet NSE 4", "CompTIA Network+"], schedule=[week("09:00", "18:00")], max=8),
    dict(id="tech-priya-patel", name="Priya Patel", seniority="senior", city="Chicago", tz="America/Chicago", cost=102,
         skills={"Windows Server": "expert", "VMware": "expert", "Hyper-V": "expert", "Veeam": "intermediate", "Active Directory": "expert", "Azure": "intermediate", "DNS/DHCP": "intermediate"},
         certs=["VMware VCP", "Microsoft Certified: Azure Administrator Associate"], schedule=[week("07:30", "16:00")], max=8),
    dict(id="tech-daniel-schwartz", name="Daniel Schwartz", seniority="senior", city="New York", tz="America/New_York", cost=110,
         skills={"Endpoint Security": "expert", "Phishing Response": "expert", "Firewalls": "expert", "Entra ID": "intermediate", "Exchange": "intermediate", "VPN": "intermediate"},
         certs=["CISSP", "CompTIA Security+", "Fortinet NSE 4"], schedule=[week("09:00", "18:00")], max=6),
    dict(id="tech-james-whitaker", name="James Whitaker", seniority="senior", city="London", tz="Europe/London", cost=95,
         skills={"Azure": "expert", "AWS": "expert", "Entra ID": "expert", "Linux": "intermediate", "Windows Server": "intermediate", "Office 365": "intermediate"},
         certs=["Microsoft Certified: Azure Solutions Architect Expert", "AWS Certified SysOps Administrator"], schedule=[week("12:00", "20:00")], max=8),
    dict(id="tech-robert-nguyen", name="Robert Nguyen", seniority="senior", city="Dallas", tz="America/Chicago", cost=92,
         skills={"VoIP": "expert", "Teams Voice": "expert", "Switching": "intermediate", "Wi-Fi": "intermediate", "Firewalls": "beginner", "Teams": "intermediate"},
         certs=["Microsoft Certified: Teams Administrator Associate", "CCNA"], schedule=[week("08:00", "17:00")]),
    dict(id="tech-david-okafor", name="David Okafor", seniority="mid", city="Atlanta", tz="America/New_York", cost=68,
         skills={"Endpoint Security": "expert", "Phishing Response": "intermediate", "Windows 10/11": "intermediate", "Exchange": "beginner", "Mobile Devices": "intermediate"},
         certs=["CompTIA Security+", "CompTIA CySA+"], schedule=[week("10:00", "19:00")]),
    dict(id="tech-emily-rodriguez", name="Emily Rodriguez", seniority="mid", city="Miami", tz="America/New_York", cost=62, languages=["English", "Spanish"], onsite=True,
         skills={"Windows 10/11": "expert", "Office 365": "intermediate", "Exchange": "intermediate", "Printers": "intermediate", "Hardware Repair": "intermediate", "Teams": "intermediate"},
         certs=["CompTIA A+", "Microsoft 365 Certified: Modern Desktop Administrator Associate"], schedule=[week("08:00", "17:00")]),
    dict(id="tech-carlos-mendoza", name="Carlos Mendoza", seniority="mid", city="Mexico City", tz="America/Mexico_City", cost=48, languages=["Spanish", "English"],
         skills={"Switching": "intermediate", "Wi-Fi": "expert", "VPN": "intermediate", "Firewalls": "intermediate", "Windows 10/11": "intermediate", "DNS/DHCP": "intermediate"},
         certs=["CompTIA Network+", "Fortinet NSE 4"], schedule=[week("07:00", "16:00")]),
    dict(id="tech-olivia-bennett", name="Olivia Bennett", seniority="mid", city="London", tz="Europe/London", cost=64, onsite=True,
         skills={"Veeam": "expert", "Datto": "intermediate", "Linux": "intermediate", "Windows Server": "intermediate", "Hyper-V": "intermediate", "Hardware Repair": "beginner"},
         certs=["Veeam VMCE", "CompTIA Linux+"], schedule=[week("09:00", "17:30")]),
    dict(id="tech-amelie-dubois", name="Amélie Dubois", seniority="mid", city="Montreal", tz="America/Toronto", cost=60, languages=["French", "English"], onsite=True,
         skills={"Office 365": "intermediate", "Windows 10/11": "intermediate", "Line-of-Business Apps": "intermediate", "Printers": "intermediate", "Teams": "intermediate", "Exchange": "beginner"},
         certs=["CompTIA A+", "ITIL 4 Foundation"], schedule=[week("08:00", "16:00")]),
    dict(id="tech-hannah-kim", name="Hannah Kim", seniority="mid", city="Denver", tz="America/Denver", cost=63,
         skills={"QuickBooks": "expert", "Line-of-Business Apps": "expert", "Office 365": "intermediate", "SharePoint": "intermediate", "Windows 10/11": "intermediate"},
         certs=["QuickBooks Certified ProAdvisor", "ITIL 4 Foundation"], schedule=[week("07:00", "16:00")]),
    dict(id="tech-megan-foster", name="Megan Foster", seniority="mid", city="Philadelphia", tz="America/New_York", cost=58, onsite=True,
         skills={"Hardware Repair": "expert", "Printers": "expert", "Switching": "intermediate", "Wi-Fi": "intermediate", "Windows 10/11": "intermediate", "VoIP": "beginner"},
         certs=["CompTIA A+", "CompTIA Network+"], schedule=[week("07:00", "15:30")]),
    dict(id="tech-grace-liu", name="Grace Liu", seniority="mid", city="Chicago", tz="America/Chicago", cost=66, onsite=True,
         skills={"Active Directory": "expert", "Entra ID": "intermediate", "macOS": "expert", "Mobile Devices": "expert", "Office 365": "intermediate", "SharePoint": "beginner"},
         certs=["Jamf Certified Tech", "Microsoft Certified: Endpoint Administrator Associate"], schedule=[week("08:00", "17:00")]),
    dict(id="tech-brian-kowalski", name="Brian Kowalski", seniority="mid", city="Denver", tz="America/Denver", cost=70,
         skills={"Linux": "expert", "AWS": "intermediate", "Veeam": "intermediate", "Datto": "expert", "VMware": "intermediate", "Windows Server": "intermediate"},
         certs=["AWS Certified Solutions Architect – Associate", "Datto Certified Technician"],
         schedule=[week("08:00", "12:00", (4,)), week("08:00", "17:00", (0, 1, 2, 3))]),
    dict(id="tech-lucia-fernandez", name="Lucía Fernández", seniority="junior", city="Madrid", tz="Europe/Madrid", cost=42, languages=["Spanish", "English"], onsite=True,
         skills={"Office 365": "intermediate", "Windows 10/11": "intermediate", "Active Directory": "beginner", "Printers": "beginner", "Exchange": "beginner", "Hardware Repair": "beginner"},
         certs=["CompTIA A+"], schedule=[week("14:00", "22:00")], max=12),
    dict(id="tech-tyler-brooks", name="Tyler Brooks", seniority="junior", city="Denver", tz="America/Denver", cost=40,
         skills={"Printers": "intermediate", "Windows 10/11": "intermediate", "Active Directory": "intermediate", "Office 365": "beginner", "Mobile Devices": "beginner"},
         certs=["CompTIA A+"], schedule=[week("06:00", "14:30")], max=12),
    dict(id="tech-kevin-obrien", name="Kevin O'Brien", seniority="junior", city="Chicago", tz="America/Chicago", cost=44, onsite=True,
         skills={"Hardware Repair": "intermediate", "Printers": "intermediate", "Windows 10/11": "intermediate", "Wi-Fi": "beginner", "Switching": "beginner"},
         certs=["CompTIA A+"], schedule=[week("07:00", "15:30")], max=10),
    dict(id="tech-jasmine-walker", name="Jasmine Walker", seniority="junior", city="Boston", tz="America/New_York", cost=45,
         skills={"Active Directory": "intermediate", "Office 365": "intermediate", "Entra ID": "beginner", "Windows 10/11": "intermediate", "Teams": "beginner", "Exchange": "beginner"},
         certs=["CompTIA A+", "Microsoft 365 Certified: Fundamentals"], schedule=[week("18:00", "02:00")], max=12),
    dict(id="tech-anthony-russo", name="Anthony Russo", seniority="junior", city="New York", tz="America/New_York", cost=41, onsite=True,
         skills={"Windows 10/11": "intermediate", "Printers": "intermediate", "Hardware Repair": "intermediate", "Active Directory": "beginner", "Office 365": "beginner"},
         certs=["CompTIA A+"], schedule=[week("08:00", "20:00", (5, 6)), week("12:00", "20:00", (0,))], max=10),
    dict(id="tech-aisha-mohammed", name="Aisha Mohammed", seniority="junior", city="Atlanta", tz="America/New_York", cost=43, onsite=True,
         skills={"Office 365": "intermediate", "Active Directory": "intermediate", "Printers": "intermediate", "Windows 10/11": "beginner", "Teams": "intermediate", "Mobile Devices": "beginner"},
         certs=["CompTIA A+", "Microsoft 365 Certified: Fundamentals"], schedule=[week("08:00", "17:00")], max=12),
    dict(id="tech-sofia-ramirez", name="Sofia Ramirez", seniority="junior", city="Denver", tz="America/Denver", cost=40, languages=["English", "Spanish"],
         skills={"Windows 10/11": "intermediate", "Office 365": "beginner", "Active Directory": "beginner", "Printers": "beginner", "macOS": "beginner"},
         certs=["CompTIA A+"], schedule=[week("09:00", "18:00", (1, 2, 3, 4, 5))], max=10, joined=date(2026, 6, 15)),
    dict(id="tech-ryan-mitchell", name="Ryan Mitchell", seniority="junior", city="Boston", tz="America/New_York", cost=42, onsite=True,
         skills={"Hardware Repair": "intermediate", "Windows 10/11": "intermediate", "Printers": "beginner", "Wi-Fi": "beginner", "macOS": "beginner"},
         certs=["CompTIA A+"], schedule=[week("07:30", "16:00")], max=10),
    dict(id="tech-greg-thompson", name="Greg Thompson", seniority="mid", city="Chicago", tz="America/Chicago", cost=60, active=False,
         skills={"Windows Server": "intermediate", "Exchange": "intermediate", "Office 365": "intermediate", "Hyper-V": "beginner", "Veeam": "beginner"},
         certs=["CompTIA Server+"], schedule=[week("08:00", "17:00")], left=date(2026, 7, 31)),
]
TECH = {t["id"]: t for t in TECHS}

# Time off (local dates, in the technician's zone) and the on-call rotation.
TIME_OFF = [
    ("tech-marcus-chen", "2026-11-23 08:00", "2026-11-25 18:00", "training: Fortinet NSE 5 bootcamp"),
    ("tech-kevin-obrien", "2026-11-23 00:00", "2026-11-24 00:00", "sick"),
    ("tech-priya-patel", "2026-11-25 00:00", "2026-11-30 00:00", "Thanksgiving"),
    ("tech-robert-nguyen", "2026-11-26 00:00", "2026-11-29 00:00", "Thanksgiving"),
    ("tech-hannah-kim", "2026-11-27 00:00", "2026-11-28 00:00", "personal day"),
    ("tech-lucia-fernandez", "2026-12-07 00:00", "2026-12-09 00:00", "puente de la Constitución"),
    ("tech-tyler-brooks", "2026-12-14 00:00", "2026-12-19 00:00", "vacation"),
    ("tech-james-whitaker", "2026-12-18 00:00", "2027-01-04 00:00", "Christmas holiday"),
    ("tech-sarah-johnson", "2026-12-21 00:00", "2027-01-04 00:00", "vacation"),
    ("tech-emily-rodriguez", "2026-12-24 00:00", "2026-12-28 00:00", "vacation"),
    ("tech-olivia-bennett", "2026-12-24 00:00", "2027-01-02 00:00", "Christmas holiday"),
    ("tech-megan-foster", "2026-12-31 00:00", "2027-01-02 00:00", "New Year"),
]
ON_CALL_ROTATION = ["tech-marcus-chen", "tech-priya-patel", "tech-daniel-schwartz", "tech-robert-nguyen", "tech-brian-kowalski", "tech-david-okafor"]

# Companies. Hidden keys: weight (ticket volume), tz, code (server prefix), apps, boost (category multipliers),
# lang (share of tickets written in that language), sites.
COMPANIES: list[dict] = [
    dict(id="harborview", name="Harborview Capital Partners", tier="vip", sla="Premium 1-Hour", city="Boston", tz="America/New_York",
         preferred="tech-sarah-johnson", account=["tech-sarah-johnson", "tech-marcus-chen", "tech-ryan-mitchell"], weight=12, code="HVC",
         apps=["Bloomberg Terminal", "Addepar", "Salesforce"], boost={"Cloud Infrastructure": 2, "Security Incident": 1.5}, sites=["Back Bay office", "trading floor", "19th floor"]),
    dict(id="meridian-health", name="Meridian Health Clinics", tier="vip", sla="Premium 1-Hour", city="Evanston", tz="America/Chicago",
         preferred="tech-grace-liu", account=["tech-grace-liu", "tech-priya-patel", "tech-kevin-obrien"], weight=16, code="MHC",
         apps=["Epic", "athenaOne", "Dragon Medical One"], boost={"Mobile Devices": 2, "Printers": 1.5}, sites=["Evanston clinic", "Skokie clinic", "front desk", "billing office"]),
    dict(id="lakeside-legal", name="Lakeside Legal Group", tier="vip", sla="Premium 1-Hour", city="New York", tz="America/New_York",
         preferred="tech-daniel-schwartz", account=["tech-daniel-schwartz", "tech-anthony-russo"], weight=10, code="LLG",
         apps=["Clio", "NetDocuments", "iManage Work"], boost={"Email Support": 1.5, "SharePoint & OneDrive": 1.5}, sites=["Midtown office", "records room", "partner suite"]),
    dict(id="summit-outdoor", name="Summit Outdoor Supply", tier="standard", sla="Business 4-Hour", city="Denver", tz="America/Denver",
         preferred=None, account=["tech-hannah-kim", "tech-tyler-brooks"], weight=8, code="SOS",
         apps=["NetSuite", "Shopify POS", "ShipStation"], boost={"Accounting Software": 3, "Line-of-Business Apps": 1.5}, sites=["flagship store", "warehouse", "back office"]),
    dict(id="brightwater-dental", name="Brightwater Dental", tier="standard", sla="Business 4-Hour", city="Atlanta", tz="America/New_York",
         preferred="tech-aisha-mohammed", account=["tech-aisha-mohammed", "tech-david-okafor"], weight=6, code="BWD",
         apps=["Dentrix", "Dexis imaging", "Weave"], boost={"Accounting Software": 1.5, "Printers": 1.5}, sites=["Buckhead practice", "front desk", "operatory 3"]),
    dict(id="pinecrest-mfg", name="Pinecrest Manufacturing", tier="standard", sla="Essentials 8-Hour", city="Joliet", tz="America/Chicago",
         preferred=None, account=["tech-kevin-obrien", "tech-brian-kowalski"], weight=9, code="PNC",
         apps=["SAP Business One", "Epicor Kinetic", "Zebra label printing"], boost={"Backup & Recovery": 2, "Network Connectivity": 1.5, "Hardware Repair": 1.5},
         sites=["plant floor", "shipping dock", "main office"], datto=True),
    dict(id="costa-verde", name="Costa Verde Logistics", tier="standard", sla="Business 4-Hour", city="Miami", tz="America/New_York",
         preferred="tech-emily-rodriguez", account=["tech-emily-rodriguez", "tech-carlos-mendoza"], weight=8, code="CVL", lang=("Spanish", 0.45),
         apps=["CargoWise", "Descartes", "Zebra handhelds"], boost={"Mobile Devices": 1.5, "VPN & Remote Access": 1.5}, sites=["Doral warehouse", "dispatch office", "Fort Lauderdale depot"]),
    dict(id="redwood-architects", name="Redwood Architects", tier="standard", sla="Essentials 8-Hour", city="Boulder", tz="America/Denver",
         preferred=None, account=["tech-grace-liu", "tech-hannah-kim"], weight=5, code="RWA",
         apps=["Revit", "AutoCAD", "Bluebeam Revu"], boost={"Mac Support": 6, "Line-of-Business Apps": 1.5}, sites=["studio", "model shop", "conference room"]),
    dict(id="thames-hart", name="Thames & Hart Consulting", tier="standard", sla="Business 4-Hour", city="London", tz="Europe/London",
         preferred="tech-james-whitaker", account=["tech-james-whitaker", "tech-olivia-bennett"], weight=7, code="THC",
         apps=["Xero", "Salesforce", "HubSpot"], boost={"Cloud Infrastructure": 3, "Backup & Recovery": 1.5}, sites=["Shoreditch office", "meeting room 2", "reception"]),
    dict(id="bellweather", name="Bellweather Nonprofit Alliance", tier="standard", sla="Essentials 8-Hour", city="Philadelphia", tz="America/New_York",
         preferred=None, account=["tech-megan-foster"], weight=5, code="BNA",
         apps=["Blackbaud Raiser's Edge", "Bloomerang", "Mailchimp"], boost={"Accounting Software": 2.5, "Workstation Support": 1.3}, sites=["Old City office", "donor services", "volunteer center"]),
    dict(id="grupo-solano", name="Grupo Solano Ibérica", tier="standard", sla="Business 4-Hour", city="Alcobendas", tz="Europe/Madrid",
         preferred="tech-lucia-fernandez", account=["tech-lucia-fernandez", "tech-carlos-mendoza"], weight=6, code="GSI", lang=("Spanish", 0.65),
         apps=["Sage 200", "a3ERP", "Holded"], boost={"VPN & Remote Access": 1.5}, sites=["oficina central", "almacén", "sala de reuniones"]),
    dict(id="maison-laurent", name="Maison Laurent Boutique Hotels", tier="standard", sla="Essentials 8-Hour", city="Montreal", tz="America/Toronto",
         preferred="tech-amelie-dubois", account=["tech-amelie-dubois"], weight=5, code="MLH", lang=("French", 0.4),
         apps=["Opera PMS", "Micros POS", "SiteMinder"], boost={"Line-of-Business Apps": 2.5, "Network Connectivity": 1.5}, sites=["Vieux-Montréal hotel", "front desk", "kitchen office"]),
]
COMPANY = {c["id"]: c for c in COMPANIES}

RULES = [
    {"name": "VIP High/Critical work needs a senior", "when": {"tier": "vip", "priority": ["High", "Critical"]},
     "then": {"min_seniority": "senior"}, "unless_unavailable": True, "enabled": True},
    {"name": "Harborview always goes to Sarah", "when": {"company": "harborview"},
     "then": {"assign_to": "tech-sarah-johnson"}, "unless_unavailable": True, "enabled": True},
    {"name": "Security keywords need security skills", "when": {"keywords": "ransomware|breach|phishing"},
     "then": {"require_skills": ["Endpoint Security", "Phishing Response"]}, "unless_unavailable": False, "enabled": True},
    {"name": "Escalate possible security incidents to the SOC lead", "when": {"keywords": "ransomware|breach|phishing"},
     "then": {"escalate_to": f"soc@{DOMAIN}"}, "unless_unavailable": False, "enabled": True},
    {"name": "Costa Verde prefers Spanish speakers", "when": {"company": "costa-verde"},
     "then": {"prefer": ["tech-emily-rodriguez", "tech-carlos-mendoza", "tech-sofia-ramirez"], "points": 15}, "unless_unavailable": True, "enabled": True},
    {"name": "Redwood asked us not to send Kevin", "when": {"company": "redwood-architects"},
     "then": {"exclude": ["tech-kevin-obrien"]}, "unless_unavailable": False, "enabled": True},
    {"name": "Migrations are projects", "when": {"keywords": ["migration", "migrate"]},
     "then": {"board": "Projects"}, "unless_unavailable": False, "enabled": True},
    {"name": "Critical work may overflow capacity", "when": {"priority": "Critical"},
     "then": {"allow_overflow": True}, "unless_unavailable": False, "enabled": True},
    {"name": "Firewall changes stay with senior network staff", "when": {"category": "Firewall Changes"},
     "then": {"prefer": ["tech-marcus-chen", "tech-daniel-schwartz"], "points": 10}, "unless_unavailable": True, "enabled": True},
    {"name": "Pinecrest plant floor to Kevin (paused while he trains)", "when": {"company": "pinecrest-mfg", "category": "Hardware Repair"},
     "then": {"assign_to": "tech-kevin-obrien"}, "unless_unavailable": True, "enabled": False},
]

SETTINGS = {
    "dispatching_enabled": True,
    "dispatching_mode": "hybrid",
    "max_tickets_per_technician": 10,
    "workload_calculation_method": "weighted",
    "workload_excluded_statuses": ["Waiting for Customer", "Scheduled"],
    "sla_priority_weight": 0.5,
    "skill_match_threshold": 60,
    "allow_overflow_assignment": False,
    "business_hours_only": False,
    "preferred_tech_priority": True,
    "weights": {"skill": 0.30, "availability": 0.25, "workload": 0.20, "performance": 0.15, "customer_preference": 0.10},
    "business_hours": {"timezone": "America/New_York", "days": [0, 1, 2, 3, 4], "start": "08:00", "end": "18:00"},
}

# --------------------------------------------------------------------------- text banks

FIRST = ["Maria", "James", "Linda", "Ahmed", "Chloe", "Brandon", "Nadia", "Owen", "Fatima", "Ethan", "Rachel", "Victor",
         "Hiroshi", "Keisha", "Liam", "Sophie", "Mateo", "Grace", "Tom", "Aaliyah", "Noah", "Elena", "Marcus", "Priscilla",
         "Dmitri", "Jenna", "Raj", "Colleen", "Andre", "Yuki", "Patrick", "Isabel", "Greta", "Samuel", "Monique", "Diego"]
LAST = ["Lopez", "Carter", "Nguyen", "Haddad", "Martin", "Kowalczyk", "Shah", "Murphy", "Okonkwo", "Fischer", "Bianchi",
        "Sullivan", "Tanaka", "Reyes", "Goldberg", "Brennan", "Ortiz", "Andersson", "Price", "Dubois", "Walsh", "Moreau",
        "Castillo", "Hughes", "Ivanova", "Patel", "Morales", "Whitfield", "Kim", "Delgado", "Novak", "Ferreira"]
DEPTS = ["accounting", "HR", "marketing", "operations", "sales", "billing", "legal", "reception", "warehouse", "finance"]
LAPTOPS = ["Dell Latitude 5440", "Lenovo ThinkPad T14", "HP EliteBook 840 G10", "Surface Laptop 5", "Dell OptiPlex 7010",
           "Lenovo ThinkCentre M70q", "HP ProBook 450", "Dell Precision 3581"]
MACS = ["MacBook Pro 14", "MacBook Air M2", "iMac 24", "Mac mini M2", "MacBook Pro 16"]
PRINTERS = ["HP LaserJet M507", "Ricoh IM C3000", "Brother HL-L6200", "Canon imageRUNNER C3226", "Xerox VersaLink C405",
            "HP Color LaserJet M479", "Kyocera TASKalfa 2554ci", "Zebra ZT411"]
PHONES = ["iPhone 15", "iPhone 14", "Samsung Galaxy S24", "Pixel 8", "iPhone 13", "Samsung Galaxy A54"]
SOFTWARE = ["Adobe Acrobat Pro", "Visio", "Zoom", "Power BI Desktop", "7-Zip", "Snagit", "Tableau Reader", "Notepad++"]
VENDORS = ["Deloitte", "Fidelity", "Cintas", "ADP", "Paychex", "Grainger", "Sysco", "FedEx", "KPMG", "Marsh"]
COUNTRIES = ["Nigeria", "Russia", "Vietnam", "Brazil", "Romania", "Indonesia"]
FLOORS = ["2nd", "3rd", "4th", "5th", "ground"]
ROOMS = ["conference room B", "the boardroom", "room 214", "the training room", "the break room", "reception", "exam room 4"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
TIMES = ["9:30", "10:00", "11:15", "1:00", "2:30", "3:45", "4:00"]
FILES = ["Q3 forecast.xlsx", "board deck.pptx", "client list.xlsx", "payroll export.csv", "2026 budget.xlsx", "master contract.docx"]
PROJECTS = ["Q1 audit", "website refresh", "new office", "ERP rollout", "annual conference", "grant application"]

# Per category: (subject, description) templates. Placeholders are filled per ticket.
TEMPLATES: dict[str, list[tuple[str, str]]] = {
    "Password Reset": [
        ("Password reset for {name}", "{name} in {dept} is locked out after too many attempts and can't log in to their {laptop}. Please reset and send a temporary password to their manager."),
        ("Locked out of my account", "I changed my password on {day} and now Windows says the password is incorrect. I've tried {count} times and now it says the account is locked."),
        ("Password expired - can't log in from home", "My password expired while I was working from home and the VPN won't let me change it. Can someone reset it so I can get in? Extension {ext}."),
        ("Reset password for shared scanner account", "Nobody remembers the password for the scan account used by the {printer} at the {site}. Please reset it and update the scan-to-folder profile."),
        ("User can't log in - account disabled?", "{name} gets 'Your account has been disabled' when signing in. They were on leave last week; please re-enable the account and reset the password."),
        ("Forgot password after vacation", "Hi, I forgot my password after two weeks off. Can you reset it please? I'm at my desk in {dept}, extension {ext}."),
        ("Account locked again", "My account keeps locking every morning around 9. I think my old phone still has the old password saved. Please unlock it."),
    ],
    "MFA & Sign-in": [
        ("Outlook keeps prompting for password after MFA change", "Since we switched to the Authenticator app, Outlook on my {laptop} keeps asking for my password every few minutes. Webmail works fine."),
        ("New phone - need MFA re-registered for {name}", "{name} got a new {phone} and the Authenticator app didn't transfer. They can't sign in to anything Microsoft. Please reset their MFA methods."),
        ("Sign-in blocked while traveling to {city}", "{name} is traveling to {city} this week and sign-ins are blocked with error AADSTS53003. Conditional access? They have a client meeting at {time}."),
        ("MFA push notifications not arriving", "Authenticator push notifications stopped showing up on my phone since {day}. Typing the code works sometimes. Very annoying."),
        ("AD changes not syncing to Entra ID", "Changes made in Active Directory for {name} aren't showing up in Microsoft 365. Entra Connect health shows export errors for {count} objects."),
        ("Guest access for external auditor", "Please give the auditors from {vendor} guest access to the {project} Teams channel with MFA enforced. Access should end after 30 days."),
    ],
    "Email Support": [
        ("Email connection issues in Outlook", "Outlook shows 'Disconnected' in the status bar since this morning and nothing new comes in. Webmail works fine. {laptop}, Windows 11."),
        ("Emails to {vendor} bouncing back", "Every message to anyone at {vendor} comes back with '550 5.7.1 message rejected'. Started on {day}. We need to send them invoices today."),
        ("Shared mailbox not showing in Outlook", "{name} was given access to the {dept} shared mailbox but it doesn't appear in Outlook, only on the web."),
        ("Outlook search not returning results", "Search in Outlook only finds emails older than a month. Recent emails don't show up at all. Tried restarting."),
        ("Mailbox full - cannot send", "{name}'s mailbox is almost at its limit and Outlook says it can no longer send. Can we enable the archive or raise the quota?"),
        ("Set up forwarding for departed employee {name}", "{name} left on {day}. Please forward their email to their manager for 60 days and set an auto-reply."),
        ("Calendar invites not appearing", "Meeting invites from outside the company land in my inbox but never show up in my calendar. My assistant sees the same."),
        ("Exchange to Microsoft 365 migration for remaining mailboxes", "We still have {count} mailboxes on the old Exchange 2016 server. Please plan the migration to Exchange Online before the server goes out of support."),
        ("Emails going to junk for everyone", "Since yesterday, internal emails from {dept} go straight to junk. I think something changed with our SPF or DKIM records."),
    ],
    "Microsoft 365 & Teams": [
        ("Teams crashing on launch", "Teams opens, shows the purple screen, then closes. I cleared the cache like the article said but no luck. {laptop}."),
        ("Can't share screen in Teams meetings", "When I try to share my screen in Teams the button is greyed out. I present to clients at {time}."),
        ("Need an Office license for new contractor", "We have a contractor starting {day} who needs Office apps and a mailbox for three months. Which license should we use?"),
        ("Excel freezes when opening {file}", "Excel hangs for minutes and then says 'Not responding' when I open {file} from SharePoint. Other files open fine."),
        ("New Teams channel for {project}", "Please create a Teams channel for the {project} project with {count} members from {dept} and one external guest."),
        ("Office activation error on {laptop}", "Word and Excel say 'Unlicensed product' and I can only view documents. I signed out and back in already."),
        ("Teams notifications not working", "I don't get any notifications for chats in the new Teams. I miss messages from my manager all day."),
    ],
    "SharePoint & OneDrive": [
        ("OneDrive not syncing - red X on files", "OneDrive shows red X icons on about {count} files in the {dept} folder and says 'sync pending' for hours."),
        ("Restore deleted folder from SharePoint", "Someone deleted the '{project}' folder from the {dept} SharePoint site on {day}. Can you restore it? It is not in my recycle bin."),
        ("Access denied on {dept} SharePoint site", "{name} gets 'Access denied' on the {dept} site but should have edit rights like the rest of the team."),
        ("Set up SharePoint site for {project}", "We need a new SharePoint site for the {project} project with a document library and separate permissions for {vendor}."),
        ("File locked for editing by {name}", "{file} says it is locked for editing by {name}, but they are on vacation and don't have it open."),
        ("Migrate file server shares to SharePoint", "We'd like to migrate the S: drive shares to SharePoint Online. About {count}0 GB. Can we plan this?"),
    ],
    "Printer Issues": [
        ("Printer on {floor} floor jamming and showing offline", "The {printer} on the {floor} floor keeps jamming in tray 2 and now shows as offline for everyone. We cleared the paper twice."),
        ("Can't print to {printer} from my laptop", "Jobs to the {printer} sit in the queue with 'Error - printing'. Others in {dept} can print fine. {laptop}."),
        ("Scan to email not working", "Scan to email on the {printer} fails with 'SMTP authentication error' since {day}. We scan patient forms all day."),
        ("Printer printing garbage characters", "The {printer} in {room} prints pages of random symbols whenever someone prints a PDF."),
        ("Add new printer for {dept}", "We got a new {printer} for {dept}. Can you set it up on the network and push it to the {count} PCs in that area?"),
        ("Label printer not printing", "The {printer} at the {site} stopped printing shipping labels. The status light is blinking red."),
        ("Toner low warning but the cartridge is new", "We replaced the toner in the {printer} on the {floor} floor and it still says toner low and won't print."),
    ],
    "Workstation Support": [
        ("Laptop very slow since last update", "My {laptop} has been extremely slow since the Windows update on {day}. Takes 10 minutes to boot and Outlook freezes."),
        ("Blue screen on {laptop}", "{name}'s {laptop} blue-screens a few times a day with 'DRIVER_IRQL_NOT_LESS_OR_EQUAL'. Usually when docking."),
        ("Windows update stuck", "Windows update has been stuck at 35% for two hours on the PC in {room}. Safe to restart?"),
        ("Second monitor not detected at docking station", "When I dock my {laptop} only one of the two monitors works. Tried another cable."),
        ("Need software installed: {software}", "Please install {software} on {name}'s {laptop}. Manager approved it by email."),
        ("New laptop setup for {name}", "{name}'s replacement {laptop} arrived. Please set it up and move their files from the old one before {day}."),
        ("Computer won't shut down", "My PC in {dept} shows 'Restarting' forever and I have to hold the power button every evening."),
    ],
    "Mac Support": [
        ("MacBook won't connect to the file share", "My {mac} can't connect to smb://{server}/projects since the macOS update. Finder says the server may not exist."),
        ("macOS update broke Outlook", "After updating macOS, Outlook crashes on launch on my {mac}. I need my email for a client review at {time}."),
        ("FileVault recovery key needed", "{name}'s {mac} is asking for the FileVault recovery key after a failed update. They can't get in."),
        ("Adobe Creative Cloud license on new Mac", "I moved to a new {mac} and Creative Cloud says I've reached the activation limit."),
        ("Mac keeps asking for keychain password", "My {mac} keeps popping up 'login keychain' password prompts since I changed my network password."),
    ],
    "Mobile Devices": [
        ("Company {phone} not receiving email", "{name}'s company {phone} stopped getting email on {day}. Calendar still syncs."),
        ("Enroll new {phone} in Intune", "Please enroll the new {phone} for {name} in Intune and set up Outlook and Teams."),
        ("Lost phone - please wipe", "{name} lost their work {phone} at the airport. Please wipe company data and block it."),
        ("Work profile won't install on Android", "The Company Portal app fails with 'device not compliant' on a new {phone}. Encryption is on."),
        ("Handheld scanners not connecting", "{count} of our handheld scanners at the {site} can't connect to the wireless since this morning."),
    ],
    "Network Connectivity": [
        ("Wi-Fi dropping in conference rooms", "Wi-Fi keeps dropping in {room} and the boardroom. Video calls freeze every few minutes."),
        ("Whole office lost internet", "Nobody at the {site} has internet since {time}. Phones are down too. The modem lights look normal."),
        ("Slow network at the {site}", "Everything on the network is very slow at the {site} today. File copies take forever and web pages time out."),
        ("Network port in {room} is dead", "The wall jack in {room} doesn't work. Laptop says 'network cable unplugged'. We need it for an event {day}."),
        ("Change guest Wi-Fi password", "Please change the guest Wi-Fi password at the {site}; an ex-employee posted it online."),
        ("Switch showing amber lights in network closet", "The switch in the {floor} floor closet has several amber lights and {count} desks lost their connection."),
        ("DHCP out of addresses", "New devices at the {site} get a 169.254 address. I think the DHCP scope is full since we added {count} new PCs."),
    ],
    "VPN & Remote Access": [
        ("VPN disconnects every {minutes} minutes for remote staff", "Remote staff report the VPN drops every {minutes} minutes and they lose their work in {app}. Started after {day}."),
        ("FortiClient stuck at 98%", "FortiClient VPN hangs at 98% connecting and then fails. Home internet works fine. {laptop}."),
        ("Remote desktop to {server} not working", "I can't RDP to {server} from home: 'An internal error has occurred'. It worked last week."),
        ("VPN access for new contractor", "Please set up VPN access for a contractor from {vendor} who needs {app} for four weeks."),
        ("VPN connected but can't reach file shares", "The VPN says connected but I can't open any mapped drives or reach {server}."),
    ],
    "Firewall Changes": [
        ("Open port 443 to {server} for vendor access", "{vendor} needs HTTPS access to {server} from their IP range for the {app} integration. Change window after 6pm please."),
        ("Firewall firmware upgrade", "The FortiGate at the {site} is {count} versions behind and the vendor flagged a critical vulnerability. Please schedule the upgrade."),
        ("Block traffic from {country}", "We're seeing lots of login attempts from {country}. Can we geo-block it on the firewall?"),
        ("Site-to-site tunnel to {vendor} down", "The IPsec tunnel to {vendor} has been down since {time}; orders are not syncing to {app}."),
        ("Allow-list IP for {app} cloud service", "{app} support says their new data center IPs must be allowed outbound. List attached in their email."),
    ],
    "Server Issues": [
        ("{server} disk space critical", "Monitoring alert: C: on {server} is at 97% used. The {app} logs seem to be growing quickly."),
        ("File server {server} not responding", "Nobody can open the shared drives on {server}. The server answers ping but explorer hangs."),
        ("Print spooler crashing on {server}", "The print spooler service on {server} stops several times a day and all printers go offline."),
        ("Domain controller replication errors", "dcdiag on {server} reports replication errors with the second DC for the last {count} days."),
        ("Certificate expiring on {server}", "The SSL certificate on {server} used by {app} expires in {count} days. Please renew before it breaks."),
        ("Server migration: {server} to new hardware", "{server} is out of warranty. Plan the migration of its roles and shares to the new host over a weekend."),
        ("Scheduled task failing on {server}", "The nightly export task for {app} on {server} fails with 0x1 since {day}."),
    ],
    "Virtualization": [
        ("ESXi host in disconnected state", "One of the ESXi hosts shows as disconnected in vCenter and the VMs on it, including {server}, show as orphaned."),
        ("VM {server} needs snapshot consolidation", "vCenter warns that {server} needs disk consolidation; a backup snapshot was left behind and is growing."),
        ("vCenter certificate warning", "vCenter shows 'certificate status: expiring' and the backup software can't log in to it anymore."),
        ("New VM for the {app} upgrade", "We need a new Windows Server VM (8 vCPU, 32 GB) for the {app} upgrade project, same network as {server}."),
        ("Datastore latency alerts", "We get datastore latency alarms every morning around 8 and {app} is sluggish for all users."),
    ],
    "Backup & Recovery": [
        ("Backup job failed on {server}", "Last night's backup job for {server} failed with 'Failed to create VM snapshot'. Second failure this week."),
        ("Restore {file} from last week", "{name} overwrote {file} on {day}. Please restore the version from the previous Friday."),
        ("Backup job warning: {count} VMs skipped", "The nightly job finished with warnings: {count} VMs were skipped because they were locked."),
        ("Offsite backup copy not completing", "The offsite copy job hasn't completed in {count} days. Not enough bandwidth or is the repository full?"),
        ("Test restore for quarterly audit", "Our auditors from {vendor} want proof of a successful test restore of {server} this quarter."),
    ],
    "Security Incident": [
        ("Possible phishing email - user clicked link", "{name} clicked a link in an email that looked like a DocuSign request and entered their password. Phishing? Please check the account."),
        ("Ransomware warning on {laptop}", "A pop-up on {name}'s {laptop} says files are encrypted and asks for bitcoin. We unplugged the network cable. Possible ransomware!"),
        ("Suspicious sign-in from {country}", "{name} got an alert about a successful sign-in from {country}. They have never been there. Possible breach?"),
        ("Antivirus detected Trojan on {laptop}", "Endpoint protection quarantined Trojan:Win32/Wacatac on {name}'s {laptop}. Is the machine safe to use?"),
        ("CEO impersonation email asking for gift cards", "Several people in {dept} got an email 'from the CEO' asking them to buy gift cards. Looks like phishing. One person replied."),
        ("Files shared externally - possible breach", "We noticed {count} client files were shared with an anonymous link from {name}'s OneDrive. Possible data breach?"),
    ],
    "New User Onboarding": [
        ("New hire onboarding: create accounts for {name} starting {day}", "{name} starts in {dept} on {day}. Please create the AD account, mailbox, Teams, and {app} access, and prepare a {laptop}."),
        ("Onboarding - {count} seasonal staff", "We have {count} seasonal staff starting next week at the {site}. They need basic logins, email and access to {app}."),
        ("New employee needs laptop and email", "Our new {dept} coordinator {name} starts {day}. Same access as the previous coordinator please."),
        ("Intern accounts for summer program", "Please create accounts for {count} interns joining {dept}. Access should expire after 10 weeks."),
    ],
    "User Offboarding": [
        ("Offboarding: {name} last day {day}", "{name} in {dept} leaves on {day}. Disable access at 5pm, convert the mailbox to shared for their manager, collect the {laptop}."),
        ("Disable account for terminated employee", "Please disable {name}'s access immediately, including VPN and {app}. HR confirmed the termination."),
        ("Convert {name}'s mailbox to shared", "{name} left last month. Please convert their mailbox to a shared mailbox and free up the license."),
    ],
    "Line-of-Business Apps": [
        ("{app} won't open - database error", "{app} shows 'Unable to connect to database' for everyone in {dept} since {time}."),
        ("{app} very slow for all users", "{app} takes a minute to load each screen today. We have {count} people waiting to process orders."),
        ("{app} update needed on all workstations", "{app} released a mandatory update. It needs to be installed on {count} PCs before {day}."),
        ("Error printing reports from {app}", "Printing reports from {app} gives 'Crystal Reports runtime error'. Only on the new {laptop}s."),
        ("{app} login fails after password change", "{name} changed their password and now {app} says invalid credentials. Single sign-on issue?"),
    ],
    "Accounting Software": [
        ("QuickBooks company file won't open in multi-user mode", "QuickBooks says the company file is in use or on another computer and won't switch to multi-user mode. Month end is {day}."),
        ("QuickBooks payroll update error PS038", "Payroll won't send: error PS038 after the latest QuickBooks update. Payroll is due {day}."),
        ("Move QuickBooks to the new server", "We need QuickBooks Desktop and the company file moved from the old PC to {server}, with the database server manager set up."),
        ("Bank feed not syncing in QuickBooks", "The bank feed in QuickBooks hasn't updated since {day}. We reconcile on Fridays."),
    ],
    "Phone System / VoIP": [
        ("Desk phones rebooting randomly", "{count} desk phones at the {site} reboot on their own during calls. Started this week."),
        ("Call quality choppy on Teams calls", "Customers say I sound robotic on Teams calls. Internet speed test looks fine. {laptop} with a headset."),
        ("Set up auto attendant holiday hours", "Please set the auto attendant to the holiday greeting for the office closure on {day} and the following days."),
        ("Voicemail to email not working", "Voicemails stopped arriving by email on {day}. The phone shows the message light."),
        ("Port our main number from the old carrier", "We want to port our main number from the old carrier to Teams Phone. The contract ends next month."),
        ("New Teams Phone number for {name}", "{name} needs a direct dial number and Teams Phone license in {dept}."),
    ],
    "Cloud Infrastructure": [
        ("Azure VM {server} not reachable", "The Azure VM {server} hosting {app} stopped responding after the maintenance window. The portal shows it running."),
        ("Azure costs spiked this month", "Our Azure bill is {count}0% higher than usual this month. Can you find what is driving it?"),
        ("Set up Azure Backup for the new VMs", "We added {count} VMs in Azure last month; none of them are in a backup policy yet."),
        ("AWS S3 bucket access for {app}", "{app} needs read access to the reports bucket in AWS. Please create an IAM role with least privilege."),
        ("Migration of file shares to Azure Files", "Plan the migration of the on-prem shares on {server} to Azure Files, with AD authentication."),
    ],
    "Hardware Repair": [
        ("Laptop screen cracked", "{name} dropped their {laptop} and the screen is cracked. It's under warranty; can someone swap it or send a loaner?"),
        ("Keyboard not working on {laptop}", "Several keys on {name}'s {laptop} don't type. External keyboard works."),
        ("Replace failed drive in {server}", "The RAID controller reports a failed drive in {server}. Replacement drive has arrived at the {site}."),
        ("Desktop won't power on at the {site}", "The PC at the {site} won't power on at all, no lights. They use it for {app}."),
        ("Battery swelling on {laptop}", "{name}'s {laptop} battery is bulging and the touchpad lifted. Please replace it before it gets worse."),
    ],
}

SPANISH: dict[str, list[tuple[str, str]]] = {
    "Email Support": [("No puedo enviar correos desde Outlook", "Desde esta mañana Outlook no envía los correos, se quedan en la bandeja de salida. En el navegador sí funciona.")],
    "Password Reset": [("Cuenta bloqueada", "Intenté entrar varias veces y ahora mi cuenta está bloqueada. ¿Me pueden restablecer la contraseña? Extensión {ext}.")],
    "Printer Issues": [("La impresora de la oficina no imprime", "La {printer} de la {site} no imprime desde ayer, los trabajos se quedan en cola.")],
    "VPN & Remote Access": [("La VPN se desconecta constantemente", "La VPN se desconecta cada {minutes} minutos cuando trabajo desde casa y pierdo lo que estoy haciendo en {app}.")],
    "Workstation Support": [("Mi computadora está muy lenta", "Mi {laptop} tarda mucho en arrancar y se congela al abrir Excel. Empezó después de la actualización.")],
    "Network Connectivity": [("Sin internet en el almacén", "En el almacén no hay internet desde las {time}. Los escáneres tampoco se conectan.")],
    "Mobile Devices": [("El teléfono de la empresa no recibe correo", "Mi {phone} de la empresa dejó de recibir correos el {day_es}.")],
}
FRENCH: dict[str, list[tuple[str, str]]] = {
    "Email Support": [("Impossible d'ouvrir Outlook", "Outlook se ferme dès l'ouverture depuis ce matin sur mon {laptop}. Le webmail fonctionne.")],
    "Line-of-Business Apps": [("{app} ne répond plus à la réception", "{app} est très lent à la réception depuis {time}, les clients attendent pour l'enregistrement.")],
    "Printer Issues": [("L'imprimante de la réception est hors ligne", "L'imprimante {printer} de la réception est hors ligne et nous ne pouvons pas imprimer les factures.")],
    "Password Reset": [("Mot de passe expiré", "Mon mot de passe a expiré et je ne peux plus me connecter. Pouvez-vous le réinitialiser?")],
}
URGENCY = {
    "Critical": ["This is affecting the whole office and nobody can work.", "Production is stopped - please call me right away.", "All {count} users are down."],
    "High": ["This is blocking me from working.", "Urgent please, I have a client meeting at {time}.", "Several people are affected."],
    "Medium": ["", "Please look at it when you can today.", "Thanks in advance."],
    "Low": ["No rush.", "Whenever someone has a moment.", ""],
}
DAYS_ES = ["lunes", "martes", "miércoles", "jueves", "viernes"]


def placeholders(rng: random.Random, company: dict) -> dict:
    """One set of values per ticket, so that subject and description tell the same story."""
    return {
        "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}", "dept": rng.choice(DEPTS), "laptop": rng.choice(LAPTOPS),
        "mac": rng.choice(MACS), "printer": rng.choice(PRINTERS), "phone": rng.choice(PHONES), "software": rng.choice(SOFTWARE),
        "vendor": rng.choice(VENDORS), "country": rng.choice(COUNTRIES), "floor": rng.choice(FLOORS), "room": rng.choice(ROOMS),
        "day": rng.choice(WEEKDAYS), "day_es": rng.choice(DAYS_ES), "time": rng.choice(TIMES), "file": rng.choice(FILES),
        "project": rng.choice(PROJECTS), "count": rng.randint(2, 12), "minutes": rng.choice([5, 10, 15, 20, 30]),
        "ext": rng.randint(2100, 2999), "city": rng.choice(["Toronto", "Lisbon", "Singapore", "Dubai", "São Paulo", "Tokyo"]),
        "server": f"{company['code']}-{rng.choice(['FS01', 'DC01', 'DC02', 'SQL01', 'APP01', 'APP02', 'HV01', 'RDS01', 'PRN01'])}",
        "app": rng.choice(company["apps"]), "site": rng.choice(company["sites"]),
    }


# --------------------------------------------------------------------------- helpers


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def local(text: str, tz: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(tz))


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371 * 2 * math.asin(math.sqrt(h))


def _hm(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 60 + int(m)


def on_shift(tech: dict, when: datetime) -> bool:
    t = when.astimezone(ZoneInfo(tech["tz"]))
    minute, day = t.hour * 60 + t.minute, t.weekday()
    for shift in tech["schedule"]:
        start, end = _hm(shift["start"]), _hm(shift["end"])
        if start < end:
            if day in shift["days"] and start <= minute < end:
                return True
        elif (day in shift["days"] and minute >= start) or ((day - 1) % 7 in shift["days"] and minute < end):
            return True
    return False


def next_on_shift(tech: dict, when: datetime) -> datetime:
    probe = when
    for _ in range(7 * 24 * 4):
        if on_shift(tech, probe):
            return probe
        probe += timedelta(minutes=15)
    return when


def weighted(rng: random.Random, items: list, weights: list[float]):
    return rng.choices(items, weights=weights, k=1)[0]


def skill_fit(tech: dict, skills: list[str]) -> float:
    """Average level 0..3 over the required skills."""
    if not skills:
        return 1.5
    return sum(LEVEL.get(tech["skills"].get(s, ""), 0) for s in skills) / len(skills)


def active_on(tech: dict, when: datetime) -> bool:
    day = when.date()
    return tech.get("joined", date.min) <= day <= tech.get("left", date.max)


# --------------------------------------------------------------------------- the desk


class Desk:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    # ---- static sections
    def skills(self) -> list[dict]:
        return [{"name": s, "group": g} for g, names in SKILL_GROUPS.items() for s in names]

    def categories(self) -> list[dict]:
        return [{"name": c["name"], "required_skills": sorted(c["skills"]), "complexity": c["complexity"], "auto_assign": c["auto"]} for c in CATEGORIES]

    def technicians(self) -> list[dict]:
        out = []
        for n, t in enumerate(TECHS):
            first, last = t["name"].split(" ", 1)
            slug = f"{first}.{last}".lower().replace("'", "").replace(" ", "")
            slug = slug.translate(str.maketrans("áéíóúñ", "aeioun"))
            tz = t["tz"]
            phone = {"Europe/London": f"+44-20-7946-{n:04d}", "Europe/Madrid": f"+34-91-555-{n:04d}",
                     "America/Mexico_City": f"+52-55-5555-{n:04d}"}.get(tz, f"+1-555-01{n:02d}")
            lat, lon = CITIES[t["city"]]
            record = {
                "id": t["id"], "name": t["name"], "email": f"{slug}@{DOMAIN}", "phone": phone,
                "seniority": t["seniority"], "hourly_cost": t["cost"], "timezone": tz,
                "location": {"city": t["city"], "lat": lat, "lon": lon},
                "onsite_capable": t.get("onsite", False), "languages": t.get("languages", ["English"]),
                "skills": t["skills"], "certifications": sorted(t["certs"]),
            }
            if t.get("max"):
                record["max_active_tickets"] = t["max"]
            record["schedule"] = t["schedule"]
            record["time_off"] = [
                {"start": iso(local(a, tz)), "end": iso(local(b, tz)), "reason": why} for tid, a, b, why in TIME_OFF if tid == t["id"]
            ]
            record["on_call"] = self.on_call(t["id"])
            record["active"] = t.get("active", True)
            out.append(record)
        return out

    def on_call(self, tech_id: str) -> list[dict]:
        """Weekly rotation: Monday 18:00 to the next Monday 08:00, New York time, Nov-Dec 2026."""
        out, monday, n = [], date(2026, 11, 2), 0
        while monday <= date(2026, 12, 28):
            if ON_CALL_ROTATION[n % len(ON_CALL_ROTATION)] == tech_id:
                start = local(f"{monday} 18:00", "America/New_York")
                end = local(f"{monday + timedelta(days=7)} 08:00", "America/New_York")
                out.append({"start": iso(start), "end": iso(end)})
            monday += timedelta(days=7)
            n += 1
        return out

    def companies(self) -> list[dict]:
        out = []
        for c in COMPANIES:
            lat, lon = CITIES[c["city"]]
            record = {"id": c["id"], "name": c["name"], "tier": c["tier"], "sla_policy": c["sla"]}
            if c["preferred"]:
                record["preferred_technician"] = c["preferred"]
            record["account_technicians"] = sorted(c["account"])  # set-like: stored as a many-to-many
            record["location"] = {"city": c["city"], "lat": lat, "lon": lon}
            record["contact_email"] = f"it@{c['id'].replace('-', '')}.example.com"
            out.append(record)
        return out

    # ---- ticket content
    def content(self, category: str, priority: str, company: dict) -> tuple[str, str, str | None]:
        """(subject, description, language) for one ticket; language is set when the text is not English."""
        rng = self.rng
        language = None
        lang = company.get("lang")
        bank = TEMPLATES[category]
        if lang and rng.random() < lang[1]:
            foreign = (SPANISH if lang[0] == "Spanish" else FRENCH).get(category)
            if foreign:
                bank, language = foreign, lang[0]
        subject_t, body_t = rng.choice(bank)
        values = placeholders(rng, company)
        urgency = rng.choice(URGENCY[priority]) if language is None else ""
        body = f"{body_t} {urgency}".strip()
        return subject_t.format(**values), body.format(**values), language

    def pick_category(self, company: dict) -> dict:
        weights = [c["freq"] * company["boost"].get(c["name"], 1.0) for c in CATEGORIES]
        return weighted(self.rng, CATEGORIES, weights)

    def pick_priority(self, category: dict) -> str:
        return weighted(self.rng, ["Low", "Medium", "High", "Critical"], list(category["prio"]))

    def required_skills(self, category: dict, company: dict, subject: str) -> list[str]:
        extra = []
        if category["name"] == "Backup & Recovery" and company.get("datto"):
            extra.append("Datto")
        if category["name"] == "Cloud Infrastructure" and "AWS" in subject:
            extra.append("AWS")
        if category["name"] == "Virtualization" and company["id"] in ("thames-hart", "grupo-solano"):
            extra.append("Hyper-V")
        return extra

    # ---- who resolves what (the latent pattern)
    def affinity(self, tech: dict, when: datetime, category: dict, company: dict, skills: list[str],
                 language: str | None, onsite: bool) -> float:
        fit = skill_fit(tech, skills)
        w = 0.04 + fit**2 / 3
        if tech["id"] == company["preferred"]:
            w *= 4
        elif tech["id"] in company["account"]:
            w *= 2.5
        w *= {"high": {"senior": 2.2, "mid": 1.0, "junior": 0.25},
              "medium": {"senior": 0.8, "mid": 1.4, "junior": 0.8},
              "low": {"senior": 0.35, "mid": 0.9, "junior": 1.9}}[category["complexity"]][tech["seniority"]]
        if language:
            w *= 5 if language in tech.get("languages", ["English"]) else 0.25
        distance = km(CITIES[tech["city"]], CITIES[company["city"]])
        if onsite:
            w *= (4 if tech.get("onsite") else 0.1) * (3 if distance < 150 else 0.15)
        else:
            w *= 1.6 if distance < 1500 else 0.8
        w *= 1.0 if on_shift(tech, when) else 0.07
        return w

    def pick_resolver(self, when: datetime, category: dict, company: dict, skills: list[str], language: str | None,
                      onsite: bool, exclude: set[str] = frozenset()) -> dict:
        rng = self.rng
        pool = [t for t in TECHS if active_on(t, when) and t["id"] not in exclude]
        if rng.random() < 0.06:  # noise: whoever grabbed it
            on = [t for t in pool if on_shift(t, when)] or pool
            return rng.choice(on)
        weights = [self.affinity(t, when, category, company, skills, language, onsite) * rng.lognormvariate(0, 0.35) for t in pool]
        return weighted(rng, pool, weights)

    def opened_time(self, day: date, company: dict) -> datetime:
        rng = self.rng
        tz = ZoneInfo(company["tz"])
        if rng.random() < 0.86:
            minutes = int(rng.triangular(7 * 60, 18.5 * 60, 10 * 60))
        else:
            minutes = rng.randrange(24 * 60)
        return datetime(day.year, day.month, day.day, tzinfo=tz) + timedelta(minutes=minutes, seconds=rng.randrange(60))

    def location_for(self, company: dict) -> dict:
        lat, lon = CITIES[company["city"]]
        return {"city": company["city"], "lat": round(lat + self.rng.uniform(-0.03, 0.03), 4),
                "lon": round(lon + self.rng.uniform(-0.03, 0.03), 4)}

    def board_for(self, category: dict, subject: str, onsite: bool) -> str:
        if "migrat" in subject.lower():
            return "Projects"
        if onsite:
            return "Field Services"
        if subject.startswith(("Backup job", "Datastore")) or "disk space critical" in subject:
            return "Monitoring Alerts"
        return "Service Desk"

    # ---- history
    def history(self, count: int, first_id: int) -> list[dict]:
        rng = self.rng
        days = []
        day = HISTORY_START.date()
        span = (HISTORY_END.date() - day).days
        while day <= HISTORY_END.date():
            growth = 0.85 + 0.3 * (day - HISTORY_START.date()).days / span
            days.append((day, (1.0 if day.weekday() < 5 else 0.15) * growth))
            day += timedelta(days=1)
        company_weights = [c["weight"] for c in COMPANIES]
        raw = []
        for _ in range(count):
            day = weighted(rng, [d for d, _ in days], [w for _, w in days])
            company = weighted(rng, COMPANIES, company_weights)
            raw.append((self.opened_time(day, company), company))
        raw.sort(key=lambda x: x[0])
        out = []
        ticket_no = first_id
        for opened, company in raw:
            ticket_no += rng.randint(1, 3)
            out.append(self.closed_ticket(str(ticket_no), opened, company))
        return out

    def closed_ticket(self, ticket_id: str, opened: datetime, company: dict) -> dict:
        rng = self.rng
        category = self.pick_category(company)
        priority = self.pick_priority(category)
        subject, body, language = self.content(category["name"], priority, company)
        skills = category["skills"] + self.required_skills(category, company, subject)
        onsite = rng.random() < category["onsite"]
        tech = self.pick_resolver(opened, category, company, skills, language, onsite)
        fit = skill_fit(tech, skills)
        policy = SLA[company["sla"]]

        reassignments = 0
        first_tech = tech
        if rng.random() < 0.08 + (0.12 if fit < 2 else 0) + (0.08 if category["complexity"] == "high" else 0):
            reassignments = 1 if rng.random() < 0.8 else 2
            first_tech = self.pick_resolver(opened, category, company, skills, language, onsite) or tech

        start = next_on_shift(first_tech, opened)
        response = start + timedelta(minutes=rng.expovariate(1 / max(5.0, policy["response_hours"][priority] * 60 * 0.3)))
        base = {"low": 1.2, "medium": 5.0, "high": 14.0}[category["complexity"]]
        speed = {3: 0.6, 2: 1.0, 1: 1.6, 0: 2.4}[min(3, int(round(fit)))]
        urgency_factor = {"Critical": 0.35, "High": 0.6, "Medium": 1.0, "Low": 1.5}[priority]
        work = base * speed * urgency_factor * rng.lognormvariate(0, 0.6) * (1 + 0.5 * reassignments)
        resolved = next_on_shift(tech, response) + timedelta(hours=max(0.15, work))
        if onsite:
            resolved += timedelta(hours=rng.uniform(1, 20))
        latest = ANCHOR - timedelta(hours=2)  # closed work is closed before the anchor
        resolved = min(resolved, latest - timedelta(minutes=rng.randrange(600)))
        response = min(response, resolved)
        met = (response - opened) <= timedelta(hours=policy["response_hours"][priority]) and (
            resolved - opened
        ) <= timedelta(hours=policy["resolution_hours"][priority])
        reopened = rng.random() < 0.025 + (0.05 if fit < 2 else 0) + (0.03 if category["complexity"] == "high" else 0)
        record = {
            "ticket_id": ticket_id, "subject": subject, "description": body, "category": category["name"],
            "priority": priority, "company": company["id"], "board": self.board_for(category, subject, onsite),
            "resolved_by": tech["id"], "opened_at": iso(opened), "first_response_at": iso(response),
            "resolved_at": iso(resolved),
        }
        if rng.random() < 0.55:
            score = 4.4 - (0.9 if not met else 0) - 0.4 * reassignments - (0.5 if fit < 2 else 0) - (1.2 if reopened else 0)
            score += 0.3 if tech["id"] == company["preferred"] else 0
            record["csat"] = max(1, min(5, round(rng.gauss(score, 0.7))))
        record.update({"reopened": reopened, "reassignments": reassignments, "met_sla": met})
        return record

    # ---- open tickets
    def open_tickets(self, count: int, first_id: int) -> list[dict]:
        rng = self.rng
        window_start = ANCHOR - timedelta(hours=72)  # Friday 09:00 New York
        slots = []
        probe = window_start
        while probe < ANCHOR:
            ny = probe.astimezone(ZoneInfo("America/New_York"))
            business = ny.weekday() < 5 and 7 <= ny.hour < 19
            monday_rush = ny.weekday() == 0 and 6 <= ny.hour < 10
            slots.append((probe, 3.0 if monday_rush else 1.0 if business else 0.12))
            probe += timedelta(minutes=10)
        tickets = []
        for scenario in self.scenarios():
            tickets.append(scenario)
        created = sorted(
            weighted(rng, [s for s, _ in slots], [w for _, w in slots]) + timedelta(seconds=rng.randrange(600))
            for _ in range(max(0, count - len(tickets)))
        )
        company_weights = [c["weight"] for c in COMPANIES]
        for when in created:
            company = weighted(rng, COMPANIES, company_weights)
            tickets.append(self.open_ticket(when, company))
        tickets.sort(key=lambda t: t["created_at"])
        for n, t in enumerate(tickets):
            t["id"] = str(first_id + 1 + n * 2 + rng.randint(0, 1))
        return tickets

    def open_ticket(self, created: datetime, company: dict, *, category: dict | None = None, priority: str | None = None,
                    text: tuple[str, str] | None = None, language: str | None = None, onsite: bool | None = None,
                    assigned: str | None | bool = None, drop_category: bool | None = None) -> dict:
        rng = self.rng
        category = category or self.pick_category(company)
        priority = priority or self.pick_priority(category)
        if text:
            subject, body = text
        else:
            subject, body, language = self.content(category["name"], priority, company)
        onsite = rng.random() < category["onsite"] if onsite is None else onsite
        skills = self.required_skills(category, company, subject)
        policy = SLA[company["sla"]]
        lo, hi = category["est"]
        ticket = {
            "id": "", "subject": subject, "description": body, "category": category["name"], "priority": priority,
            "board": self.board_for(category, subject, onsite), "company": company["id"], "status": "New",
            "assigned_to": None, "created_at": iso(created),
            "sla_due": iso(created + timedelta(hours=policy["response_hours"][priority])),
            "estimated_hours": round(rng.uniform(lo, hi) * 4) / 4 or 0.25, "required_skills": skills,
            "language": language, "location": self.location_for(company) if onsite else None, "onsite": onsite,
        }
        if drop_category if drop_category is not None else rng.random() < 0.12:
            del ticket["category"]
        age = (ANCHOR - created).total_seconds() / 3600
        if assigned is None:  # older tickets have mostly been picked up; a few slipped through
            assigned = rng.random() < (0.88 if age > 0.6 * policy["response_hours"][priority] else 0.2)
        if assigned:
            if isinstance(assigned, str):
                tech = TECH[assigned]
            else:
                away = {"tech-marcus-chen", "tech-kevin-obrien"}
                tech = self.pick_resolver(created, category, company, category["skills"] + skills, language, onsite, exclude=away)
                while not tech.get("active", True):
                    tech = self.pick_resolver(created, category, company, category["skills"] + skills, language, onsite, exclude=away)
            ticket["assigned_to"] = tech["id"]
            ticket["status"] = weighted(rng, ["Assigned", "In Progress", "Waiting for Customer", "Scheduled"],
                                        [30, 45, 18, 7 + 40 * onsite])
        return ticket

    def scenarios(self) -> list[dict]:
        """Hand-written open tickets that exercise the rules and the hard cases."""
        c = COMPANY
        at = lambda h: ANCHOR - timedelta(hours=h)  # noqa: E731
        return [
            self.open_ticket(at(0.6), c["pinecrest-mfg"], category=CATEGORY["Network Connectivity"], priority="Critical",
                             text=("Whole plant lost internet and phones", "Nothing on the plant floor or in the main office can reach the internet since 8:10. Shipping can't print labels and the phones are dead. All 60 users are down."),
                             onsite=True, assigned=False, drop_category=False),
            self.open_ticket(at(0.4), c["lakeside-legal"], category=CATEGORY["Security Incident"], priority="Critical",
                             text=("Ransomware note on paralegal workstation", "A paralegal's PC shows a ransom note and files on the S: drive have a .lockbit extension. We pulled the network cable. Possible breach of client files."),
                             assigned=False, drop_category=False),
            self.open_ticket(at(1.5), c["harborview"], category=CATEGORY["Email Support"], priority="High",
                             text=("Outlook keeps prompting for password after MFA change", "Since the MFA change on Friday, Outlook on the trading floor keeps prompting for passwords. Three traders affected; they need email before market close."),
                             assigned=False, drop_category=False),
            self.open_ticket(at(2.2), c["costa-verde"], category=CATEGORY["VPN & Remote Access"], priority="Medium",
                             text=("La VPN se desconecta cada 10 minutos", "Los despachadores que trabajan desde casa pierden la VPN cada 10 minutos y CargoWise se cierra. Empezó el viernes."),
                             language="Spanish", assigned=False, drop_category=False),
            self.open_ticket(at(3.0), c["thames-hart"], category=CATEGORY["Cloud Infrastructure"], priority="Low",
                             text=("Plan migration of file shares to Azure Files", "We'd like to migrate the remaining shares on THC-FS01 to Azure Files before the lease on the server ends in February."),
                             assigned=False, drop_category=False),
            self.open_ticket(at(4.5), c["redwood-architects"], category=CATEGORY["Mac Support"], priority="Medium",
                             text=("Revit VM unreachable from studio Macs", "The studio Macs can't reach the Windows VM that runs Revit since the weekend. Parallels says network unavailable."),
                             assigned=False, drop_category=True),
            self.open_ticket(at(5.0), c["meridian-health"], category=CATEGORY["Printer Issues"], priority="High",
                             text=("Printer on 3rd floor jamming and showing offline", "The Ricoh IM C3000 at the Skokie clinic jams on every job and now shows offline. Front desk can't print intake forms for patients."),
                             onsite=True, assigned=False, drop_category=False),
            self.open_ticket(at(20), c["bellweather"], category=CATEGORY["New User Onboarding"], priority="Medium",
                             text=("New hire onboarding: create accounts for Maria Lopez starting Monday", "Maria Lopez joins donor services on Monday, Dec 1. Please create her account, mailbox, Bloomerang login and prepare a laptop."),
                             assigned=False, drop_category=True),
            self.open_ticket(at(26), c["grupo-solano"], category=CATEGORY["Password Reset"], priority="Low",
                             text=("Cuenta bloqueada en Sage 200", "No puedo entrar en Sage 200 ni en el correo, dice que mi cuenta está bloqueada."),
                             language="Spanish", assigned=False, drop_category=True),
            self.open_ticket(at(30), c["summit-outdoor"], category=CATEGORY["Accounting Software"], priority="High",
                             text=("QuickBooks payroll update error PS038", "Payroll won't send: error PS038 after the latest QuickBooks update. Payroll is due Tuesday."),
                             assigned="tech-hannah-kim", drop_category=False),
        ]

    def build(self, history: int, open_count: int) -> dict:
        hist = self.history(history, first_id=410000)
        last = int(hist[-1]["ticket_id"]) if hist else 410000
        tickets = self.open_tickets(open_count, first_id=last + 40)
        return {
            "settings": SETTINGS,
            "skills": self.skills(),
            "categories": self.categories(),
            "technicians": self.technicians(),
            "sla_policies": SLA_POLICIES,
            "companies": self.companies(),
            "rules": RULES,
            "tickets": [{k: v for k, v in t.items() if v is not None} for t in tickets],
            "history": hist,
        }


def stats(ws) -> dict:
    from collections import Counter

    by_tech = Counter(h.resolved_by for h in ws.history)
    return {
        **ws.counts(),
        "open_assigned": sum(1 for t in ws.tickets if t.assigned_to),
        "open_without_category": sum(1 for t in ws.tickets if t.category is None),
        "open_spanish": sum(1 for t in ws.tickets if t.language == "Spanish"),
        "open_onsite": sum(1 for t in ws.tickets if t.onsite),
        "open_priorities": dict(Counter(t.priority for t in ws.tickets)),
        "history_reopened_pct": round(100 * sum(h.reopened for h in ws.history) / max(1, len(ws.history)), 1),
        "history_met_sla_pct": round(100 * sum(bool(h.met_sla) for h in ws.history) / max(1, len(ws.history)), 1),
        "history_with_csat": sum(1 for h in ws.history if h.csat is not None),
        "history_resolvers": len(by_tech),
        "history_top_resolvers": by_tech.most_common(5),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--history", type=int, default=2600, help="closed tickets (default 2600)")
    parser.add_argument("--open", type=int, default=90, help="open tickets (default 90)")
    args = parser.parse_args(argv)

    doc = Desk(args.seed).build(args.history, args.open)
    ws = validate_workspace(doc)
    text = dump_document(doc)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(text.encode()) / 1e6:.2f} MB)")
    for key, value in stats(ws).items():
        print(f"  {key}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
