"""Plausible text and numbers for a property, chosen by its name: a `city` gets a city, an `email` an address.

The word tables live here, apart from the schema logic, so the generated values can be made more realistic
without reading (or risking) the code that keeps them valid.
"""

from __future__ import annotations

import base64
import random
import re
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, Protocol

_WORD = re.compile(r"[^\W_]+")


class Context(Protocol):
    """What the value makers use of the generator: its rng, the person last named, its text and hint matching."""

    rng: random.Random
    person: str

    def text(self, key: str) -> str: ...

    def hinted(self, options: list | tuple) -> list | tuple: ...


def text(g: Context, key: str) -> str:
    """Words for the property `key`: from its category's table, a number if it names one, else '<Adjective> key'."""
    found = category(key)
    if found is None and (span := number_range(key)):  # "price" as a string is still a number
        low, high, places = span
        return str(round(g.rng.uniform(low, high), places) if places else g.rng.randint(low, high))
    if found is None:
        return f"{g.rng.choice(ADJECTIVES)} {' '.join(t for t in _tokens(key) if t != 'name') or 'example'}"
    values = _WORDS[found][1]
    words = values(g, key) if callable(values) else g.rng.choice(g.hinted(values))
    g.person = words if found == "name" else g.person
    return words


def hint_words(hint: str) -> str:
    """The hint's words, lowercased and space-delimited, for `mentioned`."""
    return f" {' '.join(_WORD.findall(hint[:4000].lower()))} "


def mentioned(options: list | tuple, words: str) -> list:
    """The string options that `words` (from `hint_words`) mention."""
    return [o for o in options if isinstance(o, str) and f" {_normal(o)} " in words]


@lru_cache(maxsize=4096)
def category(key: str) -> str | None:
    """The word table a property name selects, if any."""
    return _lookup(key, _TEXT_ALIASES)


@lru_cache(maxsize=4096)
def number_range(key: str) -> tuple[float, float, int] | None:
    """(low, high, decimal places) for a property name that reads as a quantity: age, price, rating, ..."""
    found = _lookup(key, _NUMBER_ALIASES)
    return _NUMBERS[found][1] if found else None


