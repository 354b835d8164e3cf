#!/usr/bin/env bash
# Side-by-side benchmark: ERC-20 transfers committed on a 3-node Consort sandbox against a Hardhat
# 2.x node, on this machine, in one session.
#
#   bench/compare/erc20-vs-hardhat.sh [--rounds 3] [--seconds 15] [--warmup 10] [--users 32]
#                                     [--batch 20] [--out DIR] [--max-seconds 600]
#
# Run it from a built checkout (cli/target/consort.jar and bench/target/consort-bench.jar; build
# them with ./mvnw -q -B package -DskipTests). It installs what it lacks: Node.js, npm and jq with
# apt-get; solc-js and @openzeppelin/contracts from npm into bench/target/erc20-tools, where it
# compiles the test token (tests/src/test/resources/ethereum: ConsortToken.sol, compile.mjs) into
# artifacts.json; the newest Hardhat 2.x from npm into bench/target/hardhat. On a 2-core machine a
# first-time install of all of it took 10-15 s (Hardhat's 223 packages 10 s), inside the budget;
# with the defaults a run took about 7 minutes in all.
#
# Each round runs org.consort.bench.EthereumCompare once (--targets consort-3,hardhat in odd
# rounds, hardhat,consort-3 in even ones): a fresh 3-node sandbox (mutual TLS, fsync on, the
# sandbox's ZGC nodes) and a fresh `npx hardhat node` (automine, zero fees, console log off). On
# each target, --users clients with keys of their own send pre-signed OpenZeppelin ERC-20 transfers
# (to Consort's primary, following it if it moves), first --warmup s unmeasured, then two modes of
# --seconds s each, each with users of its own:
#  * batch-1: wallet-like, one eth_sendRawTransaction per request, one request in flight per client;
#  * batch-B (--batch): JSON-RPC batches of B transactions per request, one in flight per client.
# A transfer is committed when Consort's finalized block reaches its block (a poller asks the
# primary every 5 ms), on Hardhat when it is answered (a mined block is final). Committed
# transfers/s = committed transfers / (first send to the last commit); commit latency from the
# send. Hardhat is sent the very bytes sent to Consort in odd rounds, fresh keys in even rounds.
# Errors are counted by kind (JSON-RPC refusals such as Hardhat's "Nonce too high" when a batch's
# transactions reach its automine out of order, which are sent again; connection errors and 503s,
# after which the same transactions are sent again to the primary; receipts missing or with status
# 0 after the run); none stops the run.
#
# CPU per process over each mode's sending phase (utime + stime from /proc through the JVM): the 3
# nodes (PIDs from the sandbox's network.json) or Hardhat's processes (npx, its shell, the node
# process), and the load generator (the EthereumCompare JVM); reported as cores and CPU
# microseconds per committed transfer.
#
# Results go to --out (default bench/target/compare/erc20-vs-hardhat-<UTC timestamp>): per round
# round-N/report.json (EthereumCompare's, with per-second timelines) and its output; results.json
# (per round and medians across rounds); summary.txt; throughput.png and commit-latency.png (one
# panel per round and mode: transfers committed in each second, and the p50/p99 commit latency of
# what committed in each second, Consort and Hardhat). The lines printed last are
#   ratio batch-1 R1 (...) and ratio batch-B RB (...), then
#   ratio R (consort A tx/s, hardhat B tx/s, p99 L ms)
# whose figures are those of the wallet-like mode (batch-1): A and B the medians of the committed
# transfers/s, R = A/B, L the median of Consort's commit-latency p99.
#
# Every process it starts is tracked by PID (and start time, so a reused PID is never signalled)
# and stopped on exit, whatever the exit; every wait is bounded, and the whole run must fit in
# --max-seconds (installation included), else it stops with a message. Exit code 0 when it
# measured every round, 1 when something failed, 2 for bad usage or a missing prerequisite.
set -euo pipefail
export LC_ALL=C # decimal points in awk and printf

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$SCRIPT_DIR/../.." && pwd)"
CLI_JAR="$REPO_DIR/cli/target/consort.jar"
BENCH_JAR="$REPO_DIR/bench/target/consort-bench.jar"
TEST_RESOURCES="$REPO_DIR/tests/src/test/resources/ethereum"
TOOLS_DIR="$REPO_DIR/bench/target/erc20-tools"
HARDHAT_DIR="$REPO_DIR/bench/target/hardhat"

