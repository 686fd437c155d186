"""Organisations in an article: the known ones by name and alias, and names that look like new ones.

A name is "new?" only when something says it is an organisation: a company
suffix after capitalised words ("Blue Solutions Co", "Hyundai Motor Group"),
a descriptor before it ("startup Factorial", "battery maker WeLion"), or an
internal capital or acronym right before a verb of saying or planning
("QuantumScape said", "SAIC plans"). A capitalised word at the start of a
sentence is not enough.
"""

from __future__ import annotations

import re
from functools import lru_cache

from milestones.domain.intake import KnownOrganisation, KnownPerson
from milestones.domain.intake.names import Found, NameMatcher

_CAP = r"[A-Z][\w&'.-]*[\w&]"
_SUFFIX = (
    r"Inc|Co|Corp|Corporation|Company|Ltd|Limited|LLC|GmbH|AG|SE|plc|PLC|Motors?|Energy|Battery|Batteries|Group"
    r"|Holdings|Technologies|Technology|Electric|Chemicals?|Materials|Industries|Automotive|Power|Solutions"
    r"|Systems|Manufacturing|New Energy|Auto|Mobility"
)
_BY_SUFFIX = re.compile(rf"\b(?P<name>(?:{_CAP}\s+){{0,3}}{_CAP}\s+(?:{_SUFFIX})\b\.?)")
_BY_DESCRIPTOR = re.compile(
    r"\b(?:startup|start-up|company|carmaker|automaker|car maker|battery maker|battery firm|cell maker"
    r"|battery supplier|supplier|firm|manufacturer|chemical maker|materials maker|subsidiary|rival"
    r"|compatriot|conglomerate|developer|partner|joint venture|consortium|brand)\s+"
    rf"(?P<name>{_CAP}(?:\s+{_CAP}){{0,2}})"
)
_BY_VERB = re.compile(
    r"\b(?P<name>[A-Z][a-z]+[A-Z][A-Za-z]*|[A-Z]{3,}[a-z]?)\s+"
    r"(?:said|says|announced|plans|planned|will|aims|wants|expects|has|had|is|was|told|unveiled|intends)\b"
)
# Capitalised words that are never an organisation on their own.
_NOT_NAMES = frozenset(
    "The This That These Those A An In On At For By From With It Its We Our They Their He She His Her"
    " Image Photo Source According However Meanwhile Also And But Or If When While After Before Since"
    " January February March April May June July August September October November December"
    " Monday Tuesday Wednesday Thursday Friday Saturday Sunday AI EV EVs CEO CTO CFO COO IPO R&D US UK EU"
    " SSB SSBs ASSB GWh MWh kWh NEV NEVs BEV BEVs PHEV HEV ICE USA OEM OEMs".split()
)
_LEADING_STOP = re.compile(r"^(?:(?:The|A|An|Its|Our|Their|Rival|Partner)\s+)+")


@lru_cache(maxsize=4)
def organisation_matcher(organisations: tuple[KnownOrganisation, ...]) -> NameMatcher:
    names = []
    for organisation in organisations:
        names.append((organisation.name, organisation.slug))
        names.extend((alias, organisation.slug) for alias in organisation.aliases)
    return NameMatcher(names)


@lru_cache(maxsize=4)
def person_matcher(people: tuple[KnownPerson, ...]) -> NameMatcher:
    return NameMatcher([(person.name, person.slug) for person in people])


def new_names(text: str, known: list[Found], people: list[Found]) -> list[Found]:
    """Names in ``text`` that look like organisations and are not known (key "")."""
    taken = bytearray(len(text))  # 1 where a known name (or a person) already stands
    for found in known + people:
        taken[found.start : found.end] = b"\x01" * (found.end - found.start)
    out: list[Found] = []
    for pattern in (_BY_SUFFIX, _BY_DESCRIPTOR, _BY_VERB):
        for match in pattern.finditer(text):
            start, name = match.start("name"), match["name"]
            lead = _LEADING_STOP.match(name)
            if lead:
                start, name = start + lead.end(), name[lead.end() :]
            name = name.rstrip(".") if not name.endswith(("Inc.", "Co.", "Corp.", "Ltd.")) else name
            end = start + len(name)
            words = name.split()
            if not words or all(word in _NOT_NAMES for word in words) or words[0] in _NOT_NAMES:
                continue
            if any(taken[start:end]):
                continue
            taken[start:end] = b"\x01" * (end - start)
            out.append(Found(start, end, name, "", name))
    return sorted(out, key=lambda f: f.start)
