"""A generated year of MARAC referrals about victims, written down as agencies write them.

Each person has a true identity; each referral about her renders it with the variation seen
between agencies' systems and over time: a misspelt surname (a known variant or a typing
slip), a surname changed on marriage or separation (the old one sometimes given as an alias),
another form of the forename (Katherine, Kate, Kathy), no date of birth, the day and month
swapped or another slip in it, an address (postcode) that changes when she moves, a phone
number that changes, and now and then an NHS number. About 30% of referrals are repeats
(SafeLives: 28-40%), and some victims are relatives of another (same surname and district).
Names are drawn from a head of common names and a long tail of rarer ones, so that two
different women share a name about as often as they do in England: the common surnames take
19% of people with Smith at 1.26% (Zipf weights, exponent 0.7, as the census's counts fall
off), the rest have one of thousands of rarer surnames; a fifth of women have a forename
outside the common list.

The rates are this module's assumptions, stated once here, not measurements.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field
from datetime import date, timedelta
from uuid import UUID, uuid4

from domain.subjects import Subject

# Per referral about a known person (a re-referral), or per rendering of any referral.
REPEAT_SHARE = 0.30  # a new referral about a victim referred within 12 months
OLD_CASE_SHARE = 0.03  # ... about a victim last referred more than 12 months before
RELATIVE_SHARE = 0.04  # a new victim who is a relative of an earlier one
SURNAME_CHANGES = 0.06  # a new surname since her last referral
OLD_SURNAME_AS_ALIAS = 0.4  # the referrer records the old surname as an alias
SURNAME_MISSPELT = 0.07
FORENAME_OTHER_FORM = 0.12  # of names that have other forms
FORENAME_MISSPELT = 0.03
DOB_MISSING = 0.08
DOB_SWAPPED = 0.025  # day and month swapped (takes effect when both are 12 or less)
DOB_SLIP = 0.015  # another slip: a day or a year off by one
ADDRESS_GIVEN = 0.55
MOVES = 0.25  # a new postcode district since her last referral
PHONE_GIVEN = 0.5
PHONE_CHANGES = 0.35
NHS_NUMBER_GIVEN = 0.15
MALE = 0.064  # SafeLives: 6.4% of victims are male

# (name, weight, other forms): other forms as people are commonly called.
FEMALE_FORENAMES: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    ("Sarah", 40, ()), ("Emma", 36, ()), ("Laura", 30, ()), ("Rebecca", 26, ("Becky", "Becca")),
    ("Gemma", 24, ("Jemma",)), ("Claire", 24, ("Clare",)), ("Nicola", 24, ("Nicky", "Nikki")),
    ("Samantha", 22, ("Sam", "Sammy")), ("Hannah", 20, ()), ("Amy", 20, ("Aimee",)),
    ("Katherine", 14, ("Kate", "Kathy", "Katie")), ("Catherine", 12, ("Cathy", "Kate", "Cath")),
    ("Jennifer", 16, ("Jenny", "Jen")), ("Elizabeth", 12, ("Liz", "Beth", "Lizzie")),
    ("Victoria", 18, ("Vicky", "Vikki")), ("Stephanie", 14, ("Steph",)),
    ("Charlotte", 18, ("Charlie", "Lottie")), ("Jessica", 16, ("Jess",)), ("Lisa", 20, ()),
    ("Michelle", 20, ()), ("Rachel", 20, ("Rachael",)), ("Kelly", 20, ()), ("Donna", 14, ()),
    ("Joanne", 18, ("Jo", "Joanna")), ("Susan", 12, ("Sue", "Susie")),
    ("Deborah", 10, ("Debbie", "Debra")), ("Amanda", 12, ("Mandy",)),
    ("Tracey", 12, ("Tracy",)), ("Karen", 12, ()), ("Julie", 12, ()), ("Helen", 14, ()),
    ("Louise", 16, ("Lou",)), ("Natalie", 16, ("Nat",)), ("Danielle", 16, ("Dani",)),
    ("Jade", 18, ()), ("Chloe", 18, ()), ("Lauren", 18, ()), ("Sophie", 16, ()),
    ("Megan", 14, ("Meg",)), ("Zoe", 12, ("Zoey",)), ("Kerry", 12, ("Kerrie",)),
    ("Leanne", 14, ("Leann",)), ("Stacey", 14, ("Stacy",)), ("Kirsty", 12, ("Kirstie",)),
    ("Lucy", 14, ()), ("Natasha", 12, ("Tasha",)), ("Melissa", 10, ("Mel",)),
    ("Jacqueline", 8, ("Jackie",)), ("Christine", 8, ("Chris",)),
    ("Margaret", 5, ("Maggie",)), ("Patricia", 5, ("Pat", "Trish")),
    ("Alexandra", 8, ("Alex",)), ("Abigail", 10, ("Abi", "Abbie")), ("Aisha", 6, ("Ayesha",)),
    ("Fatima", 6, ()), ("Priya", 4, ()), ("Sadia", 3, ()), ("Nasreen", 3, ()),
    ("Agnieszka", 3, ()), ("Katarzyna", 3, ("Kasia",)), ("Anna", 8, ("Ann", "Anne")),
    ("Maria", 6, ()), ("Ewa", 2, ()), ("Shanice", 4, ()), ("Chantelle", 5, ()),
    ("Kayleigh", 8, ("Kayley",)), ("Jodie", 10, ("Jody",)), ("Hayley", 10, ("Haley",)),
    ("Emily", 14, ("Em",)), ("Georgia", 8, ("Georgie",)), ("Holly", 10, ()),
    ("Ellie", 8, ()), ("Courtney", 8, ()), ("Bethany", 8, ("Beth",)), ("Amber", 8, ()),
    ("Paige", 8, ()), ("Shannon", 8, ()), ("Toni", 4, ("Antonia",)), ("Carly", 6, ()),
)
MALE_FORENAMES: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    ("James", 10, ("Jim", "Jamie")), ("David", 10, ("Dave",)), ("Michael", 10, ("Mike",)),
    ("Daniel", 10, ("Dan", "Danny")), ("Christopher", 8, ("Chris",)),
    ("Mohammed", 6, ("Muhammad",)), ("Robert", 6, ("Rob", "Bob")), ("Paul", 6, ()),
    ("Mark", 6, ()), ("Andrew", 6, ("Andy",)), ("Thomas", 6, ("Tom",)), ("Lee", 4, ()),
)
RARER_FORENAMES = (
    "Adele", "Alison", "Andrea", "Angela", "Anita", "Annette", "Barbara", "Bernadette", "Bridget",
    "Carla", "Carol", "Caroline", "Cheryl", "Colette", "Dawn", "Denise", "Diane", "Dionne",
    "Eleanor", "Elaine", "Eva", "Fiona", "Frances", "Gillian", "Gloria", "Grace", "Hazel",
    "Heather", "Imogen", "Irene", "Jasmine", "Jean", "Josie", "Joy", "Judith", "Kim", "Kristina",
    "Leah", "Lindsay", "Lorraine", "Lydia", "Mia", "Marie", "Martina", "Mary", "Maxine", "Miriam",
    "Molly", "Nadia", "Naomi", "Nina", "Olivia", "Paula", "Pauline", "Philippa", "Rosie", "Ruth",
    "Sally", "Sandra", "Selina", "Sharon", "Sheila", "Sinead", "Siobhan", "Sonia", "Tamsin",
    "Tanya", "Teresa", "Tina", "Valerie", "Wendy", "Yasmin", "Yvonne", "Zara", "Zainab", "Shabana",
    "Roksana", "Ioana", "Daria", "Oksana", "Monika", "Justyna", "Simone", "Jolene", "Lacey", "Tia",
    "Kiera", "Demi", "Leila", "Rhiannon", "Ffion", "Bronwen",
)
COMMON_SURNAMES = (
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas",
    "Johnson", "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes",
    "Green", "Hall", "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin",
    "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark", "Lee", "King", "Baker", "Harrison",
    "Morgan", "Allen", "James", "Scott", "Phillips", "Watson", "Davis", "Parker", "Price",
    "Bennett", "Young", "Griffiths", "Mitchell", "Kelly", "Cook", "Carter", "Richardson", "Bailey",
    "Collins", "Bell", "Shaw", "Murphy", "Miller", "Cox", "Richards", "Khan", "Marshall",
    "Anderson", "Simpson", "Ellis", "Adams", "Singh", "Begum", "Wilkinson", "Foster", "Chapman",
    "Powell", "Webb", "Rogers", "Gray", "Mason", "Ali", "Hunt", "Hussain", "Campbell", "Matthews",
    "Owen", "Palmer", "Holmes", "Mills", "Barnes", "Knight", "Lloyd", "Butler", "Russell",
    "Barker", "Fisher", "Stevens", "Jenkins", "Murray", "Dixon", "Harvey", "Graham", "Pearson",
    "Ahmed", "Fletcher", "Walsh", "Kaur", "Gibson", "Howard", "Andrews", "Stewart", "Elliott",
    "Reynolds", "Saunders", "Payne", "Fox", "Ford", "Pearce", "Day", "Brooks", "West", "Lawrence",
    "Cole", "Atkinson", "Bradley", "Spencer", "Gill", "Dawson", "Ball", "Burton", "O'Brien",
    "Watts", "Rose", "Booth", "Perry", "Ryan", "Grant", "Wells", "Armstrong", "Francis", "Rees",
    "Hayes", "Hart", "Hudson", "Newman", "Barrett", "Webster", "Hunter", "Gregory", "Carr", "Lowe",
    "Page", "Marsh", "Riley", "Dunn", "Woods", "Parsons", "Berry", "Stone", "Reid", "Holland",
    "Hawkins", "Harding", "Porter", "Robertson", "Newton", "Oliver", "Reed", "Kennedy",
    "Williamson", "Bird", "Gardner", "Shah", "Dean", "Lane", "Cooke", "Bates", "Henderson",
    "Parry", "Burgess", "Bishop", "Walton", "Burns", "Nicholson", "Shepherd", "Ross", "Cross",
    "Long", "Freeman", "Warren", "Nicholls", "Hamilton", "Byrne", "Sutton", "McDonald", "Yates",
    "Hodgson", "Robson", "Curtis", "Hopkins", "O'Connor", "Harper", "Coleman", "Watkins", "Moss",
    "McCarthy", "Chambers", "O'Neill", "Griffin", "Sharp", "Hardy", "Wheeler", "Potter", "Osborne",
    "Johnston", "Gordon", "Doyle", "Wallace", "George", "Jordan", "Hutchinson", "Nowak",
    "Kowalska", "Mensah", "Okafor", "Stephenson", "Hewitt", "Browne", "Mohammed", "Allan",
)
# Spellings one agency's system has and another's has not.
SURNAME_VARIANTS = (
    ("Thompson", "Thomson"), ("Smith", "Smyth"), ("Clarke", "Clark"), ("Davies", "Davis"),
    ("Reid", "Reed", "Read"), ("Stephenson", "Stevenson"), ("Phillips", "Philips"),
    ("Matthews", "Mathews"), ("Gray", "Grey"), ("McDonald", "Macdonald", "MacDonald"),
    ("Mohammed", "Muhammad", "Mohammad"), ("Khan", "Kahn"), ("Hussain", "Husain", "Hussein"),
    ("Begum", "Begam"), ("Johnston", "Johnstone"), ("Nicholls", "Nichols"), ("Walsh", "Welsh"),
    ("O'Brien", "OBrien", "O Brien"), ("Ahmed", "Ahmad"), ("Cooke", "Cook"), ("Browne", "Brown"),
    ("Hewitt", "Hewett"), ("Allen", "Allan"), ("Nowak", "Novak"), ("Kowalska", "Kowalski"),
    ("O'Neill", "O'Neil"), ("O'Connor", "Oconnor"), ("Lloyd", "Loyd"), ("Kaur", "Kour"),
)
_TAIL_FIRST = ("Ash", "Brad", "Clay", "Dun", "El", "Fair", "Gold", "Hal", "Hol", "Kin", "Lang",
               "Mar", "New", "Oak", "Pen", "Rad", "Sand", "Thorn", "Wal", "Whit", "Win", "Brom",
               "Cal", "Har", "Mel", "Shel", "Star", "Stan", "Tre", "Wen", "Bur", "Cres", "Fen",
               "Lid", "Mor", "Ren", "Sel", "Tat", "Ul", "Wick")
_TAIL_MIDDLE = ("", "", "", "e", "s", "ing", "er", "den", "ton", "wor", "ber", "sel")
_TAIL_LAST = ("worth", "combe", "ford", "ley", "ton", "field", "wood", "by", "ham", "stone",
              "well", "dale", "more", "bury", "cott", "wick", "brook", "hurst", "shaw", "sey",
              "ridge", "den", "low", "ster", "ing", "croft", "gate", "land", "man", "ell")
DISTRICTS = tuple([f"ME{n}" for n in range(1, 21)] + [f"CT{n}" for n in range(1, 22)]
                  + [f"TN{n}" for n in range(1, 40)] + [f"DA{n}" for n in range(1, 18)])
# Ages of victims at referral (SafeLives' bands, as shares).
AGE_BANDS = ((16, 17, 1.3), (18, 24, 20), (25, 34, 33), (35, 44, 24), (45, 54, 13.4),
             (55, 80, 8.3))
# A slip of the finger: the key to the right (the left at a row's end).
_KEYBOARD = {row[i]: row[i + 1] if i + 1 < len(row) else row[i - 1]
             for row in ("qwertyuiop", "asdfghjkl", "zxcvbnm") for i in range(len(row))}


@dataclass
class Person:
    person_id: int
    forename: str
    forms: tuple[str, ...]
    surname: str
    dob: date
    district: str
    phone: str
    nhs_number: str
    old_surnames: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Rendering:
    """One referral's victim as written, and how it was varied from her true identity."""

    subject: Subject
    variations: frozenset[str]


