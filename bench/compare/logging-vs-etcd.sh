#!/usr/bin/env bash
# Side-by-side benchmark: Consort's logging writes against etcd puts, on this machine.
#
#   bench/compare/logging-vs-etcd.sh [--rounds 3] [--seconds 40] [--out DIR]
#                                    [--consort-warmup 60] [--etcd-warmup 10]
#                                    [--etcd-port-base 23790] [--max-seconds 600]
#
# Run it from a built checkout (cli/target/consort.jar and bench/target/consort-bench.jar; build
# them with ./mvnw -q -B package -DskipTests). It installs what it lacks with apt-get (etcd-server,
# wrk, openssl, curl, jq), then alternates the two targets for --rounds rounds:
#
#  * Consort: org.consort.bench.LoggingLoad starts a fresh 3-node sandbox (mutual TLS, fsync on),
#    64 keep-alive HTTPS clients write 100-byte records for --consort-warmup s, then --seconds s
#    measured; it follows the primary, stops the sandbox and writes its JSON report.
#  * etcd: a fresh 3-member cluster on 127.0.0.1 (HTTPS client URLs with a CA and server
#    certificate made here with openssl, plain-HTTP peer URLs, default fsync); wrk with 256
#    connections and 2 threads POSTs {"key": base64(random 18 bytes), "value": base64(100 bytes)}
#    to the leader's v3 JSON gateway /v3/kv/put, --etcd-warmup s unrecorded, then --seconds s.
#
# Odd rounds run Consort first, even rounds etcd first. etcd's puts/s are wrk's Requests/sec less
# the non-2xx share; its revision before and after the run is kept as a cross-check.
#
# In each measured phase it samples utime+stime (/proc/PID/stat) of the server processes (the 3
# Consort nodes, found through the sandbox's network.json; the 3 etcd members) and of the load
# generator (the LoggingLoad JVM; wrk) from 1 s after the phase starts to 1 s before it ends, and
# reports per process the cores used and CPU microseconds per committed write / per put (cores /
# rate). The idle sandbox launcher is listed too, outside both totals.
#
# Results go to --out (default bench/target/compare/logging-vs-etcd-<UTC timestamp>): raw outputs
# per round in round-N/{consort,etcd}/, results.json (per round and medians), summary.txt, and
# throughput.png and commit-latency.png (one panel per round): Consort's committed writes in each
# second and the p50/p99 commit latency of what committed in each second, from LoggingLoad's
# timeline; etcd as a level line at wrk's mean puts/s and its p50/p99 over the run, labelled so
# (wrk reports no per-second figures). The last line printed is
#   ratio R (consort A tx/s, etcd B tx/s, p99 L ms)
# with A, B the medians of Consort's committed writes/s and etcd's successful puts/s, R = A/B and
# L the median of Consort's commit-latency p99.
#
# Every process it starts is tracked by PID (and start time, so a reused PID is never signalled)
# and stopped on exit, whatever the exit; every wait is bounded, and the whole run must fit in
# --max-seconds (installation included), else it stops with a message. Exit code 0 when it
# measured every round, 1 when something failed, 2 for bad usage or a missing prerequisite.
set -euo pipefail
export LC_ALL=C # decimal points in $EPOCHREALTIME, awk and printf

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$SCRIPT_DIR/../.." && pwd)"
CLI_JAR="$REPO_DIR/cli/target/consort.jar"
BENCH_JAR="$REPO_DIR/bench/target/consort-bench.jar"

ROUNDS=3
SECONDS_MEASURED=40
CONSORT_WARMUP=60 # Consort's JIT warm-up on 2 cores: throughput climbs for about a minute
ETCD_WARMUP=10
ETCD_PORT_BASE=23790
MAX_SECONDS=600
OUT=""
CONSORT_CLIENTS=64
WRK_CONNECTIONS=256
WRK_THREADS=2
VALUE_BYTES=100
# Rough fixed costs per run beyond warm-up + measured time, to refuse up front a run that cannot
# fit in --max-seconds: Consort's sandbox start, settle, stop and ledger verification; etcd's start,
# leader election and stop. Measured on a 2-core machine, rounded up.
CONSORT_OVERHEAD=35
ETCD_OVERHEAD=10

START_EPOCH=$(date +%s)
HZ=$(getconf CLK_TCK)