@lru_cache(maxsize=4096)
def _tokens(key: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", key).lower()))


@lru_cache(maxsize=4096)
def _normal(option: str) -> str:
    """Lowercased words up to the first comma: 'Tokyo, Japan' counts as mentioned when a prompt says 'Tokyo'."""
    return " ".join(_WORD.findall(option.split(",")[0].lower()))


def _lookup(key: str, aliases: dict[str, str]) -> str | None:
    tokens = _tokens(key)
    if "_".join(tokens) in aliases:
        return aliases["_".join(tokens)]
    ordered = [t for t in reversed(tokens) if t != "name"] + (["name"] if tokens == ("name",) else [])
    for token in ordered:
        for form in (token, token[:-1] if token.endswith("s") else None, token[:-2] if token.endswith("es") else None):
            if form in aliases:
                return aliases[form]
    return None


def _person(g: Context) -> str:
    return g.rng.choice(_WORDS["name"][1])


def _email(g: Context, key: str = "") -> str:
    local = ".".join(_WORD.findall((g.person or _person(g)).lower().replace("'", "")))
    return f"{local}@{g.rng.choice(('example.com', 'example.org', 'mail.example.net'))}"


def _day(g: Context) -> date:
    return date(2024, 1, 1) + timedelta(days=g.rng.randint(0, 730))


def _clock(g: Context) -> str:
    return f"{g.rng.randint(7, 20):02d}:{g.rng.choice((0, 15, 30, 45)):02d}:00"


def _url(g: Context, key: str = "") -> str:
    if category(key) == "image":
        return f"https://images.example.com/{g.rng.choice(_SLUGS)}.jpg"
    return f"https://{g.rng.choice(_HOSTS)}/{g.rng.choice(_SLUGS)}"


def _ipv4(g: Context, key: str = "") -> str:
    return f"{g.rng.choice(('192.0.2', '198.51.100', '203.0.113'))}.{g.rng.randint(1, 254)}"


def _identifier(g: Context, key: str) -> str:
    head = next((t for t in _tokens(key) if t not in ("id", "identifier", "key", "ref")), "id")[:4]
    return f"{head}_{g.rng.getrandbits(40):010x}"


# string `format` -> a maker of values the format checker accepts
FORMATS: dict[Any, Callable[[Context, str], str]] = {
    "date-time": lambda g, k: f"{_day(g).isoformat()}T{_clock(g)}Z",
    "date": lambda g, k: _day(g).isoformat(),
    "time": lambda g, k: f"{_clock(g)}Z",
    "duration": lambda g, k: g.rng.choice(("PT45M", "PT1H30M", "P2D", "P1DT12H", "PT2H", "P7D")),
    "email": _email, "idn-email": _email,
    "hostname": lambda g, k: g.rng.choice(_HOSTS), "idn-hostname": lambda g, k: g.rng.choice(_HOSTS),
    "ipv4": _ipv4, "ipvanyaddress": _ipv4,
    "ipv6": lambda g, k: f"2001:db8::{g.rng.randint(1, 0xFFFF):x}",
    "ipvanyinterface": lambda g, k: f"{_ipv4(g)}/24", "ipvanynetwork": lambda g, k: "192.0.2.0/24",
    "uri": _url, "iri": _url, "uri-reference": _url, "iri-reference": _url,
    "uri-template": lambda g, k: f"https://{g.rng.choice(_HOSTS)}/items/{{id}}",
    "uuid": lambda g, k: str(uuid.UUID(int=g.rng.getrandbits(128), version=4)),
    "regex": lambda g, k: g.rng.choice(("^[a-z0-9_-]{3,16}$", "^\\d{4}-\\d{2}-\\d{2}$", "^[A-Z]{2}\\d{4}$")),
    "json-pointer": lambda g, k: g.rng.choice(("/items/0", "/user/name", "/settings/theme")),
    "relative-json-pointer": lambda g, k: g.rng.choice(("0", "1/name", "2/items/0")),
    "byte": lambda g, k: base64.b64encode(g.text(k).encode()).decode(),
    "name-email": lambda g, k: f"{_person(g)} <{_email(g)}>",
}
_HOSTS = ("example.com", "api.example.com", "docs.example.org", "shop.example.net", "www.example.com")
_SLUGS = ("getting-started", "pricing", "about", "blog/spring-update", "products/4821", "help/faq", "photos/lake")
EXTRA_KEYS = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta")  # names for properties the schema leaves open
ADJECTIVES = ("Classic", "Standard", "Premium", "Simple", "Modern", "Fresh", "Custom", "Original", "Compact")
SENTENCES = (
    "A concise overview of the main points.", "Everything went as planned and the results look good.",
    "The team agreed to revisit this next week.", "Customers liked the new design and asked for more options.",
    "This covers the key steps, from setup to the first result.", "Prices rose slightly while demand held steady.",
)
# category: (aliases, values); aliases are key tokens or whole snake_case keys that select the category
_WORDS: dict[str, tuple[str, Any]] = {
    "name": ("name full_name fullname author owner customer person contact user assignee recipient sender speaker "
             "manager attendee participant guest patient student employee organizer reviewer friend",
             ("Maria Lopez", "James Carter", "Aiko Tanaka", "Liam O'Brien", "Priya Sharma", "Lucas Martin",
              "Amara Okafor", "Sofia Rossi")),
    "first_name": ("first_name firstname given_name forename", ("Maria", "James", "Aiko", "Liam", "Priya", "Lucas")),
    "last_name": ("last_name lastname surname family_name", ("Lopez", "Carter", "Tanaka", "Sharma", "Martin", "Rossi")),
    "username": ("username user_name handle login nickname screen_name", ("maria_l", "jcarter", "aiko.t", "priya88")),
    "city": ("city town hometown destination origin capital", ("Paris", "Tokyo", "New York", "London", "Berlin",
                                                             "Sydney", "Toronto", "Madrid", "Nairobi", "Seoul")),
    "country": ("country nation", ("France", "Japan", "United States", "United Kingdom", "Germany", "Australia",
                                   "Canada", "Spain", "Kenya", "South Korea")),
    "country_code": ("country_code", ("FR", "JP", "US", "GB", "DE", "AU", "CA")),
    "state": ("state province region county", ("California", "Texas", "Ontario", "Bavaria", "Queensland")),
    "address": ("address street_address", ("221B Baker Street, London", "350 Fifth Avenue, New York, NY",
                                           "12 Rue de Rivoli, Paris", "1 Macquarie Street, Sydney")),
    "street": ("street", ("Baker Street", "Fifth Avenue", "Main Street", "Rue de Rivoli")),
    "zip": ("zip zipcode zip_code postal_code postcode", ("94103", "10001", "75001", "10115", "2000")),
    "location": ("location place venue where", ("Paris, France", "Tokyo, Japan", "San Francisco, CA",
                                                "London, UK", "Berlin, Germany")),
    "phone": ("phone phone_number telephone mobile tel", ("+1-555-0142", "+44 20 7946 0958", "+33 1 23 45 67 89")),
    "company": ("company organization organisation org employer business vendor supplier manufacturer brand",
                ("Acme Corp", "Globex", "Initech", "Northwind Traders", "Contoso Ltd")),
    "job": ("job job_title occupation role position profession", ("Software Engineer", "Product Manager",
                                                                  "Data Analyst", "Designer", "Teacher")),
    "department": ("department team division", ("Engineering", "Marketing", "Sales", "Finance", "Support")),
    "title": ("title headline subject heading caption", ("Getting Started with the API", "Quarterly Planning Notes",
                                                        "A Weekend in Kyoto", "Weekly Team Update")),
    "text": ("description summary bio about details content text body message comment note reason explanation "
             "answer response reply reasoning feedback review instructions abstract overview justification "
             "rationale analysis conclusion thought output result story", SENTENCES),
    "question": ("question prompt", ("What time does the store open?", "How do I reset my password?",
                                     "Which plan is best for a small team?")),
    "query": ("query search search_query", ("best coffee near me", "weather tomorrow", "flights to Tokyo")),
    "color": ("color colour", ("red", "blue", "green", "teal", "orange", "purple")),
    "language": ("language", ("English", "French", "Spanish", "Japanese", "German")),
    "locale": ("lang language_code locale", ("en", "fr", "es", "ja", "de")),
    "currency": ("currency currency_code", ("USD", "EUR", "GBP", "JPY")),
    "status": ("status", ("active", "pending", "completed", "cancelled")),
    "priority": ("priority severity", ("low", "medium", "high")),
    "category": ("category genre", ("electronics", "books", "travel", "health", "sports", "food")),
    "tag": ("tag keyword label topic skill hobby interest", ("travel", "work", "research", "urgent", "family",
                                                             "music", "cooking")),
    "product": ("product item product_name", ("Wireless Headphones", "Espresso Machine", "Running Shoes",
                                              "Desk Lamp", "Backpack")),
    "sentiment": ("sentiment mood", ("positive", "neutral", "negative")),
    "version": ("version", ("1.0.0", "2.3.1", "0.9.4")),
    "file": ("file filename attachment", ("report.pdf", "notes.txt", "photo.jpg", "data.csv")),
    "path": ("path filepath file_path directory folder", ("/home/user/report.pdf", "/srv/data/export.csv")),
    "ingredient": ("ingredient", ("flour", "sugar", "butter", "eggs", "olive oil", "garlic")),
    "step": ("step instruction", ("Preheat the oven to 180°C.", "Whisk the eggs and sugar together.",
                                  "Simmer for ten minutes.")),
    "weekday": ("weekday day_of_week", ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")),
    "month": ("month", ("January", "March", "June", "September", "November")),
    "email": ("email e_mail mail email_address", _email),
    "url": ("url uri link website homepage href site source", _url),
    "image": ("image avatar photo picture thumbnail logo icon image_url", _url),
    "id": ("id identifier key ref", _identifier),
    "uuid": ("uuid guid", FORMATS["uuid"]),
    "date": ("date birthday birth_date dob deadline due due_date day", FORMATS["date"]),
    "datetime": ("datetime timestamp at ts", FORMATS["date-time"]),
    "time": ("time", lambda g, k: _clock(g)[:5]),
    "year": ("year", lambda g, k: str(g.rng.randint(1990, 2025))),
    "ip": ("ip ip_address", _ipv4),
    "host": ("host hostname domain", FORMATS["hostname"]),
    "slug": ("slug", lambda g, k: g.rng.choice(_SLUGS).split("/")[-1]),
}
_TEXT_ALIASES = {alias: cat for cat, (aliases, _) in _WORDS.items() for alias in aliases.split()}
_NUMBERS: dict[str, tuple[str, tuple[float, float, int]]] = {
    "age": ("age", (18, 80, 0)), "year": ("year", (1990, 2025, 0)), "month": ("month", (1, 12, 0)),
    "day": ("day", (1, 28, 0)), "hour": ("hour hours", (0, 23, 0)), "minute": ("minute minutes second seconds",
                                                                         (0, 59, 0)),
    "money": ("price cost amount total subtotal salary fee balance budget revenue", (5, 500, 2)),
    "rating": ("rating stars", (1, 5, 1)), "score": ("score percent percentage pct progress", (0, 100, 1)),
    "ratio": ("probability confidence likelihood ratio share", (0, 1, 2)),
    "lat": ("latitude lat", (-60, 70, 4)), "lon": ("longitude lon lng", (-170, 170, 4)),
    "temp": ("temperature temp", (-5, 35, 1)), "population": ("population", (1000, 5_000_000, 0)),
    "count": ("count quantity qty number num size length pages page", (1, 10, 0)),
}
_NUMBER_ALIASES = {alias: cat for cat, (aliases, _) in _NUMBERS.items() for alias in aliases.split()}
