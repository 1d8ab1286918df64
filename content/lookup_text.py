"""Words → index terms for the lookup: one pipeline for the matrix and for questions, so both meet halfway.

Order: lower-case; whole jargon phrases become one canonical word ("operating system" → os, "back up" →
backup); words split; stop words drop out; each word is stemmed with the Snowball English stemmer (patches,
patching → patch); stems in the synonym table collapse to one term (update/upgrade → patch, snapshot →
backup, kms → encrypt). A misspelt word that the index has never seen is first corrected to the closest
known word (rapidfuzz), so "encrpytion" still meets "encryption".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import snowballstemmer
from rapidfuzz import fuzz, process

_WORD = re.compile(r"[a-z0-9]+")

STOP = frozenset(
    """a an the who whom whose is are was were be been being for of on in at to with by and or do does did
    which what whats responsible responsibility responsibilities handles handle handling owns own owner job
    task when how should shall must can could would will i we us our ours my me you your it its this that
    these those there their them they amazon aws service services using use uses used if as so about into
    from up than then also just any all need needs needed make makes sure take takes care thing
    things whether anything something someone somebody please tell know mean look looks like question
    yes no not get gets got have has had keep keeps kept done doing decide decides deciding
    decided supposed pay pays attention deal deals dealing ensure ensures ensuring makes making made care
    cares person people's whose team us amazon's then which one ones really actually""".split()
)

#: Whole phrases rewritten before the words are split (longest first): jargon that means one thing.
PHRASES: dict[str, str] = {
    "operating systems": "os",
    "operating system": "os",
    "multi factor authentication": "mfa",
    "multi-factor authentication": "mfa",
    "two factor": "mfa",
    "two-factor": "mfa",
    "2fa": "mfa",
    "back up": "backup",
    "backed up": "backup",
    "backing up": "backup",
    "point in time recovery": "pitr",
    "point-in-time recovery": "pitr",
    "point in time restore": "pitr",
    "denial of service": "ddos",
    "data center": "datacenter",
    "data centre": "datacenter",
    "data centers": "datacenter",
    "data centres": "datacenter",
    "availability zones": "az",
    "availability zone": "az",
    "multi-az": "multi az",
    "security group": "securitygroup",
    "security groups": "securitygroup",
    "network acl": "nacl",
    "network acls": "nacl",
    "access control list": "nacl",
    "access key": "accesskey",
    "access keys": "accesskey",
    "root user": "root",
    "root account": "root",
    "sign in": "login",
    "sign-in": "login",
    "log in": "login",
    "log on": "login",
    "in transit": "transit",
    "at rest": "rest",
    "control plane": "controlplane",
    "data plane": "dataplane",
    "worker nodes": "node",
    "worker node": "node",
    "node group": "nodegroup",
    "node groups": "nodegroup",
    "virtual machine": "instance",
    "virtual machines": "instance",
    "least privilege": "leastprivilege",
    "least-privilege": "leastprivilege",
    "high availability": "resili",
    "highly available": "resili",
    "disaster recovery": "dr",
    "pen test": "pentest",
    "pen testing": "pentest",
    "penetration test": "pentest",
    "penetration testing": "pentest",
    "third party": "thirdparty",
    "third-party": "thirdparty",
    "open source": "thirdparty",
    "personal data": "sensit",
    "sensitive data": "sensit",
    "machine learning": "ml",
    "guard rails": "guardrail",
    "web acl": "webacl",
    "web acls": "webacl",
    "rate limit": "throttl",
    "rate limiting": "throttl",
}

#: Stem → canonical term: the synonym and jargon table (applied after stemming, to both sides).
SYNONYMS: dict[str, str] = {
    "updat": "patch",
    "upgrad": "patch",
    "hotfix": "patch",
    "fix": "patch",
    "guest": "os",
    "snapshot": "backup",
    "cmk": "kms",
    "decrypt": "encrypt",
    "cipher": "encrypt",
    "ssl": "tls",
    "https": "tls",
    "2fa": "mfa",
    "totp": "mfa",
    "vm": "instance",
    "server": "instanc",
    "instanc": "instanc",
    "machin": "instanc",
    "db": "databas",
    "rdbms": "databas",
    "k8s": "kubernet",
    "ami": "imag",
    "docker": "contain",
    "worker": "node",
    "permiss": "permiss",
    "privileg": "permiss",
    "author": "permiss",
    "authoris": "permiss",
    "authoriz": "permiss",
    "entitl": "permiss",
    "grant": "permiss",
    "vuln": "vulner",
    "cve": "vulner",
    "exploit": "vulner",
    "recov": "restor",
    "recoveri": "restor",
    "retain": "retent",
    "dispos": "dispos",
    "decommiss": "dispos",
    "destroy": "dispos",
    "destruct": "dispos",
    "shred": "dispos",
    "wipe": "dispos",
    "degauss": "dispos",
    "sanit": "dispos",
    "surviv": "resili",
    "resili": "resili",
    "resilienc": "resili",
    "failur": "resili",
    "outag": "resili",
    "downtim": "resili",
    "fault": "resili",
    "autosc": "scale",
    "autoscal": "scale",
    "capac": "scale",
    "guard": "physic",
    "badg": "physic",
    "cctv": "physic",
    "camera": "physic",
    "facil": "datacent",
    "datacent": "datacent",
    "peopl": "user",
    "run": "oper",
    "oper": "oper",
    "operat": "oper",
    "password": "credenti",
    "passwd": "credenti",
    "credenti": "credenti",
    "applic": "app",
    "softwar": "app",
    "firewal": "firewal",
    "pii": "sensit",
    "phi": "sensit",
    "monitor": "monitor",
    "watch": "monitor",
    "alert": "monitor",
    "alarm": "monitor",
    "observ": "monitor",
    "audit": "log",
    "trail": "log",
    "cert": "certif",
    "certif": "certif",
    "rotat": "rotat",
    "renew": "rotat",
    "revok": "rotat",
    "delet": "delet",
    "remov": "delet",
    "eras": "delet",
    "purg": "delet",
    "ttl": "expir",
    "expir": "expir",
    "configur": "config",
    "set": "config",
    "setup": "config",
    "harden": "config",
    "misconfigur": "config",
    "train": "train",
    "awar": "train",
    "educ": "train",
    "instal": "patch",
    "ha": "resili",
    "respons": "respond",
    "behind": "underli",
    "underli": "underli",
    "beneath": "underli",
    "under": "underli",
    "gpus": "hardwar",
    "gpu": "hardwar",
    "hardwar": "hardwar",
    "throttl": "throttl",
    "quota": "throttl",
}

_STEMMER = snowballstemmer.stemmer("english")
_PHRASE_RE = re.compile(
    r"\b(" + "|".join(re.escape(p) for p in sorted(PHRASES, key=len, reverse=True)) + r")\b"
)


def words(text: str) -> list[str]:
    """Lower-case word tokens, jargon phrases not yet rewritten (service names are found on these)."""
    return _WORD.findall(text.lower())


def rewrite_phrases(text: str) -> str:
    return _PHRASE_RE.sub(lambda m: PHRASES[m.group(1)], text.lower())


@lru_cache(maxsize=8192)
def term(word: str) -> str:
    """One word's index term: its stem, then the synonym table."""
    stem = str(_STEMMER.stemWord(word))
    return SYNONYMS.get(stem, SYNONYMS.get(word, stem))


def terms(text: str, known: frozenset[str] = frozenset()) -> list[str]:
    """Index terms of `text`; with `known` words given, unknown words of 5+ letters are spell-corrected."""
    out: list[str] = []
    for word in words(rewrite_phrases(text)):
        if word in STOP:
            continue
        if known and word not in known and len(word) >= 5 and not word.isdigit():
            word = correct(word, known)
        out.append(term(word))
    return out


def correct(word: str, known: frozenset[str]) -> str:
    """The closest known word when it is close enough (one or two slips in a long word), else the word."""
    best = process.extractOne(word, _in_order(known), scorer=fuzz.ratio, score_cutoff=84)
    return str(best[0]) if best else word


@lru_cache(maxsize=8)
def _in_order(known: frozenset[str]) -> tuple[str, ...]:
    """A fixed order, so that a tie between two corrections goes the same way in every process."""
    return tuple(sorted(known))


def vocabulary(texts: Iterable[str]) -> frozenset[str]:
    """Every plain word the index knows (before stemming): what a misspelling is corrected towards."""
    known: set[str] = set()
    for text in texts:
        known.update(w for w in words(rewrite_phrases(text)) if w not in STOP)
    return frozenset(known)
