"""Facts about the countries in `data/countries.toml`: capital, language,
currency, continent, and yes/no questions about them ("Is Sydney the
capital of Australia?")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from playground.sim.content.facts.truth import Truth, yes_no
from playground.sim.content.odds import stable_fraction
from playground.sim.content.tables import toml_table

_FACTS = toml_table("facts.toml")
_ALIASES: dict[str, str] = _FACTS["country_aliases"]
_CONTINENT_WORDS: dict[str, str] = _FACTS["continent_words"]


@dataclass(frozen=True, slots=True)
class Country:
    name: str
    capital: str
    continent: str
    language: str
    currency: str
    tempting: str

    @property
    def title(self) -> str:
        small = {"of", "and"}
        return " ".join(w if w in small else w.capitalize() for w in self.name.split())


def _load_countries() -> dict[str, Country]:
    return {name: Country(name, **facts) for name, facts in toml_table("countries.toml")["countries"].items()}


COUNTRIES = _load_countries()
_COUNTRY_NAMES = sorted(set(COUNTRIES) | set(_ALIASES), key=len, reverse=True)
_COUNTRY_RE = re.compile(r"\b(" + "|".join(re.escape(n) for n in _COUNTRY_NAMES) + r")\b")
_CAPITALS = {c.capital.lower(): c for c in COUNTRIES.values()}
_CITY_RE = re.compile(r"\b(" + "|".join(re.escape(n) for n in sorted(
    set(_CAPITALS) | {c.tempting.lower() for c in COUNTRIES.values()}, key=len, reverse=True)) + r")\b")


def _country_in(core: str) -> Country | None:
    match = _COUNTRY_RE.search(core)
    if match is None:
        return None
    name = match.group(1)
    return COUNTRIES[_ALIASES.get(name, name)]


def _others(country: Country, attribute: str) -> tuple[str, ...]:
    """Values of `attribute` from other countries, neighbours first."""
    same = [getattr(c, attribute) for c in COUNTRIES.values() if c.continent == country.continent and c is not country]
    rest = [getattr(c, attribute) for c in COUNTRIES.values() if c.continent != country.continent]
    mine = getattr(country, attribute)
    values = [v for v in same + rest if v != mine]
    start = int(stable_fraction(attribute, country.name) * max(1, len(same) - 1))
    return tuple(dict.fromkeys(values[start:] + values[:start]))


_QUESTION_START_RE = re.compile(r"(?:what|which|what's|whats|name|tell me|give me|do you know)\b")


def country_fact(core: str) -> Truth | None:
    if len(core.split()) > 16:
        return None
    country = _country_in(core)
    if country is None or _QUESTION_START_RE.match(core) is None:
        return None
    title = country.title
    if re.search(r"\bcapital\b", core) and not re.search(r"\bis [a-z .,]+ the capital\b", core):
        wrongs = (country.tempting, *_others(country, "capital")[:4])
        return Truth("word", country.capital, f"The capital of {title} is {{v}}.", wrongs=wrongs, difficulty=0.08)
    if re.search(r"\blanguages?\b.{0,30}\b(?:speak|spoken|official|of|in)\b", core):
        return Truth("word", country.language, "{v}.", wrongs=_others(country, "language")[:4], difficulty=0.1)
    if re.search(r"\bcurrency\b|\bmoney\b", core):
        return Truth("word", country.currency, f"{title} uses the {{v}}.", wrongs=_others(country, "currency")[:4],
                     difficulty=0.12)
    if re.search(r"\bcontinent\b", core):
        return Truth("word", country.continent, f"{title} is in {{v}}.", wrongs=_others(country, "continent")[:3],
                     difficulty=0.05)
    return None


def country_yes_no(core: str) -> Truth | None:
    if len(core.split()) > 16:
        return None
    country = _country_in(core)
    if country is None:
        return None
    title = country.title
    city = _CITY_RE.search(core)
    if city is not None and re.search(r"\bcapital\b", core):
        named = city.group(1)
        yes = named == country.capital.lower()
        shown = named.title()
        actual = f"the capital of {title} is {country.capital}"
        no_claim = actual if not yes else f"{shown} is not the capital of {title}"
        return yes_no(yes, f"{shown} is the capital of {title}", no_claim,
                      0.15 if named == country.tempting.lower() else 0.08)
    for word, continent in sorted(_CONTINENT_WORDS.items(), key=lambda kv: -len(kv[0])):
        if re.search(rf"\b(?:in|an?) {word}\b", core):
            yes = continent == country.continent
            return yes_no(yes, f"{title} is in {continent}",
                           f"{title} is in {country.continent}" if not yes else f"{title} is not in {continent}",
                           0.06)
    return None

