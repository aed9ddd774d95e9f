"""Keys the feed stages share. A stage reads and writes only columns declared here."""

STATUS_ID = "status_id"
AUTHOR_ID = "author_id"
CREATED_AT = "created_at"      # epoch seconds (float)
SOURCE = "source"              # which candidate source found it
SCORE = "score"
WHY = "why"                    # list[str]: reasons a person reads
CONTEXT = "context"            # a source's own reason for one candidate ("liked by @bo …"), or None
IN_NETWORK = "in_network"      # bool: the viewer follows the author

CANDIDATE_COLUMNS = (STATUS_ID, AUTHOR_ID, CREATED_AT, SOURCE, CONTEXT)
