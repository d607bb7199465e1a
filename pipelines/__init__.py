"""Marsad's processing stages: plain functions over plain records.

Nothing in this package imports Scrapy. Each stage can run on a stored HTML file,
a WARC record or a MongoDB document; the Scrapy components in ``crawler`` are thin
adapters around them.
"""
