"""The consent text a clinic starts with, saved as version 1 of each kind on first use.

Plain language for the patient: what the treatment is, that it is a choice, and that it can be
stopped at any time. The plan, the risks (consent_risks.toml), the photos' uses and the
patient's statement are added by the document builder, so they are not repeated here.
"""

from anagen.consent.models import ConsentKind

TREATMENT_TITLE = "Consent to scalp mesotherapy for hair loss"
TREATMENT_BODY = """\
This form is to make sure that you understand the treatment we are offering you and that you \
agree to it. Please read it carefully, or ask us to read it with you, and ask about anything \
that is not clear.

What the treatment is. Scalp mesotherapy is a course of sessions. At each session, your \
clinician makes a series of small injections into the skin of your scalp with a very fine \
needle. Each injection places a tiny amount of a mixture of medicines close to the hair roots. \
The course, the mixture and the dates planned for you are set out below.

What else you could do. You do not have to have this treatment. Other choices include \
medicines you take by mouth or put on your scalp, other treatments, or no treatment at all. \
Your clinician can tell you about them.

Your choice. Having this treatment is your choice. You can ask questions at any time. You can \
stop the course at any time, before or during any session, without giving a reason, and \
stopping will not affect the rest of your care with us.

Before each session we will ask whether anything has changed: new medicines, pregnancy or \
plans for pregnancy, an illness, or any reaction since the last session. Please tell us, \
because it may mean that we need to wait or change the treatment."""

PHOTOGRAPHY_TITLE = "Consent to clinical photographs"
PHOTOGRAPHY_BODY = """\
We would like to take photographs of your scalp and hair before your treatment and at your \
reviews. Photos taken the same way each time, in the same light and from the same angles, are \
the most reliable way to see whether a hair-loss treatment is working.

Your face will not be in the photos unless it is needed to show your hairline; if it is, we \
will tell you first.

Agreeing is your choice. You can say no and still have your treatment."""

DEFAULTS: dict[str, tuple[str, str]] = {
    ConsentKind.TREATMENT: (TREATMENT_TITLE, TREATMENT_BODY),
    ConsentKind.PHOTOGRAPHY: (PHOTOGRAPHY_TITLE, PHOTOGRAPHY_BODY),
}
