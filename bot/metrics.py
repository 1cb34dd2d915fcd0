"""Prometheus metrics at /metrics: requests, latency, outcomes, handoffs (no personal data).

The unanswered rate is ``kommunalbot_turns_total{outcome="decline"}`` over all turns. With
several worker processes set PROMETHEUS_MULTIPROC_DIR (prometheus_client's multiprocess mode).
"""

from __future__ import annotations

import os
import time

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess

REQUESTS = Counter("kommunalbot_http_requests_total", "HTTP-Anfragen", ["method", "route", "status"])
LATENCY = Histogram("kommunalbot_http_request_seconds", "Antwortzeit je Route", ["route"],
                    buckets=(0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10))
TURNS = Counter("kommunalbot_turns_total", "Bot-Züge nach Ergebnis", ["outcome"])
TURN_SECONDS = Histogram("kommunalbot_turn_seconds", "Zeit je Zug (Rasa, Aktion, Suche)",
                         buckets=(0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2, 5, 10))
HANDOFFS = Counter("kommunalbot_handoffs_total", "Übergaben an das Team", ["staff_available"])
RASA_ERRORS = Counter("kommunalbot_rasa_errors_total", "Rasa nicht erreichbar")


def install(app: FastAPI) -> None:
    @app.middleware("http")
    async def measure(request: Request, call_next):  # noqa: ANN001, ANN202 - Starlette middleware
        started = time.perf_counter()
        response = await call_next(request)
        route = getattr(request.scope.get("route"), "path", "unmatched")
        if not route.endswith("/events"):  # streams last minutes; they would skew the histogram
            LATENCY.labels(route).observe(time.perf_counter() - started)
        REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        return response

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