ROUNDS=3
SECONDS_MEASURED=15
WARMUP=10
USERS=32
BATCH=20
MAX_SECONDS=600
OUT=""
# Transfers signed per user: caps well above what either target sends in --seconds here (the
# sending stops after --seconds; unsent transfers are not counted). Per second of sending.
CAP_PER_SECOND_WALLET=80
CAP_PER_SECOND_BATCH=250
# Rough fixed costs of one round beyond warm-up and measured time, to refuse up front a run that
# cannot fit in --max-seconds: the JVM, signing, the sandbox's start (3 nodes, 3 x --users users)
# and stop, Hardhat's start and stop, and per mode and target the deployments, the commit tail,
# the receipts and balance checks. Measured on a 2-core machine, rounded up.
ROUND_OVERHEAD=50
MODE_OVERHEAD=5
INSTALL_ALLOWANCE=60

START_EPOCH=$(date +%s)

# --- messages and time -------------------------------------------------------------------------

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() {
    log "FAILED: $*"
    exit 1
}
usage() {
    sed -n '4,6p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# Seconds left of --max-seconds.
left() { echo $((START_EPOCH + MAX_SECONDS - $(date +%s))); }

# The smaller of a wait's own bound and the time left (at least 1 s).
bounded() {
    local own=$1 rest
    rest=$(left)
    ((rest < own)) && own=$rest
    echo $((own < 1 ? 1 : own))
}

check_budget() {
    (($(left) > 0)) || die "the budget of --max-seconds $MAX_SECONDS ran out (during $1)"
}

# --- processes started here --------------------------------------------------------------------

# "PID STARTTIME" of every process this script started; the process group of an EthereumCompare
# run under way (it holds the JVM, the sandbox, its nodes, npx and Hardhat); all stopped on exit.
TRACKED=()
COMPARE_GROUP=""
POLICY_RC_CREATED=0

# Field N (1-based, N >= 3) of /proc/PID/stat, counted after the command's closing paren.
stat_field() {
    local stat rest f
    { stat=$(<"/proc/$1/stat"); } 2>/dev/null || return 1
    rest=${stat##*) }
    read -r -a f <<<"$rest"
    echo "${f[$(($2 - 3))]}"
}

alive() {
    local state
    state=$(stat_field "$1" 3 2>/dev/null) || return 1
    [[ $state != Z && $state != X ]]
}

track() {
    local start
    start=$(stat_field "$1" 22 2>/dev/null) || return 0
    TRACKED+=("$1 $start")
}

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

# Stops the EthereumCompare run's process group: SIGTERM, up to 10 s, then SIGKILL.
stop_group() {
    [[ -n $COMPARE_GROUP ]] || return 0
    kill -TERM -- "-$COMPARE_GROUP" 2>/dev/null || true
    local deadline=$((SECONDS + 10))
    while group_alive "$COMPARE_GROUP" && ((SECONDS < deadline)); do sleep 0.2; done
    kill -KILL -- "-$COMPARE_GROUP" 2>/dev/null || true
    COMPARE_GROUP=""
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    stop_group
    stop_tracked
    # The sandboxes' folders (java.io.tmpdir of the EthereumCompare JVM): left behind only when
    # the JVM was killed.
    [[ -n $OUT && -d $OUT/tmp ]] && rm -rf "$OUT/tmp"
    if ((POLICY_RC_CREATED)); then rm -f /usr/sbin/policy-rc.d; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM

# Waits up to LIMIT s for PID (a child of this shell) to end; sets WAIT_RC to its exit code.
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

# Runs a command in the background with a time limit, tracked; returns its exit code (124 on
# time-out). Output goes to FILE.
run_bounded() {
    local limit=$1 file=$2 pid
    shift 2
    "$@" >>"$file" 2>&1 &
    pid=$!
    track "$pid"
    if ! wait_exit "$pid" "$limit"; then
        kill -TERM "$pid" 2>/dev/null || true
        sleep 1
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        return 124
    fi
    return "$WAIT_RC"
}

# --- installation ------------------------------------------------------------------------------

# Installs with apt-get the Debian packages of the commands that are missing.
install_missing() {
    local -A package_of=([node]=nodejs [npm]=npm [jq]=jq)
    local cmd missing=()
    for cmd in node npm jq; do
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
    apt_log=$(mktemp -t erc20-vs-hardhat-apt.XXXXXX)
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
    for cmd in node npm jq; do
        command -v "$cmd" >/dev/null || die "$cmd is still missing after installing ${missing[*]}"
    done
}

# artifacts.json of the test token, compiled with solc-js and OpenZeppelin (the versions the
# end-to-end test pins) unless it is there and newer than its sources.
prepare_artifacts() {
    ARTIFACTS="$TOOLS_DIR/artifacts.json"
    if [[ -s $ARTIFACTS && $ARTIFACTS -nt $TEST_RESOURCES/ConsortToken.sol && $ARTIFACTS -nt $TEST_RESOURCES/compile.mjs ]]; then
        return 0
    fi
    check_budget "compiling the token"
    mkdir -p "$TOOLS_DIR/contracts"
    cp "$TEST_RESOURCES/compile.mjs" "$TOOLS_DIR/"
    cp "$TEST_RESOURCES/ConsortToken.sol" "$TOOLS_DIR/contracts/"
    jq '{name: "consort-bench-erc20-tools", private: true,
         dependencies: {solc: .dependencies.solc, "@openzeppelin/contracts": .dependencies["@openzeppelin/contracts"]}}' \
        "$TEST_RESOURCES/package.json" >"$TOOLS_DIR/package.json"
    local npm_log="$TOOLS_DIR/npm.log"
    if [[ ! -f $TOOLS_DIR/node_modules/solc/package.json || ! -f $TOOLS_DIR/node_modules/@openzeppelin/contracts/package.json ]]; then
        log "installing solc and @openzeppelin/contracts from npm into $TOOLS_DIR"
        run_bounded "$(bounded 240)" "$npm_log" npm install --prefix "$TOOLS_DIR" --no-audit --no-fund --loglevel=error ||
            die "npm install of solc and @openzeppelin/contracts failed (the npm registry must be reachable): $(tail -n 5 "$npm_log")"
    fi
    # compile.mjs resolves solc and the imports from its own folder.
    run_bounded "$(bounded 120)" "$TOOLS_DIR/compile.log" node "$TOOLS_DIR/compile.mjs" "$TOOLS_DIR/contracts" "$ARTIFACTS" ||
        die "compiling ConsortToken failed: $(tail -n 5 "$TOOLS_DIR/compile.log")"
    [[ -s $ARTIFACTS ]] || die "compile.mjs wrote no $ARTIFACTS"
}

# The newest Hardhat 2.x into bench/target/hardhat unless a 2.x is there (as EthereumCompare
# would, but bounded and before the rounds, so that their budget does not include it).
install_hardhat() {
    local installed="$HARDHAT_DIR/node_modules/hardhat/package.json"
    if [[ -f $installed ]] && jq -e '.version | startswith("2.")' "$installed" >/dev/null; then
        return 0
    fi
    check_budget "installing Hardhat"
    mkdir -p "$HARDHAT_DIR"
    printf '{"name":"consort-bench-hardhat","version":"0.0.0","private":true}\n' >"$HARDHAT_DIR/package.json"
    log "installing hardhat@^2 from npm into $HARDHAT_DIR"
    run_bounded "$(bounded 300)" "$HARDHAT_DIR/npm.log" npm install --prefix "$HARDHAT_DIR" --no-audit --no-fund --loglevel=error 'hardhat@^2' ||
        die "npm install hardhat@^2 failed (the npm registry must be reachable): $(tail -n 5 "$HARDHAT_DIR/npm.log")"
}

# --- one round ---------------------------------------------------------------------------------

# One EthereumCompare run over both targets, in a process group of its own (setsid), so that its
# sandbox, nodes and Hardhat can be stopped as a group if it dies. Its temporary folder (where the
# sandbox lives) is under the results folder.
run_round() {
    local round=$1 targets=$2 dir=$3 limit pid
    check_budget "round $round"
    mkdir -p "$dir" "$OUT/tmp"
    limit=$(($(left) - 15))
    ((limit >= 30)) || die "too little of --max-seconds left for round $round"
    log "round $round: $targets; warm-up ${WARMUP} s, then batch-1 and batch-$BATCH for ${SECONDS_MEASURED} s each"
    setsid "$JAVA" -Djava.io.tmpdir="$OUT/tmp" -cp "$BENCH_JAR" org.consort.bench.EthereumCompare \
        --targets "$targets" --users "$USERS" --window 1 --hardhat-window 1 \
        --modes "1:$((CAP_PER_SECOND_WALLET * SECONDS_MEASURED)),$BATCH:$((CAP_PER_SECOND_BATCH * SECONDS_MEASURED))" \
        --seconds "$SECONDS_MEASURED" --warmup-seconds "$WARMUP" --jar "$CLI_JAR" --artifacts "$ARTIFACTS" \
        --hardhat-dir "$HARDHAT_DIR" --json-out "$dir/report.json" --max-seconds "$limit" \
        >"$dir/stdout.txt" 2>"$dir/stderr.txt" &
    pid=$!
    track "$pid"
    local tries=0
    until [[ $(stat_field "$pid" 5 2>/dev/null) == "$pid" ]]; do
        if ! alive "$pid"; then break; fi
        ((++tries < 50)) || die "round $round: setsid did not give EthereumCompare a process group of its own"
        sleep 0.1
    done
    COMPARE_GROUP=$pid
    wait_exit "$pid" "$((limit + 10))" || die "round $round: EthereumCompare did not end within $((limit + 10)) s"
    local rc=$WAIT_RC
    stop_group
    stop_tracked
    rm -rf "$OUT/tmp"
    [[ -s $dir/report.json ]] || die "round $round: EthereumCompare wrote no report (exit $rc):
$(tail -n 15 "$dir/stderr.txt")"
    ((rc == 0)) || die "round $round: EthereumCompare exited with $rc (see $dir/stderr.txt and $dir/report.json):
$(jq -r '.reports[] | select(.targetError) | "\(.target): \(.targetError)"' "$dir/report.json" 2>/dev/null)
$(tail -n 5 "$dir/stderr.txt")"
    jq -r '.reports[] | select(.mode != "warmup") |
        "  \(.target) \(.mode): \(.committedTransfersPerSecond) committed transfers/s, commit p50/p99 \(.latencyToCommitMsP50)/\(.latencyToCommitMsP99) ms, errors \(.errorKindsTotal), server CPU \(.cpu.serverUsPerOp) us/transfer"' \
        "$dir/report.json" >&2
}

# --- summary -----------------------------------------------------------------------------------

write_results() {
    local files=() r
    for ((r = 1; r <= ROUNDS; r++)); do files+=("$OUT/round-$r/report.json"); done
    jq -s --argjson rounds "$ROUNDS" --argjson seconds "$SECONDS_MEASURED" --argjson warmup "$WARMUP" \
        --argjson users "$USERS" --argjson batch "$BATCH" \
        --arg node "$(node --version)" --arg java "$("$JAVA" -version 2>&1 | head -n 1)" --arg cores "$(nproc)" \
        --arg at "$(date -u +%FT%TZ)" --argjson wall "$(($(date +%s) - START_EPOCH))" '
        def median: map(select(. != null)) | sort | length as $n | if $n == 0 then null elif $n % 2 == 1 then .[$n / 2 | floor]
                     else (.[$n / 2 - 1] + .[$n / 2]) / 2 end;
        def r(n): if n == null then null else (n * 100 | round) / 100 end;
        def pick: {committedTransfersPerSecond, transfers, seconds, latencyToReceiptMsP50, latencyToReceiptMsP99,
                   latencyToCommitMsP50, latencyToCommitMsP99, errors, retried, failed, resent, recoveredByReceipt,
                   errorKinds, errorKindsTotal, receiptsMissing, receiptsNotStatus1, uncommitted, balanceChecksFailed,
                   primaryChanges, blocks, transfersPerBlock, requests, transfersNotSent, hardhatVersion, sameBytesAs,
                   cpu: (.cpu | {windowSeconds, serverUsPerOp, loadGeneratorUsPerOp,
                                 processes: [.processes[] | {name, role, cores, usPerOp}]})};
        def mode(rs; target; m): [rs[] | .reports[] | select(.target == target and .mode == m)];
        def medians(list): {committedTransfersPerSecond: ([list[].committedTransfersPerSecond] | median),
                            latencyToCommitMsP50: ([list[].latencyToCommitMsP50] | median),
                            latencyToCommitMsP99: ([list[].latencyToCommitMsP99] | median),
                            latencyToReceiptMsP50: ([list[].latencyToReceiptMsP50] | median),
                            serverCpuUsPerTransfer: ([list[].cpu.serverUsPerOp] | median),
                            loadGeneratorCpuUsPerTransfer: ([list[].cpu.loadGeneratorUsPerOp] | median),
                            errorsPerRound: [list[].errorKindsTotal]};
        . as $rs
        | ["batch-1", "batch-\($batch)"] as $modes
        | {generatedAt: $at, wallSeconds: $wall,
           settings: {rounds: $rounds, measuredSecondsPerMode: $seconds, warmupSeconds: $warmup, users: $users,
                      window: 1, modes: $modes, hardhatVersion: ([$rs[].reports[] | select(.hardhatVersion) | .hardhatVersion] | first)},
           machine: {cores: ($cores | tonumber), node: $node, java: $java},
           rounds: [range(0; $rounds) as $i | $rs[$i] as $x
                    | {round: ($i + 1), order: $x.settings.targets,
                       consort: ([$modes[] as $m | {key: $m, value: ([$x.reports[] | select(.target == "consort-3" and .mode == $m)][0] | pick)}] | from_entries),
                       hardhat: ([$modes[] as $m | {key: $m, value: ([$x.reports[] | select(.target == "hardhat" and .mode == $m)][0] | pick)}] | from_entries)}],
           medians: ([$modes[] as $m | {key: $m, value: {consort: medians(mode($rs; "consort-3"; $m)),
                                                          hardhat: medians(mode($rs; "hardhat"; $m))}}] | from_entries)}
        | .ratios = ([$modes[] as $m | .medians[$m] as $x
                      | {key: $m, value: (if ($x.hardhat.committedTransfersPerSecond // 0) > 0
                                          then r($x.consort.committedTransfersPerSecond / $x.hardhat.committedTransfersPerSecond) else null end)}]
                     | from_entries)' "${files[@]}" >"$OUT/results.json"
}

print_summary() {
    jq -r --arg b "batch-$BATCH" '
        def cpu: [.cpu.processes[] | select(.usPerOp != null and .role != "launcher") | "\(.name) \(.cores)"] | join(", ");
        def line(x): "\(x.committedTransfersPerSecond) tx/s, commit p50/p99 \(x.latencyToCommitMsP50)/\(x.latencyToCommitMsP99) ms, receipt p50 \(x.latencyToReceiptMsP50) ms, errors \(x.errorKindsTotal) \(x.errorKinds | tojson), CPU \(x.cpu.serverUsPerOp) us/transfer in the servers + \(x.cpu.loadGeneratorUsPerOp) in the load generator [cores: \(x | cpu)]";
        "erc20-vs-hardhat: \(.settings.rounds) round(s); \(.settings.users) clients per mode, \(.settings.warmupSeconds) s warm-up, \(.settings.measuredSecondsPerMode) s per mode; \(.machine.cores) cores; Hardhat \(.settings.hardhatVersion); node \(.machine.node); \(.machine.java); \(.wallSeconds) s",
        (.rounds[] | . as $x |
          "round \($x.round) (\($x.order | join(" first, then "))):",
          (["batch-1", $b][] as $m |
            "  \($m) consort-3: \(line($x.consort[$m]))",
            "  \($m) hardhat:   \(line($x.hardhat[$m]))")),
        (["batch-1", $b][] as $m | .medians[$m] as $x |
          "medians \($m): consort-3 \($x.consort.committedTransfersPerSecond) tx/s (commit p50/p99 \($x.consort.latencyToCommitMsP50)/\($x.consort.latencyToCommitMsP99) ms, \($x.consort.serverCpuUsPerTransfer) us/transfer in the nodes), hardhat \($x.hardhat.committedTransfersPerSecond) tx/s (p50/p99 \($x.hardhat.latencyToCommitMsP50)/\($x.hardhat.latencyToCommitMsP99) ms, \($x.hardhat.serverCpuUsPerTransfer) us/transfer)")
        ' "$OUT/results.json"
    # Both modes' ratios, then the last line (wallet-like, batch-1): R with 2 decimals from the
    # unrounded medians.
    local m a b l
    for m in "batch-$BATCH" batch-1; do
        read -r a b l < <(jq -r --arg m "$m" '.medians[$m] | [.consort.committedTransfersPerSecond, .hardhat.committedTransfersPerSecond,
                                 .consort.latencyToCommitMsP99] | @tsv' "$OUT/results.json")
        awk -v m="$m" -v a="$a" -v b="$b" -v l="$l" 'BEGIN {
            printf "ratio %s %.2f (consort %.0f tx/s, hardhat %.0f tx/s, p99 %s ms)\n", m, (b > 0 ? a / b : 0), a, b, l }'
    done
    awk -v a="$a" -v b="$b" -v l="$l" 'BEGIN {
        printf "ratio %.2f (consort %.0f tx/s, hardhat %.0f tx/s, p99 %s ms)\n", (b > 0 ? a / b : 0), a, b, l }'
}

# throughput.png and commit-latency.png: a panel per round and mode, Consort and Hardhat in each.
write_charts() {
    local args=() r m f i label
    for ((r = 1; r <= ROUNDS; r++)); do
        f="$OUT/round-$r/report.json"
        for m in batch-1 "batch-$BATCH"; do
            if [[ $m == batch-1 ]]; then label="one transfer per request"; else label="JSON-RPC batches of $BATCH"; fi
            args+=(--panel "round $r, $m ($label)")
            for t in consort-3 hardhat; do
                i=$(jq -r --arg t "$t" --arg m "$m" '.reports | to_entries[] | select(.value.target == $t and .value.mode == $m) | .key' "$f")
                [[ -n $i ]] && args+=(--series "$t=$f#/reports/$i/timeline")
            done
        done
    done
    timeout "$(bounded 60)" "$JAVA" -cp "$BENCH_JAR" org.consort.bench.chart.TimelineChart --out-dir "$OUT" \
        --title "ERC-20 transfers" --y-unit transfers "${args[@]}" >"$OUT/charts.log" 2>&1 ||
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
        --warmup) WARMUP=$2 ;;
        --users) USERS=$2 ;;
        --batch) BATCH=$2 ;;
        --out) OUT=$2 ;;
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
    for v in "$ROUNDS" "$SECONDS_MEASURED" "$WARMUP" "$USERS" "$BATCH" "$MAX_SECONDS"; do
        [[ $v =~ ^[0-9]+$ ]] || {
            log "option values must be whole numbers: '$v'"
            exit 2
        }
    done
    ((ROUNDS >= 1 && SECONDS_MEASURED >= 3 && USERS >= 1 && BATCH >= 2 && BATCH <= 100)) || {
        log "--rounds and --users must be at least 1, --seconds at least 3, --batch between 2 and 100"
        exit 2
    }
}

