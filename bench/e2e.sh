#!/usr/bin/env bash
# Benchmark commands (not part of `mvn verify`). Run from the repository root.
#
#   bench/e2e.sh [-Dshort=true] [-Dprop=value ...]
#       keyflow's reference pipeline against the straightforward job, end to end; writes
#       docs/benchmarks.md and docs/benchmarks/e2e.svg (see docs/benchmarks.md for the options).
#
# JVM options can be added with BENCH_JAVA_OPTS, e.g. a profile:
#   BENCH_JAVA_OPTS="-XX:StartFlightRecording=filename=target/e2e.jfr" bench/e2e.sh
set -euo pipefail
cd "$(dirname "$0")/.."
main=dev.keyflow.reference.benchmarks.EndToEndBenchmark

mvn -o -q -pl job-reference -am test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
cp="job-reference/target/test-classes:job-reference/target/classes:$(cat job-reference/target/test-classpath.txt)"

opens="--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.time=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.text=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED"

# shellcheck disable=SC2086
exec java -Xmx4g -XX:+UseG1GC $opens -Dlog4j2.configurationFile=log4j2-local.properties \
  ${BENCH_JAVA_OPTS:-} "$@" -cp "$cp" "$main"
