"""Sends log records to Sightline's OTLP/HTTP endpoint (`/v1/logs`) with the
OpenTelemetry Python SDK, set up the way an instrumented service does it: a
LoggerProvider with a resource, a BatchLogRecordProcessor around the
protobuf-over-HTTP OTLPLogExporter, and a stdlib `logging` handler.

Used by scripts/test-receivers. Sends --count records through stdlib logging
with a --marker word in each, flushes, and exits non-zero unless every export
succeeded. Prints one line of JSON with the export results.
"""

import argparse
import json
import logging
import os
import sys
import warnings

from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, LogRecordExportResult
from opentelemetry.sdk.resources import Resource


class Recording(OTLPLogExporter):
    """The real exporter, remembering how each export went (the batch
    processor only logs failures)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.results = []
        self.records = 0

    def export(self, batch):
        result = super().export(batch)
        self.results.append(result.name)
        if result == LogRecordExportResult.SUCCESS:
            self.records += len(batch)
        return result


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--url", required=True, help="the server's base URL (https://HOST:PORT)")
    p.add_argument("--ca", required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--marker", required=True)
    p.add_argument("--count", type=int, default=20)
    p.add_argument("--service", default="mlx-inference")
    p.add_argument("--host", default="gpu-otel-1")
    p.add_argument("--compression", choices=["none", "gzip"], default="none")
    a = p.parse_args()

    warnings.simplefilter("ignore", DeprecationWarning)  # the SDK's LoggingHandler
    # requests lets these variables override a session's `verify`, which is
    # where the exporter puts certificate_file: without this, a machine that
    # sets them (many do, for the system bundle) would not trust --ca.
    for var in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        os.environ.pop(var, None)
    exporter = Recording(
        endpoint=a.url.rstrip("/") + "/v1/logs",
        headers={"authorization": "Bearer " + a.token},
        certificate_file=a.ca,
        timeout=20,
        compression=Compression.Gzip if a.compression == "gzip" else Compression.NoCompression,
    )
    resource = Resource.create(
        {"service.name": a.service, "host.name": a.host, "deployment.environment": "test"}
    )
    provider = LoggerProvider(resource=resource)
    provider.add_log_record_processor(BatchLogRecordProcessor(exporter, max_export_batch_size=512))

    log = logging.getLogger("sightline.receivers.otlp")
    log.propagate = False
    log.setLevel(logging.DEBUG)
    log.addHandler(LoggingHandler(level=logging.DEBUG, logger_provider=provider))
    for i in range(a.count):
        if i % 4 == 3:
            log.warning("generation %d slow: %d ms %s", i, 1000 + i, a.marker, extra={"request.seq": i})
        else:
            log.info("generation %d done: %d tokens %s", i, 10 * i, a.marker, extra={"request.seq": i})
    flushed = provider.force_flush(timeout_millis=20_000)
    provider.shutdown()

    ok = flushed and exporter.records == a.count and all(r == "SUCCESS" for r in exporter.results)
    print(json.dumps({
        "client": "opentelemetry-sdk",
        "compression": a.compression,
        "flushed": flushed,
        "exports": exporter.results,
        "records_exported": exporter.records,
    }))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
