"""The peer-support pages, by idea; each module lists its own URLs (peer_support/urls.py
gathers them)."""
