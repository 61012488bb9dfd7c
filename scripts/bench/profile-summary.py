#!/usr/bin/env python3
"""profile-summary.py FILE.collapsed...: where a CPU profile's samples went, one column per file.

Each sample goes to the first bucket whose marker matches a frame, walking from the innermost
frame outwards: a socket write made by Tomcat counts as socket I/O, SHA-256 called by Wharf's
upload writer as SHA-256, PostgreSQL's driver called from anywhere as the database.
"""
import os
import sys

BUCKETS = [
    ("JIT compiler threads", ("CompileBroker::", "C2Compiler::", "Compilation::")),
    ("GC and safepoints", ("VMThread::", "SerialHeap::", "DefNewGeneration::", "GenCollectedHeap::", "TenuredGeneration::")),
    ("SHA-256", ("sun/security/provider/SHA2", "sun/security/provider/DigestBase", "java/security/MessageDigest")),
    ("file I/O (read, write, fsync)", ("sun/nio/ch/FileChannelImpl", "sun/nio/ch/FileDispatcherImpl", "sun/nio/fs/")),
    ("PostgreSQL (driver, its socket, pool)", ("org/postgresql/", "com/zaxxer/hikari/")),
    ("socket I/O (HTTP)", ("sun/nio/ch/SocketChannelImpl",)),
    ("Tomcat poller (waiting for data)", ("NioEndpoint$Poller", "sun/nio/ch/EPoll", "sun/nio/ch/SelectorImpl")),
    ("logging (access log)", ("ch/qos/logback/", "org/slf4j/")),
    ("metrics and observations", ("io/micrometer/",)),
    ("JSON", ("tools/jackson/", "com/fasterxml/jackson/")),
    ("Spring Security", ("org/springframework/security/",)),
    ("Spring MVC and other Spring", ("org/springframework/",)),
    ("Wharf's own code", ("dev/wharf/",)),
    ("Tomcat HTTP processing", ("org/apache/", "jakarta/servlet/")),
]
OTHER = "other (JDK, threads, unattributed)"


def summarize(path):
    counts = {name: 0 for name, _ in BUCKETS}
    counts[OTHER] = 0
    total = 0
    with open(path) as f:
        for line in f:
            stack, n = line.rstrip().rsplit(" ", 1)
            n = int(n)
            total += n
            frames = stack.split(";")
            bucket = OTHER
            for frame in reversed(frames):
                hit = next((name for name, markers in BUCKETS if any(m in frame for m in markers)), None)
                if hit:
                    bucket = hit
                    break
            counts[bucket] += n
    return total, counts


def main(paths):
    results = [(os.path.basename(p).rsplit(".", 1)[0], *summarize(p)) for p in paths]
    names = [name for name, _ in BUCKETS] + [OTHER]
    print(f"{'share of CPU samples (1 ms each)':38}" + "".join(f"{r[0]:>10}" for r in results))
    print(f"{'samples':38}" + "".join(f"{r[1]:>10}" for r in results))
    for name in names:
        print(f"{name:38}" + "".join(f"{100.0 * r[2][name] / max(r[1], 1):>9.1f}%" for r in results))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