# Seconds the rounds need, by the overheads above.
estimate() {
    echo $((ROUNDS * (ROUND_OVERHEAD + 2 * WARMUP + 4 * (SECONDS_MEASURED + MODE_OVERHEAD))))
}

main() {
    parse_args "$@"
    local need
    need=$(estimate)
    ((need + INSTALL_ALLOWANCE <= MAX_SECONDS)) || {
        log "$ROUNDS round(s) of 2 x 2 modes of $SECONDS_MEASURED s need about $need s (+ $INSTALL_ALLOWANCE s for a first installation), more than --max-seconds $MAX_SECONDS"
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
    prepare_artifacts
    install_hardhat
    (($(left) >= need)) || {
        log "the rounds need about $need s and $(left) s of --max-seconds $MAX_SECONDS are left after installing; run again (what was installed stays)"
        exit 2
    }
    log "installed what was missing in $(($(date +%s) - START_EPOCH)) s"
    OUT=${OUT:-$REPO_DIR/bench/target/compare/erc20-vs-hardhat-$(date -u +%Y%m%dT%H%M%SZ)}
    mkdir -p "$OUT"
    OUT=$(cd "$OUT" && pwd)
    log "results in $OUT"

    local r
    for ((r = 1; r <= ROUNDS; r++)); do
        # The order alternates, so that neither target always runs on a machine the other one just left.
        if ((r % 2 == 1)); then
            run_round "$r" consort-3,hardhat "$OUT/round-$r"
        else
            run_round "$r" hardhat,consort-3 "$OUT/round-$r"
        fi
        timeout "$(bounded 60)" sync || true
    done

    write_results
    write_charts
    print_summary | tee "$OUT/summary.txt"
    log "done in $(($(date +%s) - START_EPOCH)) s; results in $OUT"
}

# Sourcing the file (for a test of its functions) runs nothing.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    main "$@"
fi
