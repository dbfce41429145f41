"""The demo borough's vocabulary: its names, places, words and the shapes of its care packages.

Constants only (and the small frozen types that describe them): who signs in, which providers and zones
exist, what people say they want from their care, the visit patterns packages are built from, and the
showcase cases every borough starts with. Changing anything here changes the data a seed produces.
"""

from __future__ import annotations

from dataclasses import dataclass

from homecare.accounts.models import Role
from homecare.people import rules
from homecare.people.models import CareModel, CareType, Funding, PackageStatus, PersonalCareTask
from homecare.providers.models import AreaType

DEFAULT_SEED = 2026
DEFAULT_PEOPLE = 300
DEMO_PASSWORD = "demo-password-2026"
# The demo sign-ins' shared authenticator key (synthetic data only; never used outside the demo).
DEMO_TOTP_KEY_HEX = "4f70656e486f6d65636172652d64656d6f2d32303236"  # "OpenHomecare-demo-2026"
BATCH_SIZE = 2000
# People are generated and written this many at a time; fixed so the random stream never depends on it.
CHUNK_PEOPLE = 2000
MAX_PEOPLE = 500_000  # case references are ASC + 6 digits

COUNCIL_NAME = "Northbridge Borough Council"
ICB_NAME = "NHS Northbridge Integrated Care Board"
CENTRE_LATITUDE = 52.95
CENTRE_LONGITUDE = -1.15

PRACTITIONER_USERNAME = "practitioner"
BROKER_USERNAME = "broker"
COMMISSIONER_USERNAME = "commissioner"
FINANCE_USERNAME = "finance"
SAFEGUARDING_USERNAME = "safeguarding"
ANALYST_USERNAME = "analyst"
NHS_USERNAME = "nhs"
PROVIDER_USERNAME = "provider"
CARER_USERNAME = "carer"
ADMIN_USERNAME = "admin"
PROVIDER2_USERNAME = "provider2"


@dataclass(frozen=True)
class DemoSignIn:
    username: str
    role: str
    organisation: str  # "council" | "icb" | "provider" (the first provider) | "provider2"
    first_name: str
    last_name: str
    job_title: str


DEMO_SIGN_INS: tuple[DemoSignIn, ...] = (
    DemoSignIn(PRACTITIONER_USERNAME, Role.PRACTITIONER, "council", "Priya", "Shah", "Social worker"),
    DemoSignIn(BROKER_USERNAME, Role.BROKER, "council", "Ben", "Okafor", "Care broker"),
    DemoSignIn(
        COMMISSIONER_USERNAME, Role.COMMISSIONER, "council", "Claire", "Whitmore", "Commissioning manager"
    ),
    DemoSignIn(FINANCE_USERNAME, Role.FINANCE_OFFICER, "council", "Farah", "Hussain", "Finance officer"),
    DemoSignIn(
        SAFEGUARDING_USERNAME, Role.SAFEGUARDING_LEAD, "council", "Sam", "Gallagher", "Principal manager"
    ),
    DemoSignIn(ANALYST_USERNAME, Role.ANALYST, "council", "Aled", "Morgan", "Performance analyst"),
    DemoSignIn(NHS_USERNAME, Role.NHS_PARTNER_OFFICER, "icb", "Nadia", "Kowalski", "CHC nurse assessor"),
    DemoSignIn(PROVIDER_USERNAME, Role.PROVIDER_MANAGER, "provider", "Paula", "Reeves", "Registered manager"),
    DemoSignIn(CARER_USERNAME, Role.CARE_WORKER, "provider", "Carl", "Bennett", "Care worker"),
    DemoSignIn(ADMIN_USERNAME, Role.ADMINISTRATOR, "council", "Adam", "Fletcher", "System administrator"),
    DemoSignIn(
        PROVIDER2_USERNAME, Role.PROVIDER_MANAGER, "provider2", "Grace", "Adeyemi", "Registered manager"
    ),
)
DEMO_USERNAMES: tuple[str, ...] = tuple(s.username for s in DEMO_SIGN_INS)

# The first provider is where the `provider` and `carer` sign-ins work; it covers every zone.
PROVIDER_NAMES: tuple[str, ...] = (
    "Ashdown Homecare Ltd",
    "Bluebell Home Support",
    "Caring Hands Northbridge Ltd",
    "Dalesway Care at Home",
    "Evergreen Community Care CIC",
    "Foxglove Domiciliary Services",
    "Hearth and Home Support Services",
    "Kindred Homecare",
    "Meadowview Home Care Ltd",
    "Oakleaf Home Support",
    "Riverside Domiciliary Care",
    "Silverbirch Care Services",
    "Trentside Live-in and Homecare",
    "Willowbrook Care at Home",
)


