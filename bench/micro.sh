#!/usr/bin/env bash
# Runs every JMH micro-benchmark of keyflow (core, xml, rules, state), one module after the
# other, and collects the results in target/benchmarks/: <module>.json (JMH JSON) and
# micro.log (the console output). See docs/benchmarks/micro.md.
#
#   bench/micro.sh                                   # the whole suite, about 10 minutes
#   JMH_OPTIONS="-f 1 -wi 3 -i 5 -w 1s -r 2s" bench/micro.sh
#   MODULES=core,state bench/micro.sh                # some modules only
#   MVN_ARGS=-o bench/micro.sh                       # offline
#
# Nothing is installed: the reactor builds the modules' test classes and runs JMH on their
# test classpath (exec:exec@jmh, switched on per module by the benchmarks profile).
set -euo pipefail

cd "$(dirname "$0")/.."
OPTIONS="${JMH_OPTIONS:--f 1 -wi 2 -i 3 -w 1s -r 1s}"
MODULES="${MODULES:-core,xml,rules,state}"
OUT=target/benchmarks
mkdir -p "$OUT"

{
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) modules=$MODULES options=$OPTIONS"
  echo "# cores: $(nproc)  load: $(uptime | sed 's/.*load average: //')"
  java -version 2>&1 | sed 's/^/# /'
} | tee "$OUT/micro.log"

# The benchmarks profile switches every module on and writes <module>/target/jmh-result.json;
# modules left out of MODULES are switched off again (and -am still builds what they need).
switches=()
for m in core xml rules state; do
  rm -f "$m/target/jmh-result.json"
  case ",$MODULES," in
    *",$m,"*) ;;
    *) switches+=("-Djmh.$m.skip=true") ;;
  esac
done

# shellcheck disable=SC2086
mvn ${MVN_ARGS:-} -q -Pbenchmarks -pl "$MODULES" -am test-compile exec:exec@jmh \
  ${switches[@]+"${switches[@]}"} -Djmh.options="$OPTIONS" \
  2>&1 | tee -a "$OUT/micro.log"

for m in ${MODULES//,/ }; do
  if [[ -f "$m/target/jmh-result.json" ]]; then
    cp "$m/target/jmh-result.json" "$OUT/$m.json"
  fi
done
echo "# load at the end: $(uptime | sed 's/.*load average: //')" | tee -a "$OUT/micro.log"
echo "Results: $OUT/"
