"""Keys the feed stages share. A stage reads and writes only columns declared here."""

STATUS_ID = "status_id"
AUTHOR_ID = "author_id"
CREATED_AT = "created_at"      # epoch seconds (float)
SOURCE = "source"              # which candidate source found it
SCORE = "score"
WHY = "why"                    # list[str]: reasons a person reads

CANDIDATE_COLUMNS = (STATUS_ID, AUTHOR_ID, CREATED_AT, SOURCE)