# --- messages and time -------------------------------------------------------------------------

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() {
    log "FAILED: $*"
    exit 1
}
usage() {
    sed -n '2,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# Seconds left of --max-seconds.
left() { echo $((START_EPOCH + MAX_SECONDS - $(date +%s))); }

# The smaller of a wait's own bound and the time left (at least 1 s): no wait may outlast the
# run's budget by more than a second.
bounded() {
    local own=$1 rest
    rest=$(left)
    ((rest < own)) && own=$rest
    echo $((own < 1 ? 1 : own))
}

# Stops the run when the budget is spent (called between steps; the waits are bounded by it).
check_budget() {
    (($(left) > 0)) || die "the budget of --max-seconds $MAX_SECONDS ran out (during $1)"
}

# Sleeps N s in a way that a signal interrupts at once (a trap waits for a foreground sleep).
pause() {
    sleep "$1" &
    wait $! || true
}

now() { echo "$EPOCHREALTIME"; }

# --- processes started here --------------------------------------------------------------------

# "PID STARTTIME" of every process this script started or whose parent it started (the sandbox and
# its nodes), the process group of a LoggingLoad run under way and the sandbox folder it made;
# all stopped (or removed) on exit.
TRACKED=()
CONSORT_GROUP=""
SANDBOX_DIR=""
POLICY_RC_CREATED=0

# Field N (1-based, N >= 3) of /proc/PID/stat; field 2 (the command) may hold spaces and parens,
# so fields are counted after its closing paren.
stat_field() {
    local stat rest f
    { stat=$(<"/proc/$1/stat"); } 2>/dev/null || return 1
    rest=${stat##*) }
    read -r -a f <<<"$rest"
    echo "${f[$(($2 - 3))]}"
}

# Alive and not a zombie.
alive() {
    local state
    state=$(stat_field "$1" 3 2>/dev/null) || return 1
    [[ $state != Z && $state != X ]]
}

track() {
    local start
    start=$(stat_field "$1" 22 2>/dev/null) || return 0 # already gone
    TRACKED+=("$1 $start")
}

# True while PID is still the process that was tracked (same start time), so never a reused PID.
still_ours() {
    local start
    start=$(stat_field "$1" 22 2>/dev/null) || return 1
    [[ $start == "$2" ]] && alive "$1"
}

# Stops tracked processes: SIGTERM, up to 20 s for them to end, then SIGKILL.
stop_tracked() {
    local entry pid start deadline any
    for entry in "${TRACKED[@]}"; do
        read -r pid start <<<"$entry"
        if still_ours "$pid" "$start"; then kill -TERM "$pid" 2>/dev/null || true; fi
    done
    deadline=$((SECONDS + 20))
    while ((SECONDS < deadline)); do
        any=0
        for entry in "${TRACKED[@]}"; do
            read -r pid start <<<"$entry"
            if still_ours "$pid" "$start"; then any=1; fi
        done
        ((any)) || break
        sleep 0.2
    done
    for entry in "${TRACKED[@]}"; do
        read -r pid start <<<"$entry"
        if still_ours "$pid" "$start"; then
            log "killing $pid, which did not stop within 20 s"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    TRACKED=()
}

# True while some live process is in process group G.
group_alive() {
    local d line f
    for d in /proc/[0-9]*; do
        { read -r line <"$d/stat"; } 2>/dev/null || continue
        read -r -a f <<<"${line##*) }"
        [[ ${f[2]} == "$1" && ${f[0]} != Z ]] && return 0
    done
    return 1
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    # A LoggingLoad run under way: its group holds the JVM, the sandbox and the nodes, also those
    # not found yet (a JVM killed by a signal does not stop the processes it started).
    [[ -n $CONSORT_GROUP ]] && kill -TERM -- "-$CONSORT_GROUP" 2>/dev/null
    stop_tracked
    if [[ -n $CONSORT_GROUP ]]; then
        local deadline=$((SECONDS + 10))
        while group_alive "$CONSORT_GROUP" && ((SECONDS < deadline)); do sleep 0.2; done
        kill -KILL -- "-$CONSORT_GROUP" 2>/dev/null
    fi
    [[ -n $SANDBOX_DIR && -d $SANDBOX_DIR ]] && rm -rf "$SANDBOX_DIR"
    if ((POLICY_RC_CREATED)); then rm -f /usr/sbin/policy-rc.d; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM

# Waits up to LIMIT s for PID (a child of this shell) to end; sets WAIT_RC to its exit code.
# Returns 1 on time-out (the process is left running, for the caller to stop).
WAIT_RC=0
wait_exit() {
    local pid=$1 deadline=$((SECONDS + $2))
    while alive "$pid"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.2
    done
    WAIT_RC=0
    wait "$pid" || WAIT_RC=$?
}

# Stops one process started here: SIGTERM, up to LIMIT s, then SIGKILL; always reaps it.
stop_pid() {
    local pid=$1 limit=${2:-15}
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_exit "$pid" "$limit"; then
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
}

# The children of PID (from /proc, without procps; read in this shell, since a fork per process
# would cost more CPU than the look is worth).
children_of() {
    local d line f
    for d in /proc/[0-9]*; do
        { read -r line <"$d/stat"; } 2>/dev/null || continue
        read -r -a f <<<"${line##*) }"
        [[ ${f[1]} == "$1" ]] && echo "${d#/proc/}"
    done
    return 0
}

# Waits until FILE has a line matching the extended regex while PID lives, up to LIMIT s.
wait_for_line() {
    local file=$1 pattern=$2 pid=$3 deadline=$((SECONDS + $4))
    until grep -qE -- "$pattern" "$file" 2>/dev/null; do
        alive "$pid" || return 1
        ((SECONDS < deadline)) || return 1
        sleep 0.2
    done
}

# --- CPU accounting ----------------------------------------------------------------------------

# Appends one JSON line per "NAME:ROLE:PID" argument with the process's utime+stime in clock ticks
# and the time of the sample.
sample_cpu() {
    local file=$1 spec name role pid utime stime t
    shift
    t=$(now)
    for spec in "$@"; do
        IFS=: read -r name role pid <<<"$spec"
        utime=$(stat_field "$pid" 14) || die "process $name ($pid) is gone while measuring"
        stime=$(stat_field "$pid" 15) || die "process $name ($pid) is gone while measuring"
        printf '{"name":"%s","role":"%s","pid":%d,"ticks":%d,"at":%s}\n' \
            "$name" "$role" "$pid" "$((utime + stime))" "$t" >>"$file"
    done
}

# Turns a start and an end sample into cpu.json: per process CPU seconds, cores used and CPU
# microseconds per operation, given the operations per second of the measured phase. Rates are
# used because the sampled window lies inside the measured phase (it starts a second after it and
# ends a second before it), away from the start-up and stopping of the load.
cpu_report() {
    local start=$1 end=$2 ops_per_second=$3 out=$4
    jq -n --slurpfile a "$start" --slurpfile b "$end" --argjson hz "$HZ" --argjson rate "$ops_per_second" '
        def r(n): (n * 100 | round) / 100;
        ($b[0].at - $a[0].at) as $window
        | [range(0; $a | length) as $i | $a[$i] as $x | ($b[] | select(.pid == $x.pid)) as $y
           | (($y.ticks - $x.ticks) / $hz) as $cpu
           | {name: $x.name, role: $x.role, pid: $x.pid, cpuSeconds: r($cpu), cores: r($cpu / $window),
              usPerOp: (if $rate > 0 then r($cpu / $window / $rate * 1e6) else null end)}] as $p
        | def total(role): ([$p[] | select(.role == role) | .usPerOp // 0] | add);
        {windowSeconds: r($window), opsPerSecond: $rate, processes: $p,
         serverUsPerOp: r(total("server")), loadGeneratorUsPerOp: r(total("load"))}' >"$out"
}

# --- installation ------------------------------------------------------------------------------

# Installs with apt-get the Debian packages of the commands that are missing. Debian's etcd-server
# would start a default etcd on install where an init system runs; a policy-rc.d that denies
# service starts, present only during the install, keeps the machine free of processes not
# started by this script.
install_missing() {
    local -A package_of=([etcd]=etcd-server [wrk]=wrk [openssl]=openssl [curl]=curl [jq]=jq)
    local cmd missing=()
    for cmd in etcd wrk openssl curl jq; do
        command -v "$cmd" >/dev/null || missing+=("${package_of[$cmd]}")
    done
    ((${#missing[@]} == 0)) && return 0
    command -v apt-get >/dev/null || {
        log "missing ${missing[*]} and no apt-get to install them"
        exit 2
    }
    [[ $(id -u) == 0 ]] || {
        log "missing ${missing[*]}: run as root (or install them) so that apt-get can install them"
        exit 2
    }
    local apt_log
    apt_log=$(mktemp -t logging-vs-etcd-apt.XXXXXX)
    log "installing ${missing[*]} (apt-get output in $apt_log)"
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod +x /usr/sbin/policy-rc.d
        POLICY_RC_CREATED=1
    fi
    timeout "$(bounded 300)" apt-get update -qq >>"$apt_log" 2>&1 ||
        die "apt-get update failed: $(tail -n 5 "$apt_log")"
    DEBIAN_FRONTEND=noninteractive timeout "$(bounded 300)" \
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$apt_log" 2>&1 ||
        die "apt-get install ${missing[*]} failed: $(tail -n 5 "$apt_log")"
    rm -f /usr/sbin/policy-rc.d
    POLICY_RC_CREATED=0
    for cmd in etcd wrk openssl curl jq; do
        command -v "$cmd" >/dev/null || die "$cmd is still missing after installing ${missing[*]}"
    done
}

# --- etcd --------------------------------------------------------------------------------------

# A CA and a server certificate for 127.0.0.1 and localhost (EC P-256), made once per run.
make_certificates() {
    local dir=$1
    mkdir -p "$dir"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
        -subj "/CN=logging-vs-etcd CA" -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>>"$dir/openssl.log"
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -subj "/CN=etcd" -keyout "$dir/server.key" -out "$dir/server.csr" 2>>"$dir/openssl.log"
    printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" "extendedKeyUsage=serverAuth,clientAuth" \
        "keyUsage=digitalSignature,keyEncipherment" >"$dir/server.ext"
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
        -days 2 -extfile "$dir/server.ext" -out "$dir/server.pem" 2>>"$dir/openssl.log"
}

client_port() { echo $((ETCD_PORT_BASE + 2 * $1)); }
peer_port() { echo $((ETCD_PORT_BASE + 2 * $1 + 1)); }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The JSON of POST /v3/maintenance/status on one member.
etcd_status() {
    curl -sS --max-time 3 --cacert "$CERTS/ca.pem" -X POST -d '{}' "https://127.0.0.1:$(client_port "$1")/v3/maintenance/status"
}

ETCD_PIDS=()

# Starts 3 members with data in DATA_DIR and logs in LOG_DIR; waits until all answer and agree on
# a leader.
start_etcd() {
    local data_dir=$1 dir=$2 round=$3 i cluster="" p
    for i in 0 1 2; do
        for p in "$(client_port $i)" "$(peer_port $i)"; do
            port_in_use "$p" && die "port $p is in use; choose other ports with --etcd-port-base"
        done
        cluster+="${cluster:+,}m$i=http://127.0.0.1:$(peer_port $i)"
    done
    mkdir -p "$data_dir"
    ETCD_PIDS=()
    for i in 0 1 2; do
        etcd --name "m$i" --data-dir "$data_dir/m$i" \
            --listen-client-urls "https://127.0.0.1:$(client_port $i)" \
            --advertise-client-urls "https://127.0.0.1:$(client_port $i)" \
            --listen-peer-urls "http://127.0.0.1:$(peer_port $i)" \
            --initial-advertise-peer-urls "http://127.0.0.1:$(peer_port $i)" \
            --initial-cluster "$cluster" --initial-cluster-state new \
            --initial-cluster-token "logging-vs-etcd-$round-$$" \
            --cert-file "$CERTS/server.pem" --key-file "$CERTS/server.key" \
            --logger zap --log-outputs stderr >"$dir/m$i.log" 2>&1 &
        ETCD_PIDS+=("$!")
        track "$!"
    done
    local deadline=$((SECONDS + $(bounded 30))) leaders=()
    while :; do
        for i in 0 1 2; do
            alive "${ETCD_PIDS[$i]}" || die "etcd member m$i exited at start; its log ($dir/m$i.log) ends with:
$(tail -n 15 "$dir/m$i.log")"
        done
        # Ready when all 3 answer and name the same leader (0 means none yet).
        leaders=()
        for i in 0 1 2; do
            leaders+=("$(etcd_status $i 2>/dev/null | jq -r '.leader // "0"' 2>/dev/null || echo 0)")
        done
        if [[ ${leaders[0]} =~ ^[1-9][0-9]*$ && ${leaders[0]} == "${leaders[1]}" && ${leaders[0]} == "${leaders[2]}" ]]; then
            return 0
        fi
        ((SECONDS < deadline)) || die "etcd did not elect a leader that all 3 members report within 30 s (logs in $dir)"
        sleep 0.3
    done
}

# The index (0-2) of the member that is leader: the one whose header.member_id is the leader id.
etcd_leader() {
    local i s
    for i in 0 1 2; do
        s=$(etcd_status $i) || continue
        if [[ $(jq -r '.header.member_id == .leader' <<<"$s") == true ]]; then
            echo "$i"
            return 0
        fi
    done
    return 1
}

etcd_revision() { etcd_status "$1" | jq -r '.header.revision | tonumber'; }

# SIGTERM, then SIGKILL after 3 s: etcd 3.4 logs "closing etcd server" at once but here took about
# 7 s more to exit, and its data is thrown away anyway.
stop_etcd() {
    local pid
    for pid in "${ETCD_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${ETCD_PIDS[@]}"; do stop_pid "$pid" 3; done
    ETCD_PIDS=()
}

# The wrk script: one put per request through the v3 JSON gateway. The key is 24 random base64
# characters, which is exactly base64 of 18 random bytes; the value is base64 of 100 random bytes,
# made once per run.
write_wrk_script() {
    local file=$1 value
    value=$(head -c "$VALUE_BYTES" /dev/urandom | base64 -w0)
    printf 'local value = "%s"\n' "$value" >"$file"
    cat >>"$file" <<'LUA'
local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local threads = 0
local key = {}

-- Each thread gets its own seed, so that the threads write different keys.
function setup(thread)
  threads = threads + 1
  thread:set("seed", threads)
end

function init(args)
  math.randomseed(os.time() * 1000 + (seed or 0))
end

wrk.method = "POST"
wrk.path = "/v3/kv/put"
wrk.headers["Content-Type"] = "application/json"

function request()
  for i = 1, 24 do
    local r = math.random(64)
    key[i] = alphabet:sub(r, r)
  end
  return wrk.format(nil, nil, nil, '{"key":"' .. table.concat(key) .. '","value":"' .. value .. '"}')
end
LUA
}

# Runs wrk against URL for SECONDS s into OUT; returns its PID in WRK_PID (in the background).
start_wrk() {
    local url=$1 seconds=$2 out=$3
    wrk -t "$WRK_THREADS" -c "$WRK_CONNECTIONS" -d "${seconds}s" --timeout 10s --latency \
        -s "$WRK_SCRIPT" "$url" >"$out" 2>&1 &
    WRK_PID=$!
    track "$WRK_PID"
}

# Parses wrk's output: requests, Requests/sec, non-2xx responses, socket errors, latency percentiles
# (wrk prints us, ms, s or m).
parse_wrk() {
    awk '
        function ms(v) {
            if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
            if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
            if (v ~ /m$/) return substr(v, 1, length(v) - 1) * 60000
            if (v ~ /s$/) return substr(v, 1, length(v) - 1) * 1000
            return -1
        }
        / requests in / { requests = $1; duration = $4; sub(/s,$/, "", duration) }
        /^Requests\/sec:/ { rps = $2 }
        /Non-2xx or 3xx responses:/ { non2xx = $NF }
        /Socket errors:/ { gsub(/,/, ""); connect = $4; read = $6; write = $8; timeout = $10 }
        /Latency Distribution/ { dist = 1; next }
        dist && $1 ~ /^[0-9]+%$/ { p[$1] = ms($2); next }
        dist { dist = 0 }
        END {
            if (requests == "" || rps == "") exit 1
            printf "{\"requests\":%d,\"durationSeconds\":%s,\"requestsPerSecond\":%s,\"non2xx\":%d,", requests, duration, rps, non2xx
            printf "\"socketErrors\":{\"connect\":%d,\"read\":%d,\"write\":%d,\"timeout\":%d},", connect, read, write, timeout
            printf "\"latencyMsP50\":%s,\"latencyMsP90\":%s,\"latencyMsP99\":%s}\n", p["50%"], p["90%"], p["99%"]
        }' "$1"
}

# One etcd run: fresh cluster, warm-up, measured wrk run with CPU samples, then stop and remove
# the data (it is large and not needed; the logs stay).
run_etcd() {
    local round=$1 dir=$2 data_dir=$3 leader url before after leader_after i
    check_budget "etcd round $round"
    mkdir -p "$dir"
    log "etcd round $round: starting 3 members"
    start_etcd "$data_dir" "$dir" "$round"
    leader=$(etcd_leader) || die "no etcd member says it is the leader"
    url="https://127.0.0.1:$(client_port "$leader")"
    for i in 0 1 2; do etcd_status $i >"$dir/status-m$i-start.json" || true; done
    log "etcd round $round: leader m$leader ($url); warm-up ${ETCD_WARMUP} s"

    start_wrk "$url" "$ETCD_WARMUP" "$dir/wrk-warmup.txt"
    wait_exit "$WRK_PID" "$(bounded $((ETCD_WARMUP + 20)))" || die "wrk warm-up did not end"
    ((WAIT_RC == 0)) || die "wrk warm-up failed: $(tail -n 5 "$dir/wrk-warmup.txt")"

    before=$(etcd_revision "$leader")
    log "etcd round $round: measuring ${SECONDS_MEASURED} s"
    start_wrk "$url" "$SECONDS_MEASURED" "$dir/wrk.txt"
    local procs=("m0:server:${ETCD_PIDS[0]}" "m1:server:${ETCD_PIDS[1]}" "m2:server:${ETCD_PIDS[2]}" "wrk:load:$WRK_PID")
    pause 1
    sample_cpu "$dir/cpu-start.jsonl" "${procs[@]}"
    pause $((SECONDS_MEASURED - 2))
    sample_cpu "$dir/cpu-end.jsonl" "${procs[@]}"
    wait_exit "$WRK_PID" "$(bounded 30)" || die "wrk did not end"
    ((WAIT_RC == 0)) || die "wrk failed: $(tail -n 5 "$dir/wrk.txt")"
    after=$(etcd_revision "$leader")
    leader_after=$(etcd_leader || echo unknown)
    for i in 0 1 2; do etcd_status $i >"$dir/status-m$i-end.json" || true; done

    local wrk_json
    wrk_json=$(parse_wrk "$dir/wrk.txt") || die "could not read wrk's output ($dir/wrk.txt)"
    # Successful puts/s: wrk's Requests/sec counts every response, so the non-2xx ones are removed.
    jq -n --argjson w "$wrk_json" --argjson before "$before" --argjson after "$after" \
        --arg leader "m$leader" --arg leaderAfter "m$leader_after" --arg url "$url" '
        $w + {putsPerSecond: ((($w.requestsPerSecond * ($w.requests - $w.non2xx) / ([$w.requests, 1] | max)) * 100 | round) / 100),
              errors: ($w.non2xx + ($w.socketErrors | add)),
              revisionDelta: ($after - $before), leader: $leader, leaderAfter: $leaderAfter, url: $url}' >"$dir/wrk.json"
    cpu_report "$dir/cpu-start.jsonl" "$dir/cpu-end.jsonl" "$(jq .putsPerSecond "$dir/wrk.json")" "$dir/cpu.json"
    jq -s '.[0] + {cpu: .[1]}' "$dir/wrk.json" "$dir/cpu.json" >"$dir/result.json"

    log "etcd round $round: stopping"
    stop_etcd
    rm -rf "$data_dir"
    log "etcd round $round: $(jq -r '"\(.putsPerSecond) puts/s, p99 \(.latencyMsP99) ms, \(.errors) errors, revision +\(.revisionDelta) for \(.requests - .non2xx) successful puts"' "$dir/result.json")"
}

# --- Consort -----------------------------------------------------------------------------------

# One Consort run: LoggingLoad starts and stops the 3-node sandbox itself. It runs in a process
# group of its own (setsid), so that its sandbox and nodes can be stopped as a group if it dies.
# The node PIDs are read from the sandbox's network.json, found through the --dir argument of the
# sandbox process, LoggingLoad's child. CPU is sampled at the progress lines of the measured
# phase ("[   1 s]" and "[ S-1 s]" on stderr).
run_consort() {
    local round=$1 dir=$2 start_timeout grace pid
    check_budget "consort round $round"
    mkdir -p "$dir"
    start_timeout=$(bounded 180)
    grace=120
    log "consort round $round: starting the sandbox; warm-up ${CONSORT_WARMUP} s, then ${SECONDS_MEASURED} s measured"
    setsid "$JAVA" -cp "$BENCH_JAR" org.consort.bench.LoggingLoad --jar "$CLI_JAR" --nodes 3 \
        --clients "$CONSORT_CLIENTS" --value-bytes "$VALUE_BYTES" --seconds "$SECONDS_MEASURED" \
        --warmup-seconds "$CONSORT_WARMUP" --start-timeout-seconds "$start_timeout" --grace-seconds "$grace" \
        --json-out "$dir/loggingload.json" >"$dir/stdout.txt" 2>"$dir/stderr.txt" &
    pid=$!
    track "$pid"
    # The forked child becomes a group leader only once setsid runs in it: wait for that (bounded).
    local tries=0
    until [[ $(stat_field "$pid" 5 2>/dev/null) == "$pid" ]]; do
        ((++tries < 50)) || die "consort: setsid did not give LoggingLoad a process group of its own"
        sleep 0.1
    done
    CONSORT_GROUP=$pid

    # The sandbox process (LoggingLoad's child, started at once) and its folder, found now so that
    # a run stopped during start-up or warm-up leaves no folder behind.
    local child sandbox_pid="" node_pids i procs deadline
    deadline=$((SECONDS + $(bounded 30)))
    until [[ -n $sandbox_pid ]]; do
        for child in $(children_of "$pid"); do
            if tr '\0' '\n' <"/proc/$child/cmdline" 2>/dev/null | grep -qx sandbox; then
                sandbox_pid=$child
                SANDBOX_DIR=$(tr '\0' '\n' <"/proc/$child/cmdline" | grep -x -A1 -- --dir | tail -n 1)
            fi
        done
        [[ -n $sandbox_pid ]] && break
        alive "$pid" || die "consort: LoggingLoad ended before starting a sandbox:
$(tail -n 15 "$dir/stderr.txt")"
        ((SECONDS < deadline)) || die "consort: LoggingLoad started no sandbox within 30 s"
        sleep 0.5
    done
    track "$sandbox_pid"

    # The measured phase's lines ("[   1 s]    6,512 acked ..."), not the warm-up's ("[   1 s] warm-up ...").
    wait_for_line "$dir/stderr.txt" '^\[ *1 s\] +[0-9]' "$pid" "$(bounded $((start_timeout + CONSORT_WARMUP + 30)))" ||
        die "consort: the measured phase did not start (see $dir/stderr.txt):
$(tail -n 15 "$dir/stderr.txt")"
    [[ -f $SANDBOX_DIR/network.json ]] || die "consort: the sandbox wrote no $SANDBOX_DIR/network.json"
    mapfile -t node_pids < <(jq -r '.nodes[].pid' "$SANDBOX_DIR/network.json")
    ((${#node_pids[@]} == 3)) || die "consort: expected 3 nodes in $SANDBOX_DIR/network.json"
    procs=()
    for i in 0 1 2; do
        [[ $(stat_field "${node_pids[$i]}" 4) == "$sandbox_pid" ]] || die "consort: node $i (pid ${node_pids[$i]}) is not the sandbox's child"
        track "${node_pids[$i]}"
        procs+=("node$i:server:${node_pids[$i]}")
        tr '\0' ' ' <"/proc/${node_pids[$i]}/cmdline" >"$dir/node$i-cmdline.txt"
    done
    procs+=("loggingload:load:$pid" "sandbox-launcher:launcher:$sandbox_pid")
    cp "$SANDBOX_DIR/network.json" "$dir/network.json"

    sample_cpu "$dir/cpu-start.jsonl" "${procs[@]}"
    wait_for_line "$dir/stderr.txt" "^\[ *$((SECONDS_MEASURED - 1)) s\] +[0-9]" "$pid" "$(bounded $((SECONDS_MEASURED + 30)))" ||
        die "consort: the measured phase did not run to its end (see $dir/stderr.txt)"
    sample_cpu "$dir/cpu-end.jsonl" "${procs[@]}"

    log "consort round $round: measured; waiting for LoggingLoad to settle, stop the sandbox and verify the ledger"
    wait_exit "$pid" "$(bounded $((grace + 30)))" || die "consort: LoggingLoad did not end within $((grace + 30)) s"
    ((WAIT_RC == 0)) || die "consort: LoggingLoad exited with $WAIT_RC (see $dir/stderr.txt):
$(tail -n 15 "$dir/stderr.txt")"
    [[ -s $dir/loggingload.json ]] || die "consort: LoggingLoad wrote no report"
    # LoggingLoad stops its nodes and deletes the sandbox folder; make sure, before the next target runs.
    stop_tracked
    group_alive "$CONSORT_GROUP" && kill -KILL -- "-$CONSORT_GROUP" 2>/dev/null
    CONSORT_GROUP=""
    [[ -d $SANDBOX_DIR ]] && rm -rf "$SANDBOX_DIR"
    SANDBOX_DIR=""

    cpu_report "$dir/cpu-start.jsonl" "$dir/cpu-end.jsonl" "$(jq .committedWritesPerSecond "$dir/loggingload.json")" "$dir/cpu.json"
    jq -s '.[0] + {cpu: .[1]}' "$dir/loggingload.json" "$dir/cpu.json" >"$dir/result.json"
    log "consort round $round: $(jq -r '"\(.committedWritesPerSecond) committed writes/s, commit p99 \(.commitLatencyMsP99) ms, response p99 \(.latencyMsP99) ms, \(.errorsTotal) errors, \(.invalidAcknowledged) invalid acknowledged"' "$dir/result.json")"
}

# --- summary -----------------------------------------------------------------------------------

write_results() {
    local files=() r
    for ((r = 1; r <= ROUNDS; r++)); do
        files+=("$OUT/round-$r/consort/result.json" "$OUT/round-$r/etcd/result.json")
    done
    jq -s --argjson rounds "$ROUNDS" --argjson seconds "$SECONDS_MEASURED" \
        --argjson cw "$CONSORT_WARMUP" --argjson ew "$ETCD_WARMUP" \
        --arg etcd "$(etcd --version 2>/dev/null | head -n 1)" --arg wrk "$(wrk -v 2>&1 | head -n 1 | cut -d ' ' -f 1-2)" \
        --arg java "$("$JAVA" -version 2>&1 | head -n 1)" --arg cores "$(nproc)" --arg at "$(date -u +%FT%TZ)" '
        def median: sort | length as $n | if $n == 0 then null elif $n % 2 == 1 then .[$n / 2 | floor]
                     else (.[$n / 2 - 1] + .[$n / 2]) / 2 end;
        def r(n): (n * 100 | round) / 100;
        [range(0; $rounds) as $i | {round: ($i + 1), consort: .[2 * $i], etcd: .[2 * $i + 1]}] as $rs
        | ([$rs[].consort.committedWritesPerSecond] | median) as $a
        | ([$rs[].etcd.putsPerSecond] | median) as $b
        | {generatedAt: $at,
           settings: {rounds: $rounds, measuredSeconds: $seconds, consortWarmupSeconds: $cw, etcdWarmupSeconds: $ew,
                      consortClients: 64, wrkConnections: 256, wrkThreads: 2, valueBytes: 100},
           machine: {cores: ($cores | tonumber), etcd: $etcd, wrk: $wrk, java: $java},
           rounds: [$rs[] | {round,
               consort: (.consort | {committedWritesPerSecond, executedWritesPerSecond, commitLatencyMsP50,
                                     commitLatencyMsP99, latencyMsP50, latencyMsP99, errorsTotal, errors,
                                     invalidAcknowledged, pendingAcknowledged, unknownAcknowledged, primaryChanges,
                                     ledgerVerifyExitCode, cpu}),
               etcd: (.etcd | {putsPerSecond, requestsPerSecond, requests, non2xx, socketErrors, errors,
                               latencyMsP50, latencyMsP90, latencyMsP99, revisionDelta, leader, leaderAfter, cpu})}],
           medians: {
               consort: {committedWritesPerSecond: $a,
                         commitLatencyMsP99: ([$rs[].consort.commitLatencyMsP99] | median),
                         latencyMsP99: ([$rs[].consort.latencyMsP99] | median),
                         serverCpuUsPerWrite: ([$rs[].consort.cpu.serverUsPerOp] | median),
                         loadGeneratorCpuUsPerWrite: ([$rs[].consort.cpu.loadGeneratorUsPerOp] | median)},
               etcd: {putsPerSecond: $b,
                      latencyMsP99: ([$rs[].etcd.latencyMsP99] | median),
                      serverCpuUsPerPut: ([$rs[].etcd.cpu.serverUsPerOp] | median),
                      loadGeneratorCpuUsPerPut: ([$rs[].etcd.cpu.loadGeneratorUsPerOp] | median)}},
           ratio: (if $b > 0 then r($a / $b) else null end)}' "${files[@]}" >"$OUT/results.json"
}

print_summary() {
    jq -r '
        def cpu: [.processes[] | "\(.name) \(.usPerOp) us (\(.cores) cores)"] | join(", ");
        "logging-vs-etcd: \(.settings.rounds) round(s) of \(.settings.measuredSeconds) s on \(.machine.cores) cores; \(.machine.etcd); \(.machine.wrk)",
        (.rounds[] |
          "round \(.round): consort \(.consort.committedWritesPerSecond) committed writes/s, commit p99 \(.consort.commitLatencyMsP99) ms, response p99 \(.consort.latencyMsP99) ms, errors \(.consort.errorsTotal), invalid acknowledged \(.consort.invalidAcknowledged), primary changes \(.consort.primaryChanges)",
          "         etcd \(.etcd.putsPerSecond) puts/s, p99 \(.etcd.latencyMsP99) ms, non-2xx \(.etcd.non2xx), socket errors \(.etcd.socketErrors | add), revision +\(.etcd.revisionDelta) for \(.etcd.requests - .etcd.non2xx) successful puts, leader \(.etcd.leader) -> \(.etcd.leaderAfter)",
          "         consort CPU per committed write: servers \(.consort.cpu.serverUsPerOp) us [\(.consort.cpu | cpu)]",
          "         etcd CPU per put: servers \(.etcd.cpu.serverUsPerOp) us [\(.etcd.cpu | cpu)]"),
        "medians: consort \(.medians.consort.committedWritesPerSecond) committed writes/s, commit p99 \(.medians.consort.commitLatencyMsP99) ms, response p99 \(.medians.consort.latencyMsP99) ms, CPU \(.medians.consort.serverCpuUsPerWrite) us/write in the nodes + \(.medians.consort.loadGeneratorCpuUsPerWrite) us in LoggingLoad",
        "         etcd \(.medians.etcd.putsPerSecond) puts/s, p99 \(.medians.etcd.latencyMsP99) ms, CPU \(.medians.etcd.serverCpuUsPerPut) us/put in the members + \(.medians.etcd.loadGeneratorCpuUsPerPut) us in wrk"
        ' "$OUT/results.json"
    # The last line: R with 2 decimals from the unrounded medians.
    local a b l
    read -r a b l < <(jq -r '[.medians.consort.committedWritesPerSecond, .medians.etcd.putsPerSecond,
                             .medians.consort.commitLatencyMsP99] | @tsv' "$OUT/results.json")
    awk -v a="$a" -v b="$b" -v l="$l" 'BEGIN {
        printf "ratio %.2f (consort %.0f tx/s, etcd %.0f tx/s, p99 %s ms)\n", (b > 0 ? a / b : 0), a, b, l }'
}

# throughput.png and commit-latency.png: a panel per round, Consort's per-second timeline and etcd's
# whole-run figures from wrk as a level line.
write_charts() {
    local args=() r e
    for ((r = 1; r <= ROUNDS; r++)); do
        e="$OUT/round-$r/etcd/result.json"
        args+=(--panel "round $r"
            --series "consort, 3 nodes=$OUT/round-$r/consort/loggingload.json"
            --flat "etcd, 3 members: wrk's figures of the whole run (no per-second figures)=$(jq -r '"\(.putsPerSecond),\(.latencyMsP50),\(.latencyMsP99)"' "$e")@$SECONDS_MEASURED")
    done
    timeout "$(bounded 60)" "$JAVA" -cp "$BENCH_JAR" org.consort.bench.chart.TimelineChart --out-dir "$OUT" \
        --title "Logging writes and etcd puts" --y-unit writes "${args[@]}" >"$OUT/charts.log" 2>&1 ||
        log "could not draw the charts (see $OUT/charts.log)"
}

# --- main --------------------------------------------------------------------------------------

parse_args() {
    while (($#)); do
        [[ $# -ge 2 || $1 == -h || $1 == --help ]] || {
            log "option $1 needs a value"
            usage
        }
        case $1 in
        --rounds) ROUNDS=$2 ;;
        --seconds) SECONDS_MEASURED=$2 ;;
        --out) OUT=$2 ;;
        --consort-warmup) CONSORT_WARMUP=$2 ;;
        --etcd-warmup) ETCD_WARMUP=$2 ;;
        --etcd-port-base) ETCD_PORT_BASE=$2 ;;
        --max-seconds) MAX_SECONDS=$2 ;;
        -h | --help) usage ;;
        *)
            log "unknown option $1"
            usage
            ;;
        esac
        shift 2
    done
    local v
    for v in "$ROUNDS" "$SECONDS_MEASURED" "$CONSORT_WARMUP" "$ETCD_WARMUP" "$ETCD_PORT_BASE" "$MAX_SECONDS"; do
        [[ $v =~ ^[0-9]+$ ]] || {
            log "option values must be whole numbers: '$v'"
            exit 2
        }
    done
    ((ROUNDS >= 1 && SECONDS_MEASURED >= 5 && ETCD_WARMUP >= 1)) || {
        log "--rounds must be at least 1, --seconds at least 5, --etcd-warmup at least 1"
        exit 2
    }
}

main() {
    parse_args "$@"
    local estimate=$((ROUNDS * (CONSORT_WARMUP + SECONDS_MEASURED + CONSORT_OVERHEAD + ETCD_WARMUP + SECONDS_MEASURED + ETCD_OVERHEAD)))
    ((estimate <= MAX_SECONDS)) || {
        log "$ROUNDS round(s) of $SECONDS_MEASURED s need about $estimate s, more than --max-seconds $MAX_SECONDS"
        exit 2
    }
    [[ -f $CLI_JAR && -f $BENCH_JAR ]] || {
        log "build first: $CLI_JAR or $BENCH_JAR is missing (./mvnw -q -B package -DskipTests)"
        exit 2
    }
    # shellcheck source=../../bin/java-home.sh source-path=SCRIPTDIR
    . "$REPO_DIR/bin/java-home.sh"
    consort_find_jdk >/dev/null || exit 2
    JAVA="$JAVA_HOME/bin/java"

    install_missing
    # Checked again once the packages are there: what installing took counts against the budget.
    (($(left) >= estimate)) || {
        log "the rounds need about $estimate s and $(left) s of --max-seconds $MAX_SECONDS are left after installing; run again (the packages are installed now)"
        exit 2
    }
    OUT=${OUT:-$REPO_DIR/bench/target/compare/logging-vs-etcd-$(date -u +%Y%m%dT%H%M%SZ)}
    mkdir -p "$OUT"
    OUT=$(cd "$OUT" && pwd)
    CERTS="$OUT/certs"
    make_certificates "$CERTS"
    WRK_SCRIPT="$OUT/put.lua"
    write_wrk_script "$WRK_SCRIPT"
    log "results in $OUT"

    local r
    for ((r = 1; r <= ROUNDS; r++)); do
        # The order alternates (C E, E C, ...), so that neither target always runs right after the
        # other one's fsync-heavy run; sync flushes what the previous run left to write.
        if ((r % 2 == 1)); then
            run_consort "$r" "$OUT/round-$r/consort"
            timeout "$(bounded 60)" sync || true
            run_etcd "$r" "$OUT/round-$r/etcd" "$OUT/tmp/etcd-round-$r"
        else
            run_etcd "$r" "$OUT/round-$r/etcd" "$OUT/tmp/etcd-round-$r"
            timeout "$(bounded 60)" sync || true
            run_consort "$r" "$OUT/round-$r/consort"
        fi
        timeout "$(bounded 60)" sync || true
    done
    rm -rf "$OUT/tmp"

    write_results
    write_charts
    print_summary | tee "$OUT/summary.txt"
    log "done in $(($(date +%s) - START_EPOCH)) s; results in $OUT"
}

# Sourcing the file (for a test of its functions) runs nothing.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    main "$@"
fi
