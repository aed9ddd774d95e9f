"""Mastodon's streaming API: server-sent events and a multiplexed WebSocket.

``hub`` carries messages between publishers (request threads, background workers) and open
connections: in-process by default, over Redis pub/sub when ``redis_url`` is set so several
API workers share events. ``deliveries`` decides who hears what (after commit), ``channels``
names the streams, ``connection`` filters each message for the connected viewer and
``presence`` knows who has a stream open."""
