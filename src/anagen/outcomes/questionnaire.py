"""The patient's satisfaction questionnaire.

A clinic questionnaire, not a validated instrument: five statements answered on a five-point
agreement scale, in the style of the patient self-assessments the mesotherapy trials report
(REFERENCE.md §1.2, T3 and T6), scored 0-100 so that visits can be compared. Its id carries a
version; a changed wording is a new version, so scores of different versions are never mixed.
"""

from dataclasses import dataclass

INSTRUMENT = "anagen.satisfaction-5/1"
INSTRUMENT_NAME = "Anagen hair satisfaction questionnaire (5 items), version 1"


@dataclass(frozen=True)
class Item:
    id: str
    text: str


ITEMS = (
    Item("coverage", "My hair covers my scalp better than before the treatment."),
    Item("thickness", "My hair feels thicker."),
    Item("shedding", "I lose fewer hairs when I wash or brush my hair."),
    Item("appearance", "I am satisfied with how my hair looks now."),
    Item("overall", "Overall, I am satisfied with the treatment."),
)
SCALE = (
    (1, "Strongly disagree"),
    (2, "Disagree"),
    (3, "Neither agree nor disagree"),
    (4, "Agree"),
    (5, "Strongly agree"),
)


def score(answers: dict[str, int]) -> float:
    """0 when every answer is "strongly disagree", 100 when every one is "strongly agree"."""
    low, high = SCALE[0][0], SCALE[-1][0]
    return 100.0 * sum(answers[i.id] - low for i in ITEMS) / (len(ITEMS) * (high - low))
