"""Marsad's workbench: a local web app over the archive (map, timeline, filters, event
pages with their evidence, article search, reviews, crawl health, exports).

``python -m workbench`` serves it on 127.0.0.1; see ``workbench/__main__.py``.
"""