@dataclass(frozen=True)
class ZoneSpec:
    code: str
    name: str
    area_type: str
    districts: tuple[str, ...]  # postcode districts (outward codes)
    towns: tuple[str, ...]
    offset: tuple[float, float]  # degrees from the borough centre
    jitter: float
    weight: int  # share of the borough's people


ZONES: tuple[ZoneSpec, ...] = (
    ZoneSpec(
        "NBC",
        "Northbridge Central",
        AreaType.URBAN,
        ("NG1", "NG2", "NG3"),
        ("Northbridge",),
        (0.0, 0.0),
        0.012,
        22,
    ),
    ZoneSpec(
        "RIV",
        "Riverside",
        AreaType.URBAN,
        ("NG7", "NG9"),
        ("Northbridge", "Beeston Wharf"),
        (-0.02, -0.05),
        0.015,
        17,
    ),
    ZoneSpec(
        "EAS",
        "Eastfield",
        AreaType.URBAN,
        ("NG4", "NG5"),
        ("Northbridge", "Carlton Hill"),
        (0.01, 0.05),
        0.015,
        16,
    ),
    ZoneSpec(
        "HIL",
        "Hillcrest",
        AreaType.URBAN,
        ("NG6", "NG8"),
        ("Northbridge", "Bulwell Green"),
        (0.05, -0.02),
        0.015,
        15,
    ),
    ZoneSpec(
        "MVL",
        "Marsh Vale",
        AreaType.RURAL,
        ("NG13", "NG23"),
        ("Marsh Vale", "Bottesby", "Kelham Cross"),
        (-0.10, 0.14),
        0.04,
        11,
    ),
    ZoneSpec(
        "UDA",
        "Upper Dale",
        AreaType.RURAL,
        ("NG14", "NG25"),
        ("Upper Dale", "Thurgate", "Epperley"),
        (0.13, 0.09),
        0.04,
        10,
    ),
    ZoneSpec(
        "OAK",
        "Oakworth and Villages",
        AreaType.RURAL,
        ("NG11", "NG12"),
        ("Oakworth", "Ruddington Parva"),
        (-0.11, -0.10),
        0.04,
        9,
    ),
)

LANGUAGES = (
    ("Polish", 14),
    ("Urdu", 12),
    ("Punjabi", 10),
    ("Bengali", 6),
    ("Gujarati", 6),
    ("Romanian", 5),
    ("Arabic", 5),
    ("Somali", 4),
    ("Cantonese", 3),
    ("British Sign Language", 5),
    ("Welsh", 2),
)
COMMUNICATION_NEEDS = (
    "Hard of hearing: face her and speak clearly; hearing aids are on the kitchen table",
    "Has dementia: short, simple choices work best; likes to be called by her first name",
    "Partially sighted: say who you are when you come in and leave things where they belong",
    "Aphasia after a stroke: give time to answer and use yes/no questions",
    "Prefers written notes as well as speaking",
)
ACCESS_NOTES = (
    "Key safe by the front door; the code is on the care plan in the office",
    "Key safe on the side gate. Please lock the back door when leaving",
    "Ring the bell and wait: he is slow to the door but likes to answer it himself",
    "Daughter lets carers in on weekdays; key safe by the garage at weekends",
    "Key safe to the left of the porch. Dog is friendly but keep the gate shut",
    "Warden-controlled flat: buzz flat number, then key safe in the lobby",
    "Back door only (front door sticks). Key safe under the meter box",
)
RELATIONSHIPS = (
    "Daughter",
    "Son",
    "Wife",
    "Husband",
    "Niece",
    "Nephew",
    "Granddaughter",
    "Neighbour",
    "Friend",
)
FEMALE_RELATIONSHIPS = frozenset({"Daughter", "Wife", "Niece", "Granddaughter"})
MALE_RELATIONSHIPS = frozenset({"Son", "Husband", "Nephew"})
NICKNAMES = {
    "Margaret": "Peggy",
    "Elizabeth": "Betty",
    "Patricia": "Pat",
    "Kathleen": "Kath",
    "Susan": "Sue",
    "William": "Bill",
    "Robert": "Bob",
    "Richard": "Dick",
    "Edward": "Ted",
    "Anthony": "Tony",
    "Christopher": "Chris",
    "Michael": "Mick",
    "Josephine": "Jo",
    "Deborah": "Debbie",
}
OUTCOMES = (
    "I want to get up and dressed in time to have breakfast with my husband",
    "I want to stay in my own home with my cat",
    "I want to keep going to the day centre on Thursdays",
    "I want to have a proper wash every morning so I feel like myself",
    "I want to take my tablets at the right time without my daughter having to ring",
    "I want to feel safe getting in and out of bed",
    "I want to eat a hot meal every day and choose what it is",
    "I want to get to church on Sunday mornings",
    "I want to manage my own money and shopping with a bit of help",
    "I want to get back to walking to the corner shop after my fall",
    "I want my wife to get some sleep at night",
    "I want to go to bed when I choose, not at seven o'clock",
    "I want to keep my garden tidy and sit out in it when it is warm",
    "I want to see my grandchildren at weekends without being too tired",
    "I want to stay continent and not have to worry about accidents when I go out",
    "I want my skin to stay healthy so I do not get sores again",
    "I want someone to chat to in the morning so I am not lonely",
    "I want to look after my own personal care as much as I can",
)
WHAT_MATTERS = (
    "Family nearby; proud of her independence; loves the radio and crosswords",
    "Lived in the same house for fifty years; wants to stay there; football on Saturdays",
    "Close to his daughter who visits twice a week; former bus driver; enjoys a chat",
    "Her faith and her church friends; cooking traditional food; her garden",
    "Routine matters: the same carers and the same times if at all possible",
)
STRENGTHS = (
    "Can feed herself and make hot drinks; son does the shopping",
    "Mobile with a frame indoors; neighbour checks in every evening",
    "Manages his own medication from a blister pack; daughter handles bills",
    "Strong family network; attends a lunch club on Wednesdays",
    "Telecare pendant in place; able to transfer with one carer when rested",
)
CHANGE_REASONS = (
    "Reassessment after a fall: longer morning call",
    "Temporary increase made permanent after review",
    "CHC checklist positive: moved to joint funding",
    "Person asked for a later bedtime call",
)
HOLD_REASONS = ("Admitted to hospital", "Respite stay in a care home", "Staying with family for two weeks")
END_REASONS = (
    "Moved to residential care",
    "No longer needs care after reablement",
    "Person died",
    "Moved out of the borough",
    "Chose to arrange care privately",
)

