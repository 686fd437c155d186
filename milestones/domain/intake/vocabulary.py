"""The words the reader looks for, compiled once: verbs of intent, categories, technologies.

Claim strength from the governing verb (``Milestone.ClaimStrength``):

=====================================================  ==========
"will", "shall", "is set to", "is to", "is due to",    ``will``
"is scheduled to", "is going to", "pledged", "commits"
"plans", "is planning", "intends", "is preparing",     ``plans``
"plan", "roadmap", "schedule", "slated"
"aims", "wants", "targets", "seeks", "hopes",          ``aims``
"looks to", "goal", "target", "ambition", "strives"
"expects", "anticipates", "forecasts", "predicts",     ``expects``
"believes", "sees", "estimates"; and any hedge in the
clause ("could", "may", "might", "likely", "chance",
"possibly", "potentially"): a hedged plan is a forecast
(none of these)                                         ``unstated``
=====================================================  ==========

Categories, technology and electrolyte come from keywords; the first category
family that matches the clause wins (then the whole sentence), in the order
below, so "mass production of batteries for its cars" is production, not a
vehicle launch.
"""

from __future__ import annotations

import re

STRENGTH_WORDS: tuple[tuple[str, str], ...] = (
    (
        "will",
        r"will|'ll|shall|is set to|are set to|is to|are to|is due to|are due to|is scheduled to"
        r"|are scheduled to|is going to|are going to|pledged|pledges|promised|promises|commits|committed"
        r"|is on track to|are on track to|remains on track|is on course to",
    ),
    (
        "plans",
        r"plans?|planned|planning|intends?|intended|intention|is preparing|are preparing|prepares"
        r"|roadmap|road map|scheduled|schedule|slated|timeline|would",
    ),
    (
        "aims",
        r"aims?|aimed(?! at)|aiming|wants?|wanted|targets?|targeted(?! at)|targeting|seeks?|seeking|hopes?|hoped|hoping"
        r"|looks to|looking to|goal|ambition|strives|striving|is working towards?|are working towards?"
        r"|is pushing|wishes|is determined to|vows?|vowed|ha(?:s|ve) set",
    ),
    (
        "expects",
        r"expects?|expected|expecting|anticipates?|anticipated|forecasts?|predicts?|predicted|believes?"
        r"|sees|estimates?|projects|projected",
    ),
)
# The word boundaries sit outside the alternation so most positions (mid-word) fail at once.
STRENGTH_VERB = re.compile(
    "\\b(?:" + "|".join(f"(?P<{name}>{words})" for name, words in STRENGTH_WORDS) + ")\\b", re.IGNORECASE
)
HEDGE = re.compile(
    r"\b(?:could|may|might|likely|unlikely|chance|chances|possibly|potentially|probably|perhaps)\b",
    re.IGNORECASE,
)
# "Analysts believe Toyota could…": an outside view of someone else's plan.
THIRD_PARTY = re.compile(
    r"\b(?:analysts?|experts?|observers|industry watchers|insiders|sources|people familiar|researchers at"
    r"|consultants?|brokerage|investors|market researchers?|research firm|the report|a report|the study"
    r"|commentators|some in the industry|critics)\b",
    re.IGNORECASE,
)
SPECULATION = re.compile(
    r"\b(?:believes?|thinks?|think|suspects?|speculates?|speculated|suggests?|suggested|estimates?"
    r"|predicts?|expects?|expect|reckons?|say|says|said|warns?|forecasts?|projects?|sees)\b",
    re.IGNORECASE,
)
MARKET = re.compile(
    r"\b(?:market(?: size| value)?|demand|penetration|shipments|CAGR|compound annual|installations"
    r"|market share|worth|valued at)\b",
    re.IGNORECASE,
)
ACHIEVED = re.compile(
    r"\b(?:began|begun|started|launched|completed|achieved|delivered|shipped|unveiled|opened|produced"
    r"|installed|rolled out|built|commenced|reached|finished|put into operation|went into|came online"
    r"|has begun|have begun|kicked off)\b",
    re.IGNORECASE,
)
# A date that says when something was set up or reported, not a target.
NOT_A_TARGET_BEFORE = re.compile(
    r"\b(?:founded|established|set up|formed|created|incorporated|launched|listed|announced|unveiled"
    r"|signed|reported|said|since|as of|compared with|compared to|up from|down from|than|last|published"
    r"|dated|updated|earlier|ago)\s+(?:in|on|at|back in|during)?\s*$"
    r"|\b(?:previous|previously|earlier|former|original|old|prior)\s+(?:target|goal|plan|timeline|schedule|date|aim)"
    r"\s+(?:of|for|was|had been)\s*$"
    # "before 2030" is not "2030" (and not "by 2030" either): left for the editor
    r"|\bbefore\s+$",
    re.IGNORECASE,
)
# Who owns the plan when the sentence names no organisation as its subject.
PRONOUN_SUBJECT = re.compile(
    r"\b(?:it|its|we|our|they|their|(?:the|[A-Z][\w-]*'s) (?:[\w-]+ ){0,3}(?:company|firm|carmaker|automaker"
    r"|car maker|group|consortium|maker|startup|start-up|manufacturer|alliance|partners|venture|platform"
    r"|supplier|brand|business|unit|subsidiary|developer|producer|joint venture|giant|refiner|conglomerate))\b",
    re.IGNORECASE,
)
# A name right after one of these words is not the sentence's subject.
NOT_SUBJECT_BEFORE = re.compile(
    r"(?:\b(?:with|to|for|from|by|of|at|in|like|including|than|and|or|as|such as|between|into|on|versus"
    r"|vs\.?|supplies|supplying|supplier to|behind|unlike|after|over|according to|told|beat|beats|outpace"
    r"|works with|working with)|&)\s*(?:the\s+|its\s+)?$"
    r"|(?-i:[A-Z])[\w.&-]*,\s*$",  # the second name of a list ("CATL, CALB and …"); not "In 2027, Toyota"
    re.IGNORECASE,
)
SAID_AFTER = re.compile(
    r"^\W*(?:has |have )?(?:said|says|announced|stated|confirmed|told|added)\b", re.IGNORECASE
)
CLAUSE_BREAK = re.compile(
    r";|,?\s+(?:while|whereas|but|although|though)\s+|,\s+and\s+(?=(?:it|they|the|its|[A-Z])\w*\s)",
)

