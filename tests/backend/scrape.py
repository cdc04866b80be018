"""Reading /metrics as Prometheus does: the text format parsed into samples."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

METRICS_TOKEN = "metrics-token-for-the-tests-0123"

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(http: httpx.AsyncClient, base_url: str, token: str = METRICS_TOKEN) -> Samples:
    """Every sample of one scrape, by name and labels; fails unless the scrape answers 200."""
    answer = await http.get(f"{base_url}/metrics", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    samples: Samples = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    """One sample's value; a missing series fails the test with what there is."""
    key = (name, frozenset(labels.items()))
    assert key in samples, f"no {name}{labels}; have {sorted(k for k in samples if k[0] == name)}"
    return samples[key]