T = PersonalCareTask
TASK_VALUES: tuple[str, ...] = tuple(PersonalCareTask.values)
_MORNING = [T.GETTING_UP_GOING_TO_BED, T.WASHING, T.DRESSING, T.ORAL_HYGIENE, T.MEDICATION]
_LUNCH = [T.EATING_DRINKING, T.MEDICATION]
_TEA = [T.EATING_DRINKING, T.PROMPTING]
_BED = [T.GETTING_UP_GOING_TO_BED, T.CONTINENCE, T.MEDICATION]

# (days, "HH:MM", minutes, carers, care type, tasks): realistic visit patterns.
EVERY_DAY = rules.days_mask(range(7))
WEEKDAYS = rules.days_mask(range(5))
MON_WED_FRI = rules.days_mask([0, 2, 4])
VISIT_PATTERNS: dict[str, list[tuple[int, str, int, int, str, list[str]]]] = {
    "four_calls_double": [
        (EVERY_DAY, "07:30", 45, 2, CareType.DAY, [*_MORNING, T.MOVING_HANDLING]),
        (EVERY_DAY, "12:30", 30, 1, CareType.DAY, _LUNCH),
        (EVERY_DAY, "17:00", 30, 1, CareType.DAY, _TEA),
        (EVERY_DAY, "21:00", 30, 2, CareType.DAY, [*_BED, T.MOVING_HANDLING]),
    ],
    "four_calls": [
        (EVERY_DAY, "08:00", 45, 1, CareType.DAY, _MORNING),
        (EVERY_DAY, "12:30", 30, 1, CareType.DAY, _LUNCH),
        (EVERY_DAY, "17:00", 30, 1, CareType.DAY, _TEA),
        (EVERY_DAY, "20:30", 30, 1, CareType.DAY, _BED),
    ],
    "three_calls": [
        (EVERY_DAY, "08:00", 45, 1, CareType.DAY, _MORNING),
        (EVERY_DAY, "12:30", 30, 1, CareType.DAY, _LUNCH),
        (EVERY_DAY, "18:00", 30, 1, CareType.DAY, [*_TEA, T.MEDICATION]),
    ],
    "two_calls": [
        (EVERY_DAY, "08:30", 30, 1, CareType.DAY, _MORNING),
        (EVERY_DAY, "19:00", 30, 1, CareType.DAY, _BED),
    ],
    "morning_and_meds": [
        (EVERY_DAY, "08:00", 30, 1, CareType.DAY, _MORNING),
        (EVERY_DAY, "13:00", 15, 1, CareType.DAY, [T.MEDICATION]),
    ],
    "shower_days": [
        (MON_WED_FRI, "10:00", 60, 1, CareType.DAY, [T.WASHING, T.SKIN_HAIR_NAILS, T.DRESSING]),
        (WEEKDAYS, "12:00", 30, 1, CareType.DAY, _LUNCH),
    ],
    "waking_night": [
        (EVERY_DAY, "07:30", 45, 2, CareType.DAY, [*_MORNING, T.MOVING_HANDLING]),
        (EVERY_DAY, "12:30", 30, 1, CareType.DAY, _LUNCH),
        (EVERY_DAY, "17:00", 30, 1, CareType.DAY, _TEA),
        (EVERY_DAY, "21:00", 600, 1, CareType.WAKING_NIGHT, [T.CONTINENCE, T.MOVING_HANDLING, T.PROMPTING]),
    ],
    "sleep_in": [
        (EVERY_DAY, "08:00", 45, 1, CareType.DAY, _MORNING),
        (EVERY_DAY, "17:30", 30, 1, CareType.DAY, _TEA),
        (EVERY_DAY, "22:00", 540, 1, CareType.SLEEP_IN, [T.PROMPTING]),
    ],
}
PATTERN_WEIGHTS = (
    ("two_calls", 24),
    ("three_calls", 20),
    ("four_calls", 18),
    ("morning_and_meds", 12),
    ("four_calls_double", 12),
    ("shower_days", 8),
    ("waking_night", 3),
    ("sleep_in", 3),
)
WEEKLY_BUDGETS = ("7", "10.5", "14", "17.5", "21", "28")
JOINT_SPLITS = (("60", "40"), ("50", "50"), ("70", "30"))


