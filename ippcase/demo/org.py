"""The demo organisation: regions, PDUs, teams and users, sized for the number of people."""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass

from ippcase import vocab
from ippcase.demo.lists import (
    FEMALE_FIRST_NAMES,
    MALE_FIRST_NAMES,
    REGIONS,
    SURNAMES,
    TEAM_SUFFIXES,
)
from ippcase.demo.specs import OrgSpec, PduSpec, RegionSpec, TeamSpec, UserSpec
from ippcase.demo.tables import DEMO_EMAIL_DOMAIN


@dataclass(frozen=True, slots=True)
class OrgShape:
    regions: int
    pdus_per_region: int
    teams_per_pdu: int
    practitioners_per_team: int
    ppcs: int


def org_shape(people: int) -> OrgShape:
    """A small organisation for a demo (3 regions x 2 PDUs x 2 teams), a larger one for large
    seeds so that caseloads stay plausible (10,000 people: 10 x 3 x 3, ~22 people per COM)."""
    if people <= 1000:
        return OrgShape(3, 2, 2, 3, 3)
    return OrgShape(min(len(REGIONS), math.ceil(people / 1000)), 3, 3, 5, 6)


def _username(first: str, last: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z.-]", "", f"{first}.{last}".lower())
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}{n}"
    taken.add(name)
    return name


def generate_org(people: int, seed: int) -> OrgSpec:
    """The demo organisation for ``people`` people: regions, PDUs, teams and users.

    Per team: practitioners and one manager (SPO); per PDU: one senior manager (placed in the
    PDU's first team, which gives them the PDU); then PPCS caseworkers and one administrator
    without a team. The first team of the first PDU is the showcase team whose members the
    sign-in table lists.
    """
    shape = org_shape(people)
    # Synthetic data, not secrets: a seeded, reproducible generator is the point.
    rng = random.Random(f"ippcase-demo:{seed}:org")  # noqa: S311
    taken: set[str] = set()
    regions: list[RegionSpec] = []
    users: list[UserSpec] = []

    def person_name() -> tuple[str, str]:
        first_names = MALE_FIRST_NAMES if rng.random() < 0.45 else FEMALE_FIRST_NAMES
        return rng.choice(first_names), rng.choice(SURNAMES)

    def add_user(team: str | None, roles: list[str]) -> None:
        first, last = person_name()
        username = _username(first, last, taken)
        users.append(
            UserSpec(username, first, last, f"{username}@{DEMO_EMAIL_DOMAIN}", team, roles)
        )

    for region_code, region_name, pdu_rows in REGIONS[: shape.regions]:
        pdus = []
        for pdu_code, pdu_name, place in pdu_rows[: shape.pdus_per_region]:
            teams = [
                TeamSpec(f"{pdu_code}-{suffix}", f"{pdu_name} {label}")
                for label, suffix in TEAM_SUFFIXES[: shape.teams_per_pdu]
            ]
            pdus.append(PduSpec(pdu_code, pdu_name, place, teams))
        regions.append(RegionSpec(region_code, region_name, pdus))

    org = OrgSpec(regions, users)
    for region in regions:
        for pdu in region.pdus:
            for team in pdu.teams:
                for _ in range(shape.practitioners_per_team):
                    add_user(team.code, [vocab.Role.PRACTITIONER])
                add_user(team.code, [vocab.Role.MANAGER])
            add_user(pdu.teams[0].code, [vocab.Role.SENIOR_MANAGER])
    for _ in range(shape.ppcs):
        add_user(None, [vocab.Role.PPCS])
    add_user(None, [vocab.Role.ADMIN])
    # Last, so that everyone above keeps their name: a QA lead for the first region, placed in
    # the showcase team (a QA lead's scope is the region of their team).
    add_user(regions[0].pdus[0].teams[0].code, [vocab.Role.QA_LEAD])
    return org
