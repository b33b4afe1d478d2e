# ruff: noqa: E501  (templates are data: one sentence per line reads best)
"""English comment templates: what Maison Caféine's customers write in surveys and reviews.

Each template has a feeling (neg, mixed, pos) and a theme; ``{slots}`` are filled from
``SLOTS``. They include negations ("not bad at all", "no complaints"), sarcasm ("Great, another
week without my coffee") and implicit complaints ("I waited three weeks for a refund"), the
cases that trip up word-counting sentiment analysis. ``plain`` templates take no opener or
closer (sarcasm reads wrong once decorated).
"""

from __future__ import annotations

from cxpulse.demo.template import Template as T

SLOTS: dict[str, tuple[str, ...]] = {
    "product": ("Ethiopian blend", "espresso roast", "decaf", "house blend", "Colombian roast",
                "Guatemala single origin"),
    "duration": ("three weeks", "two weeks", "a month", "ten days", "over a week"),
    "days": ("5", "7", "9", "12"),
    "fast_days": ("two", "three"),
    "minutes": ("5", "10", "15"),
    "hold": ("25", "40", "45"),
    "times": ("three", "four", "five"),
    "agent": ("Julie", "Tom", "Sarah", "Karim", "Léa", "Marc"),
    "brewer": ("V60", "French press", "moka pot", "AeroPress"),
    "amount": ("Three euros", "Five euros", "Two euros"),
}  # fmt: skip

