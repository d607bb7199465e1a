"""Marsad's versions of Scrapy commands (``COMMANDS_MODULE`` in crawler/settings.py)."""
