# Sourced by bin/consort and .ci/run: exports JAVA_HOME pointing at a JDK 21 or newer.
# Order: an existing JAVA_HOME if it is 21+, then the JDKs under /usr/lib/jvm (newest first),
# then the java on PATH.
consort_java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p' | head -1
}
consort_find_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
    v=$(consort_java_major "$JAVA_HOME"); [ "${v:-0}" -ge 21 ] && return 0
  fi
  for d in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do
    d=${d%/}
    if [ -x "$d/bin/javac" ]; then
      v=$(consort_java_major "$d")
      if [ "${v:-0}" -ge 21 ]; then JAVA_HOME=$d; export JAVA_HOME; return 0; fi
    fi
  done
  if command -v javac >/dev/null 2>&1; then
    d=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
    v=$(consort_java_major "$d")
    if [ "${v:-0}" -ge 21 ]; then JAVA_HOME=$d; export JAVA_HOME; return 0; fi
  fi
  echo "consort: no JDK 21 or newer found; install one (for example Temurin 25) or set JAVA_HOME" >&2
  return 1
}
