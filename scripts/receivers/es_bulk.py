"""Sends documents to Sightline's Elasticsearch `_bulk` endpoint with the
official Python client (`elasticsearch`, `helpers.bulk`), as an application or
a shipper written against Elasticsearch would.

Used by scripts/test-receivers. Prints one line of JSON with what the client
saw, and exits non-zero when the outcome is not the one asked for:

  --expect ok         every document accepted (helpers.bulk reports no error); the
                      documents are ECS (event.category, source.ip, user.name)
  --expect ids        documents with `_id`s sent the ways shippers resend: in chunks,
                      then some again re-batched with new ones (`index`), then
                      `create` of ids already stored; checks every item's status
                      (201 new, 200 for an `index` of a stored id, 409 for a `create`
                      of one) and prints how many distinct documents were sent
  --expect forbidden  the client raises AuthorizationException (403)
  --expect unauthenticated  the client raises AuthenticationException (401)
  --expect too-large  one request of --size-mib MiB; the client raises ApiError 413.
                      The server closes the connection after its answer without
                      reading the rest of the body, so the client may see a
                      connection error instead: up to --attempts requests are made,
                      and how many saw a connection error is reported.
"""

import argparse
import json
import sys
import warnings

from elasticsearch import (
    ApiError,
    AuthenticationException,
    ConnectionError as EsConnectionError,
    AuthorizationException,
    Elasticsearch,
    helpers,
)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", required=True)
    p.add_argument("--ca", required=True, help="CA certificate (the server's self-signed cert.pem)")
    p.add_argument("--token", default="", help="Sightline token; empty sends no credentials")
    p.add_argument("--auth", choices=["apikey", "basic"], default="apikey")
    p.add_argument("--marker", required=True, help="a word put in every document's message")
    p.add_argument("--count", type=int, default=100)
    p.add_argument("--index", default="sightline-receivers")
    p.add_argument("--host", default="es-client-1", help="host.name of every document")
    p.add_argument("--expect", choices=["ok", "ids", "forbidden", "unauthenticated", "too-large"], default="ok")
    p.add_argument("--size-mib", type=float, default=2.0)
    p.add_argument("--attempts", type=int, default=20)
    a = p.parse_args()

    kwargs = {"ca_certs": a.ca, "request_timeout": 20, "max_retries": 0}
    if a.token and a.auth == "apikey":
        # An Elasticsearch API key is (id, key); Sightline takes the token as the key.
        kwargs["api_key"] = ("sightline-test", a.token)
    elif a.token:
        kwargs["basic_auth"] = ("elastic", a.token)
    warnings.simplefilter("ignore")  # e.g. the client's notice about the server version
    es = Elasticsearch(a.url, **kwargs)

    out = {"client": "elasticsearch-py", "auth": a.auth if a.token else "none"}
    if a.expect == "ok":
        info = es.info()  # GET / : what Beats, Logstash and the clients ask first
        out["server_version"] = info["version"]["number"]
        actions = (
            {
                "_index": a.index,
                "_source": {
                    "@timestamp": f"2026-11-20T10:{i // 60 % 60:02d}:{i % 60:02d}.{i % 1000:03d}Z",
                    "message": f"inference request {i} served {a.marker}",
                    "host": {"name": a.host},
                    "log": {"file": {"path": "/var/log/inference/serve.log"}},
                    "user": {"name": f"svc{i % 5}"},
                    "event": {"category": ["authentication"], "outcome": "success"},
                    "source": {"ip": f"192.0.2.{i % 250 + 1}", "port": 40000 + i},
                    "request": {"seq": i},
                },
            }
            for i in range(a.count)
        )
        ok, errors = helpers.bulk(es, actions, chunk_size=500, raise_on_error=False, stats_only=False)
        out.update(indexed=ok, errors=errors)
        print(json.dumps(out))
        return 0 if ok == a.count and not errors else 1

    if a.expect == "ids":
        return send_ids(es, a, out)

    if a.expect == "too-large":
        pad = "x" * 1000
        n = int(a.size_mib * 1024 * 1024 / (len(pad) + 60)) + 1
        docs = [{"_index": a.index, "_source": {"message": f"oversized {i} {a.marker} {pad}"}} for i in range(n)]
        resets = []
        for _ in range(a.attempts):
            try:
                helpers.bulk(es, docs, chunk_size=n + 1, max_chunk_bytes=1 << 30)
            except ApiError as e:
                out.update(raised=type(e).__name__, status=e.meta.status, connection_errors=len(resets))
                print(json.dumps(out))
                return 0 if e.meta.status == 413 else 1
            except EsConnectionError as e:
                resets.append(str(e)[:120])
                continue
            out.update(raised=None)
            break
        out.update(connection_errors=len(resets), last_error=resets[-1:] or None)
        print(json.dumps(out))
        return 1

    doc = {"_index": a.index, "_source": {"message": f"must not be stored {a.marker}"}}
    want = AuthorizationException if a.expect == "forbidden" else AuthenticationException
    try:
        helpers.bulk(es, [doc])
    except want as e:
        out.update(raised=type(e).__name__, status=e.meta.status)
        print(json.dumps(out))
        return 0
    except ApiError as e:
        out.update(raised=type(e).__name__, status=e.meta.status, body=str(e.body)[:300])
    except Exception as e:  # noqa: BLE001 - report whatever the client did
        out.update(raised=type(e).__name__, error=str(e)[:300])
    else:
        out.update(raised=None)
    print(json.dumps(out))
    return 1


def send_ids(es, a, out) -> int:
    """Stores ids 0-12 once, whatever the requests: returns 0 when every item
    was answered as Elasticsearch answers it."""

    def action(op, i):
        return {"_op_type": op, "_index": a.index, "_id": f"{a.marker}-{i}",
                "_source": {"message": f"document {i} {a.marker}", "seq": i}}

    def statuses(actions, chunk_size):
        seen = {}
        for _, item in helpers.streaming_bulk(es, actions, chunk_size=chunk_size,
                                              raise_on_error=False, raise_on_exception=False):
            status = next(iter(item.values()))["status"]
            seen[status] = seen.get(status, 0) + 1
        return seen

    steps = [
        # The first send, in chunks of 4.
        ("first", [action("index", i) for i in range(10)], 4, {201: 10}),
        # A shipper resending what it believes failed, re-batched with new documents.
        ("resent", [action("index", i) for i in (2, 5, 7, 10, 11)], 500, {200: 3, 201: 2}),
        # `create` of ids already stored conflicts, as in Elasticsearch.
        ("create", [action("create", i) for i in (0, 1, 12)], 500, {409: 2, 201: 1}),
    ]
    ok = True
    for name, actions, chunk, want in steps:
        got = statuses(actions, chunk)
        out[name] = {str(k): v for k, v in sorted(got.items())}
        ok &= got == want
    out["distinct_documents"] = 13
    print(json.dumps(out))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