@dataclass(frozen=True)
class PackagePlan:
    """What to make for one person (decided up front so showcase cases can be forced)."""

    plan_status: str | None  # None: no support plan yet
    package_status: str | None  # None: no package
    funding: str = Funding.COUNCIL
    care_model: str = CareModel.TIME_AND_TASK
    pattern: str = "two_calls"
    hospital_discharge: bool = False
    second_version: bool = False
    provider_index: int | None = None  # force a provider (index into PROVIDER_NAMES)


# The first people always include every combination a demo or a test needs, whatever the size.
SHOWCASE: tuple[PackagePlan, ...] = (
    PackagePlan(
        "completed",
        PackageStatus.ACTIVE,
        Funding.COUNCIL,
        pattern="four_calls_double",
        provider_index=0,
        second_version=True,
    ),
    PackagePlan("completed", PackageStatus.ACTIVE, Funding.NHS_CHC, pattern="waking_night", provider_index=0),
    PackagePlan("completed", PackageStatus.ACTIVE, Funding.JOINT, pattern="four_calls", provider_index=0),
    PackagePlan(
        "completed", PackageStatus.ACTIVE, Funding.DIRECT_PAYMENT, CareModel.BUDGET_OF_HOURS, provider_index=0
    ),
    PackagePlan(
        "completed", PackageStatus.ACTIVE, Funding.SELF_FUNDER, pattern="two_calls", provider_index=0
    ),
    PackagePlan("completed", PackageStatus.ACTIVE, Funding.COUNCIL, pattern="sleep_in", provider_index=1),
    PackagePlan(
        "completed", PackageStatus.ACTIVE, Funding.COUNCIL, CareModel.BUDGET_OF_HOURS, provider_index=1
    ),
    PackagePlan(
        "completed",
        PackageStatus.AWAITING_PROVIDER,
        Funding.COUNCIL,
        pattern="three_calls",
        hospital_discharge=True,
    ),
    PackagePlan("completed", PackageStatus.AWAITING_PROVIDER, Funding.JOINT, CareModel.BUDGET_OF_HOURS),
    PackagePlan("completed", PackageStatus.AWAITING_PROVIDER, Funding.NHS_CHC, pattern="four_calls_double"),
    PackagePlan("completed", PackageStatus.ON_HOLD, Funding.COUNCIL, pattern="two_calls", provider_index=0),
    PackagePlan("completed", PackageStatus.ENDED, Funding.COUNCIL, pattern="three_calls", provider_index=2),
    PackagePlan("completed", PackageStatus.DRAFT, Funding.COUNCIL, pattern="morning_and_meds"),
    PackagePlan("draft", PackageStatus.DRAFT, Funding.DIRECT_PAYMENT, CareModel.BUDGET_OF_HOURS),
    PackagePlan("draft", None),
    PackagePlan(None, None),
)
