"""Feast entities: the join keys of Agora's features (all 64-bit account / status ids)."""

from feast import Entity, ValueType

account = Entity(name="account", join_keys=["account_id"], value_type=ValueType.INT64,
                 description="An account, as the actor of its own activity.")
viewer = Entity(name="viewer", join_keys=["viewer_id"], value_type=ValueType.INT64,
                description="The account a feed is ranked for.")
author = Entity(name="author", join_keys=["author_id"], value_type=ValueType.INT64,
                description="The account that wrote a candidate status.")
status = Entity(name="status", join_keys=["status_id"], value_type=ValueType.INT64,
                description="A status (post).")