CATEGORY_WORDS: tuple[tuple[str, str], ...] = (
    ("research_breakthrough", r"breakthroughs?"),
    (
        "pilot_line",
        r"pilot[- ](?:line|lines|production|plant|plants|scale|facility)|demonstration line|trial production|trial line",
    ),
    ("samples", r"samples?|sample cells|[abc]-samples?|prototype cells|test cells"),
    ("supply_chain", r"supply chains?|raw materials?|materials supply|supply of (?:electrolyte|materials)"),
    ("capacity", r"gwh|gigawatt[- ]hours?|capacity|gigafactory|gigafactories"),
    (
        "start_of_production",
        r"mass[- ]produc\w*|start of production|series production|volume production|commercial production"
        r"|production|produce|producing|manufactur\w*|commerciali[sz]\w*|industriali[sz]\w*",
    ),
    ("vehicle_demo", r"prototypes?|test vehicles?|test cars?|demo\w*|road tests?|test fleet|testing"),
    (
        "vehicle_launch",
        r"launch\w*|vehicles?|cars?|models?|evs?|electric vehicles?|sedans?|suvs?|on sale|hit the road"
        r"|market|deliveries|motorcycles?",
    ),
    ("research_breakthrough", r"research|develop\w*|r&d"),
)
# Families are tried in order; two can share a category ("breakthrough" first, "research" last), so
# the groups are numbered: CATEGORY_OF[group] is the category.
CATEGORY = re.compile(
    "\\b(?:" + "|".join(f"(?P<c{index}>{words})" for index, (_, words) in enumerate(CATEGORY_WORDS)) + ")\\b",
    re.IGNORECASE,
)
CATEGORY_OF = {f"c{index}": name for index, (name, _) in enumerate(CATEGORY_WORDS)}
CATEGORY_TITLE = {
    "research_breakthrough": "research breakthrough",
    "pilot_line": "pilot line running",
    "samples": "samples delivered",
    "vehicle_demo": "vehicle demonstration",
    "start_of_production": "start of production",
    "vehicle_launch": "vehicles launched",
    "supply_chain": "supply chain established",
    "capacity": "production capacity",
    "other": "milestone",
}
SEMI_SOLID = re.compile(
    r"\bsemi[- ]solid|\bquasi[- ]solid|\bhybrid solid[- ]liquid|\bsolid[- ]liquid", re.IGNORECASE
)
SOLID_STATE = re.compile(r"\b(?:all[- ])?solid[- ]state|\bASSB|\bSSBs?\b", re.IGNORECASE)
ELECTROLYTE = re.compile(
    r"\b(?P<sulfide>sulfide|sulphide)|\b(?P<oxide>oxide)|\b(?P<polymer>polymer)|\b(?P<halide>halide)",
    re.IGNORECASE,
)
TECHNOLOGY_LABEL = {"all_solid_state": "solid-state", "semi_solid": "semi-solid", "unspecified": ""}