@dataclass(frozen=True)
class GeneratedReferral:
    case_id: UUID
    person_id: int
    referred_on: date
    subject: Subject
    variations: frozenset[str]


class Year:
    """Referrals over `days`, in the order referred, about persons with true identities."""

    def __init__(self, seed: int, per_year: int, days: int, start: date,
                 names: str = "census") -> None:
        """`names`: "census", names as common as in England; "narrow", a stress case where
        they are far more alike (common surnames for 60% of people, Smith at 7%, few rare
        names, no rarer forenames), as in a small community or a poorly spread generator."""
        self.random = random.Random(seed)  # makes people up, not secrets
        self.narrow = names == "narrow"
        self.per_year = per_year
        self.days = days
        self.start = start
        self.persons: list[Person] = []
        self.referrals: list[GeneratedReferral] = []
        self._last: dict[int, date] = {}
        female_names, female_weights = zip(*((n, w) for n, w, _ in FEMALE_FORENAMES),
                                           strict=True)
        self._female = (female_names, female_weights)
        self._forms = {n: f for n, _, f in (*FEMALE_FORENAMES, *MALE_FORENAMES)}
        exponent = 0.9 if self.narrow else 0.7
        self._surname_weights = [1 / (rank + 1) ** exponent
                                 for rank in range(len(COMMON_SURNAMES))]

    # People ---------------------------------------------------------------------------------

    def _forename(self) -> str:
        rnd = self.random
        if rnd.random() < MALE:
            names, weights = zip(*((n, w) for n, w, _ in MALE_FORENAMES), strict=True)
            return str(rnd.choices(names, weights)[0])
        if not self.narrow and rnd.random() < 0.2:
            return rnd.choice(RARER_FORENAMES)
        return str(rnd.choices(*self._female)[0])

    def _surname(self) -> str:
        rnd = self.random
        if rnd.random() < (0.6 if self.narrow else 0.19):
            return rnd.choices(COMMON_SURNAMES, self._surname_weights)[0]
        middle = "" if self.narrow else rnd.choice(_TAIL_MIDDLE)
        return rnd.choice(_TAIL_FIRST) + middle + rnd.choice(_TAIL_LAST)

    def _dob(self, on: date) -> date:
        rnd = self.random
        low, high, _ = rnd.choices(AGE_BANDS, [b[2] for b in AGE_BANDS])[0]
        age_days = rnd.randint(low * 365 + 1, high * 365 + 364)
        return on - timedelta(days=age_days)

    def _phone(self) -> str:
        return "07" + "".join(self.random.choices(string.digits, k=9))

    def _new_person(self, on: date) -> Person:
        rnd = self.random
        forename = self._forename()
        relative = self.persons and rnd.random() < RELATIVE_SHARE
        if relative:
            kin = rnd.choice(self.persons)
            surname, district = kin.surname, kin.district
        else:
            surname, district = self._surname(), rnd.choice(DISTRICTS)
        person = Person(len(self.persons), forename, self._forms.get(forename, ()), surname,
                        self._dob(on), district, self._phone(),
                        "".join(rnd.choices(string.digits, k=10)))
        self.persons.append(person)
        return person

    def _life_events(self, person: Person) -> set[str]:
        rnd, events = self.random, set()
        if rnd.random() < SURNAME_CHANGES:
            person.old_surnames.append(person.surname)
            person.surname = self._surname()
            events.add("surname_changed")
        if rnd.random() < MOVES:
            person.district = rnd.choice(DISTRICTS)
        if rnd.random() < PHONE_CHANGES:
            person.phone = self._phone()
        return events

    # Writing a person down ------------------------------------------------------------------

    def _misspell(self, name: str, variants: tuple[tuple[str, ...], ...]) -> str:
        rnd = self.random
        family = next((f for f in variants if name in f), None)
        if family is not None and rnd.random() < 0.7:
            return rnd.choice([v for v in family if v != name])
        letters = list(name)
        i = rnd.randrange(1, len(letters)) if len(letters) > 1 else 0
        slip = rnd.choice(("key", "drop", "double", "swap"))
        if slip == "key" and letters[i].lower() in _KEYBOARD:
            letters[i] = _KEYBOARD[letters[i].lower()]
        elif slip == "drop" and len(letters) > 3:
            del letters[i]
        elif slip == "double":
            letters.insert(i, letters[i])
        elif i + 1 < len(letters):
            letters[i], letters[i + 1] = letters[i + 1], letters[i]
        return "".join(letters)

    def _render(self, person: Person) -> Rendering:
        rnd, varied = self.random, set()
        forename = person.forename
        if person.forms and rnd.random() < FORENAME_OTHER_FORM:
            forename = rnd.choice(person.forms)
            varied.add("forename_other_form")
        elif rnd.random() < FORENAME_MISSPELT:
            forename = self._misspell(forename, ())
            varied.add("forename_misspelt")
        surname = person.surname
        if rnd.random() < SURNAME_MISSPELT:
            surname = self._misspell(surname, SURNAME_VARIANTS)
            varied.add("surname_misspelt")
        aliases: tuple[str, ...] = ()
        if person.old_surnames and rnd.random() < OLD_SURNAME_AS_ALIAS:
            aliases = (f"{forename} {person.old_surnames[-1]}",)
        dob: date | None = person.dob
        roll = rnd.random()
        if roll < DOB_MISSING:
            dob = None
            varied.add("dob_missing")
        elif roll < DOB_MISSING + DOB_SWAPPED and person.dob.day <= 12:
            dob = replace_day_month(person.dob)
            varied.add("dob_swapped")
        elif roll < DOB_MISSING + DOB_SWAPPED + DOB_SLIP:
            dob = person.dob + timedelta(days=rnd.choice((-1, 1, -365, 365)))
            varied.add("dob_slip")
        letters = "ABDEFGHJLNPQRSTUWXYZ"  # a postcode's inward code, after the district
        address = (f"{rnd.randint(1, 200)} Any Street, {person.district} {rnd.randint(1, 9)}"
                   f"{rnd.choice(letters)}{rnd.choice(letters)}") if (
            rnd.random() < ADDRESS_GIVEN) else None
        phone = f"mobile {person.phone[:5]} {person.phone[5:]}, text first" if (
            rnd.random() < PHONE_GIVEN) else "via the IDVA only"
        references = (f"NHS {person.nhs_number}",) if rnd.random() < NHS_NUMBER_GIVEN else ()
        subject = Subject(uuid4(), "victim", forename, surname, aliases=aliases,
                          date_of_birth=dob, address=address, safe_contact=phone,
                          references=references)
        return Rendering(subject, frozenset(varied))

    # The year ---------------------------------------------------------------------------------

    def generate(self) -> list[GeneratedReferral]:
        rnd = self.random
        total = round(self.per_year * self.days / 365)
        dates = sorted(self.start + timedelta(days=rnd.randrange(self.days))
                       for _ in range(total))
        for on in dates:
            recent = [p for p, last in self._last.items() if (on - last).days <= 365]
            older = [p for p, last in self._last.items() if (on - last).days > 365]
            roll, events = rnd.random(), set()
            if recent and roll < REPEAT_SHARE:
                person = self.persons[rnd.choice(recent)]
                events = self._life_events(person)
            elif older and roll < REPEAT_SHARE + OLD_CASE_SHARE:
                person = self.persons[rnd.choice(older)]
                events = self._life_events(person)
            else:
                person = self._new_person(on)
            written = self._render(person)
            self.referrals.append(GeneratedReferral(uuid4(), person.person_id, on,
                                                    written.subject,
                                                    written.variations | events))
            self._last[person.person_id] = on
        return self.referrals


def replace_day_month(day: date) -> date:
    return day.replace(day=day.month, month=day.day)
