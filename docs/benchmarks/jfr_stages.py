#!/usr/bin/env python3
"""Where the CPU goes in a JFR recording of the end-to-end benchmark.

    jfr print --events jdk.ExecutionSample --stack-depth 80 e2e.jfr > samples.txt
    python3 docs/benchmarks/jfr_stages.py samples.txt [HH:MM:SS HH:MM:SS]

Counts execution samples per thread (operator chains are named after their operators) and per
stage (the first matching library in the stack, in the order of RULES), optionally only those
between two wall-clock times (the benchmark prints when each run starts and ends).
"""
import re, sys, collections
text = open(sys.argv[1]).read()
events = text.split("jdk.ExecutionSample {")[1:]
if len(sys.argv) == 4:
    def inside(e):
        m = re.search(r"startTime = (\d\d:\d\d:\d\d)", e)
        return m is not None and sys.argv[2] <= m.group(1) <= sys.argv[3]
    events = [e for e in events if inside(e)]
by_thread = collections.Counter()
by_stage = collections.Counter()
by_thread_stage = collections.defaultdict(collections.Counter)
top = collections.Counter()
RULES = [
 ("XSD validation (keyflow xml)", ["XMLSchemaValidator", "xs.XSSimpleType", "validation.ValidatorHandler", "jaxp.validation"]),
 ("CEL", ["dev.cel."]),
 ("RocksDB / state", ["org.rocksdb", "RocksDB", "contrib.streaming.state"]),
 ("Kafka client/broker", ["org.apache.kafka", "kafka."]),
 ("HTTP", ["okhttp3", "java.net.http", "jdk.internal.net.http", "sun.net.httpserver", "com.sun.net.httpserver"]),
 ("XML parse (StAX/DOM/XPath)", ["com.ctc.wstx", "javax.xml.stream", "com.sun.org.apache.xerces", "com.sun.org.apache.xpath", "com.sun.org.apache.xml.internal.dtm", "XmlKeyExtractor", "XmlProcessor"]),
 ("JSON (Jackson)", ["com.fasterxml.jackson"]),
 ("Flink serialization/network", ["org.apache.flink.api.common.typeutils", "org.apache.flink.api.java.typeutils", "org.apache.flink.runtime.io.network", "org.apache.flink.core.memory"]),
 ("keyflow operators", ["dev.keyflow."]),
 ("Flink runtime", ["org.apache.flink."]),
 ("GC/JVM", []),
]
for e in events:
    m = re.search(r'sampledThread = "([^"]*)"', e)
    thread = m.group(1) if m else "?"
    t = re.sub(r'\d+', '#', thread)
    t = re.sub(r' \(#/#\).*', '', t)
    frames = re.findall(r'^\s+([\w$.<>]+)\(', e, re.M)
    stack = "\n".join(frames)
    stage = "other"
    for name, keys in RULES:
        if any(k in stack for k in keys):
            stage = name; break
    by_thread[t] += 1
    by_stage[stage] += 1
    by_thread_stage[t][stage] += 1
    if frames: top[frames[0]] += 1
n = sum(by_thread.values())
print("samples", n)
for t, c in by_thread.most_common(15):
    print(f"{100*c/n:5.1f}% {t[:110]}")
    for s, c2 in by_thread_stage[t].most_common(5):
        print(f"        {100*c2/n:5.1f}% {s}")
print("--- stages")
for s, c in by_stage.most_common(): print(f"{100*c/n:5.1f}% {s}")
print("--- top frames")
for f, c in top.most_common(25): print(f"{100*c/n:5.1f}% {f}")
