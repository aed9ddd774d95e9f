"""Topics of the synthetic world: each has hashtags and words that posts about it use."""

TOPICS: dict[str, dict[str, list[str]]] = {
    "climbing": {"tags": ["climbing", "bouldering", "alpinism"],
                 "words": ["crag", "send", "project", "granite", "chalk", "belay", "overhang", "crimps", "topout"]},
    "cooking": {"tags": ["cooking", "recipes", "baking"],
                "words": ["sourdough", "risotto", "spices", "braise", "ferment", "knife", "pantry", "umami"]},
    "football": {"tags": ["football", "matchday", "transfers"],
                 "words": ["derby", "striker", "pressing", "clean sheet", "stoppage time", "keeper", "var"]},
    "astronomy": {"tags": ["astronomy", "astrophotography", "space"],
                  "words": ["nebula", "telescope", "eclipse", "exoplanet", "meteor", "galaxy", "seeing"]},
    "python": {"tags": ["python", "programming", "opensource"],
               "words": ["asyncio", "typing", "pytest", "refactor", "packaging", "release", "bug", "profiler"]},
    "gardening": {"tags": ["gardening", "plants", "compost"],
                  "words": ["seedlings", "tomatoes", "mulch", "pruning", "pollinators", "raised bed", "frost"]},
    "music": {"tags": ["music", "vinyl", "jazz"],
              "words": ["album", "bassline", "live set", "synth", "chorus", "b-side", "improvisation"]},
    "climate": {"tags": ["climate", "energy", "solar"],
                "words": ["heat pump", "emissions", "grid", "battery", "policy", "wind farm", "adaptation"]},
    "photography": {"tags": ["photography", "filmphotography", "streetphotography"],
                    "words": ["aperture", "golden hour", "35mm", "grain", "composition", "lens", "darkroom"]},
    "cycling": {"tags": ["cycling", "bikepacking", "gravel"],
                "words": ["cadence", "climb", "tubeless", "headwind", "saddle", "route", "descent"]},
    "books": {"tags": ["books", "reading", "scifi"],
              "words": ["chapter", "novel", "library", "plot twist", "narrator", "trilogy", "annotations"]},
    "gaming": {"tags": ["gaming", "indiegames", "speedrun"],
               "words": ["boss fight", "patch", "co-op", "pixel art", "save file", "speedrun", "level design"]},
}

TEMPLATES = [
    "Just tried {w1} and {w2} today. Honestly the best part was the {w3}. #{tag}",
    "Hot take: {w1} is underrated, {w2} is overrated. Thoughts? #{tag} #{tag2}",
    "Spent the whole weekend on {w1}. Notes on {w2} and {w3} coming soon #{tag}",
    "Anyone else obsessed with {w1} lately? Looking for tips on {w2}. #{tag}",
    "Small win: finally got the {w1} right after weeks of {w2}. #{tag}",
    "Thread on {w1}: what I learned about {w2}, {w3} and patience. #{tag} #{tag2}",
    "Reminder that {w1} doesn't need to be perfect. {w2} first, {w3} later. #{tag}",
    "New post about {w1} vs {w2} — which side are you on? #{tag}",
]

SPAM_TEMPLATES = [
    "Make $$$ fast with {w1}!!! Click https://deals.example/{n} now #{tag}",
    "FREE {w1} giveaway, just follow and visit https://win.example/{n} #{tag} #{tag2}",
    "Limited offer on {w1} — https://cheap.example/{n} — don't miss out! #{tag}",
]
