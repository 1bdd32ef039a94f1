"""``python -m bot metrics``: the /metrics of several Rasa servers summed into one (``make cluster``).

Prometheus scrapes every server itself (deploy/prometheus.yml); this is the same sum for a quick
look from a terminal: counters, histogram buckets/sums/counts and gauges of the same name and labels
are added up; ``madoguchi_model_info`` and ``madoguchi_start_time_seconds`` keep one sample per
server (label ``instance``). Default servers: those of scripts/cluster.sh (CLUSTER_RASA_BASE_PORT,
5105, and CLUSTER_RASA_SERVERS, 2).
"""
from __future__ import annotations

import os
import urllib.error
import urllib.request
from collections import OrderedDict
from typing import Dict, List, Optional, Tuple

PER_SERVER = ("madoguchi_model_info", "madoguchi_start_time_seconds")


def cluster_urls() -> List[str]:
    base = int(os.environ.get("CLUSTER_RASA_BASE_PORT", "5105"))
    count = int(os.environ.get("CLUSTER_RASA_SERVERS", "2"))
    return [f"http://127.0.0.1:{base + i}" for i in range(count)]


def fetch(url: str, token: Optional[str] = None, timeout: float = 10) -> str:
    request = urllib.request.Request(url.rstrip("/") + "/metrics",
                                     headers={"Authorization": f"Bearer {token}"} if token else {})
    with urllib.request.urlopen(request, timeout=timeout) as r:
        return r.read().decode("utf-8")


def _labels(labels: Dict[str, str]) -> str:
    if not labels:
        return ""
    escaped = (k + '="' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
               for k, v in sorted(labels.items()))
    return "{" + ",".join(escaped) + "}"


def aggregate(texts: Dict[str, str]) -> str:
    """One Prometheus text from several servers' texts ({instance: text})."""
    from prometheus_client.parser import text_string_to_metric_families

    meta: "OrderedDict[str, Tuple[str, str]]" = OrderedDict()
    sums: "OrderedDict[Tuple[str, str, Tuple], float]" = OrderedDict()
    for instance, text in texts.items():
        for family in text_string_to_metric_families(text):
            meta.setdefault(family.name, (family.type, family.documentation))
            for sample in family.samples:
                if sample.name.endswith("_created"):
                    continue  # creation times do not add up
                labels = dict(sample.labels)
                if family.name in PER_SERVER:
                    labels["instance"] = instance
                key = (family.name, sample.name, tuple(sorted(labels.items())))
                sums[key] = sums.get(key, 0.0) + sample.value
    lines = []
    for name, (kind, doc) in meta.items():
        shown = name + "_total" if kind == "counter" else name
        lines += [f"# HELP {shown} {doc}", f"# TYPE {shown} {kind}"]
        lines += [f"{sample}{_labels(dict(labels))} {value!r}"
                  for (family, sample, labels), value in sums.items() if family == name]
    return "\n".join(lines) + "\n"


def run(args) -> int:
    from bot.staff import credentials

    urls = args.url or cluster_urls()
    token = credentials.api_token()
    texts = {}
    for url in urls:
        try:
            instance = url.split("://", 1)[-1].rstrip("/")
            while instance in texts:  # the same server given twice still counts twice
                instance += "'"
            texts[instance] = fetch(url, token)
        except (urllib.error.URLError, OSError) as exc:
            print(f"# {url}: not reachable ({getattr(exc, 'reason', exc)})")
    if not texts:
        return 1
    print(aggregate(texts), end="")
    return 0 if len(texts) == len(urls) else 1