TEMPLATES = (
    # --- negative ---------------------------------------------------------------------
    T("neg", "delivery", "My order arrived {days} days late and nobody told me why."),
    T("neg", "delivery", "I waited {duration} for my coffee. Not acceptable for a subscription."),
    T("neg", "delivery", "Great, another week without my coffee. Thanks a lot.", plain=True),
    T("neg", "delivery", "The tracking said delivered, but there was nothing at my door."),
    T("neg", "delivery", "Third late box in a row. Why am I paying for this?"),
    T("neg", "delivery", "Oh wonderful, my express delivery only took {duration}.", plain=True),
    T("neg", "delivery", "The parcel came crushed and the bag of {product} was torn open."),
    T("neg", "delivery", "Delivery is a lottery: sometimes two days, sometimes {duration}."),
    T("neg", "delivery", "Still no sign of my box after {days} days."),
    T("neg", "delivery", "The courier left my parcel in the rain. The beans were soaked."),
    T("neg", "delivery", "Delivery? Not great, to put it mildly."),
    T("neg", "price", "Way too expensive for what you get."),
    T("neg", "price", "The price went up again and the bags got smaller."),
    T("neg", "price", "{amount} more per month without any warning? No thanks."),
    T("neg", "price", "Love paying premium prices for coffee that tastes like the supermarket one.", plain=True),
    T("neg", "price", "Shipping costs almost as much as the {product}."),
    T("neg", "price", "Not worth the money anymore."),
    T("neg", "support", "I waited {duration} for an answer from support."),
    T("neg", "support", "Support took {days} days to reply and the answer did not help."),
    T("neg", "support", "I had to explain my problem {times} times to different people."),
    T("neg", "support", "Thanks for the copy-paste answer, really helpful.", plain=True),
    T("neg", "support", "I was on hold for {hold} minutes before anyone picked up."),
    T("neg", "support", "Nobody reads the messages. I gave up and called, and waited again."),
    T("neg", "support", "The chat bot keeps sending me to the same help article."),
    T("neg", "app", "The app crashes every time I try to change my delivery date."),
    T("neg", "app", "I can't pause my subscription in the app, the button does nothing."),
    T("neg", "app", "The app logged me out {times} times today. Brilliant.", plain=True),
    T("neg", "app", "Every update makes the app slower."),
    T("neg", "refund", "I waited {duration} for a refund."),
    T("neg", "refund", "Still no refund after {duration}."),
    T("neg", "refund", "I returned the grinder {duration} ago and I'm still waiting for my money."),
    T("neg", "refund", "You were quick to charge me and very slow to refund me."),
    T("neg", "refund", "I was charged twice and it took {duration} to get my money back."),
    T("neg", "quality", "The {product} tasted stale, like it was roasted months ago."),
    T("neg", "quality", "Not great. The last two bags were bitter and flat."),
    T("neg", "quality", "The beans are not what they used to be."),
    T("neg", "quality", "Half the bag of {product} went straight in the bin."),
    T("neg", "checkout", "The shipping form kept rejecting my postcode, so I gave up."),
    T("neg", "checkout", "Checkout is a nightmare on mobile."),
    T("neg", "checkout", "I had to enter my address {times} times before it was accepted."),
    T("neg", "help", "The help article didn't answer my question at all."),
    T("neg", "help", "I couldn't find how to change my address anywhere."),
    T("neg", "onboarding", "Setting up the subscription took forever, the form kept resetting."),
    T("neg", "onboarding", "I still don't understand which plan I'm on."),
    T("neg", "general", "I cancelled. Too many small problems."),
    T("neg", "general", "Not what I was promised when I signed up."),
    T("neg", "general", "Used to love you guys. Not anymore."),
    # --- mixed (passives, neutral) ----------------------------------------------------------
    T("mixed", "delivery", "Good coffee, but delivery is slow."),
    T("mixed", "price", "Not bad at all, though a bit pricey."),
    T("mixed", "app", "The {product} is nice, the app less so."),
    T("mixed", "general", "Decent service. Nothing special."),
    T("mixed", "price", "The coffee is fine, the shipping costs are not."),
    T("mixed", "quality", "It's ok. I'd like more decaf options."),
    T("mixed", "support", "The coffee is great, but I had to contact support {times} times."),
    T("mixed", "delivery", "Delivery was on time this month, let's see if it lasts."),
    T("mixed", "price", "Not the cheapest, but the {product} is worth it."),
    T("mixed", "help", "The help page was useful once I found it."),
    T("mixed", "onboarding", "Setting up was easy enough, but the plan options are confusing."),
    T("mixed", "delivery", "Fine overall. The box arrived a day late."),
    T("mixed", "support", "Support was polite, but it took {days} days to get an answer."),
    T("mixed", "checkout", "Checkout works, but why do I have to create an account?"),
    T("mixed", "quality", "Quality varies from one month to the next."),
    T("mixed", "refund", "The refund came eventually, after a couple of reminders."),
    T("mixed", "general", "Good, not great."),
    # --- positive ---------------------------------------------------------------------
    T("pos", "quality", "The {product} is excellent, the best coffee I've had at home."),
    T("pos", "delivery", "Fast delivery, always on time."),
    T("pos", "support", "Support solved my problem in {minutes} minutes, thank you {agent}!"),
    T("pos", "quality", "Not bad at all! Much better than I expected."),
    T("pos", "price", "Can't complain: great beans, fair price."),
    T("pos", "general", "I never have to worry about running out of coffee anymore."),
    T("pos", "delivery", "Delivered in {fast_days} days, well packed, smells amazing."),
    T("pos", "quality", "Love the {product}, my whole office is hooked."),
    T("pos", "app", "The app makes it super easy to skip a month."),
    T("pos", "support", "Great customer service, friendly and quick."),
    T("pos", "onboarding", "Setting up my subscription took two minutes."),
    T("pos", "price", "Clear pricing, no surprises."),
    T("pos", "help", "The help article explained exactly how to grind for my {brewer}."),
    T("pos", "general", "Best gift ever: my dad loves his monthly box."),
    T("pos", "quality", "Freshly roasted and you can taste it."),
    T("pos", "general", "No complaints, ever."),
    T("pos", "refund", "{agent} from support sorted out my refund right away."),
    T("pos", "checkout", "Checkout was quick and painless."),
    T("pos", "delivery", "Never had a single late delivery."),
    T("pos", "general", "I wasn't sure about a subscription, but it's been great."),
    T("pos", "onboarding", "The onboarding was so simple, even my grandmother managed it."),
    T("pos", "refund", "Refund processed the same day, no questions asked."),
    T("pos", "app", "The app is clean and does exactly what I need."),
    T("pos", "price", "The pricing page made choosing a plan easy."),
    T("pos", "support", "{agent} went above and beyond to fix my order."),
    T("pos", "help", "Found the answer in the help center in seconds."),
)  # fmt: skip

OPENERS = {
    "neg": ("Honestly,", "To be frank,", "Sorry, but", "Well,"),
    "mixed": ("Overall,", "To be fair,", "Hmm,"),
    "pos": ("Honestly,", "Wow,", "As always,"),
}
CLOSERS = {
    "neg": ("Very disappointed.", "Please fix this.", "Thinking of cancelling.", "Not happy.",
            "Really?"),
    "mixed": ("Could be better.", "Room for improvement.", "We'll see.", "Still subscribed."),
    "pos": ("Thank you!", "Keep it up!", "Highly recommend.", "10/10.", "Merci!"),
}  # fmt: skip
# First words that keep their capital after an opener.
KEEP_CAPITAL = ("I", "I'm", "I've", "I'd", "I'll", "Julie", "Tom", "Sarah", "Karim", "Léa",
                "Marc")  # fmt: skip
