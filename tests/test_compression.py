"""Responses are compressed for clients that accept gzip; cached pages are compressed once."""

from __future__ import annotations

import gzip
import json

import pytest

from milestones.web import caching

pytestmark = pytest.mark.django_db

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


def test_timeline_is_gzipped_for_a_client_that_accepts_it(client, seed):
    plain = client.get("/")
    packed = client.get("/", **GZIP)
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed["Vary"]
    assert len(packed.content) < len(plain.content) / 3
    assert gzip.decompress(packed.content).decode().count("tl-bar") == plain.content.decode().count("tl-bar")


def test_api_json_is_gzipped_and_decodes_to_the_same_rows(client, seed):
    plain = client.get("/api/v1/milestones/")
    packed = client.get("/api/v1/milestones/", **GZIP)
    assert packed["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(packed.content)) == plain.json()


def test_a_cached_page_serves_its_stored_gzip_bytes_without_compressing_again(
    client, page_cache, monkeypatch
):
    miss = client.get("/", **GZIP)
    assert miss["X-Page-Cache"] == "miss" and miss["Content-Encoding"] == "gzip"

    def refuse(*args, **kwargs):
        raise AssertionError("a cache hit compressed the page again")

    monkeypatch.setattr(caching, "compress_string", refuse)
    monkeypatch.setattr("django.middleware.gzip.compress_string", refuse)
    hit = client.get("/", **GZIP)
    assert hit["X-Page-Cache"] == "hit" and hit["Content-Encoding"] == "gzip"
    assert hit.content == miss.content and "Accept-Encoding" in hit["Vary"]
    plain = client.get("/")
    assert "Content-Encoding" not in plain and "Accept-Encoding" in plain["Vary"]
    assert gzip.decompress(hit.content) == plain.content


FNAME = 0x08  # gzip header flag: Django's BREACH padding is a random-length file name


def test_a_page_with_a_csrf_form_is_compressed_with_breach_padding(client, seed):
    response = client.get("/subscriptions/", **GZIP)
    assert response.status_code == 200 and response["Content-Encoding"] == "gzip"
    assert "csrfmiddlewaretoken" in gzip.decompress(response.content).decode()
    assert response.content[3] & FNAME


def test_a_cached_page_holds_no_secret_so_it_is_compressed_without_padding(client, page_cache):
    response = client.get("/", **GZIP)
    body = gzip.decompress(response.content).decode()
    assert "csrfmiddlewaretoken" not in body and not response.cookies
    assert not response.content[3] & FNAME
