#!/usr/bin/env bash
# Compiles the benchmark contracts with solc-js and runs the EVM JMH benchmarks.
#
#   bench/evm-bench.sh [JMH ARGS...]     (default JMH args: -f 3 -wi 3 -i 5)
#
# Installs solc-js with npm into bench/target/npm (node and npm from PATH), compiles
# bench/src/main/solidity/{Token,Compute}.sol for the Cancun EVM to bench/target/Token.json and
# bench/target/Compute.json, builds bench/target/consort-bench.jar (skip with SKIP_BUILD=1) and runs
# org.consort.bench.evm.* with -p artifactDir=bench/target. Compiled artifacts are not committed.
set -euo pipefail

SOLC_VERSION="${SOLC_VERSION:-0.8.28}"
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"
TARGET="$BENCH_DIR/target"
NPM_DIR="$TARGET/npm"

command -v node >/dev/null || { echo "evm-bench: node is not on PATH" >&2; exit 2; }
command -v npm >/dev/null || { echo "evm-bench: npm is not on PATH" >&2; exit 2; }

mkdir -p "$NPM_DIR"
if [ "$(node -p "try { require('$NPM_DIR/node_modules/solc/package.json').version } catch (e) { '' }")" != "$SOLC_VERSION" ]; then
  echo "evm-bench: installing solc-js $SOLC_VERSION into $NPM_DIR" >&2
  npm install --silent --no-audit --no-fund --prefix "$NPM_DIR" "solc@$SOLC_VERSION"
fi

SOLC_MODULE="$NPM_DIR/node_modules/solc" SRC_DIR="$BENCH_DIR/src/main/solidity" OUT_DIR="$TARGET" node - <<'JS'
const fs = require('fs');
const path = require('path');
const solc = require(process.env.SOLC_MODULE);
const srcDir = process.env.SRC_DIR;
const outDir = process.env.OUT_DIR;
const contracts = ['Token', 'Compute'];
const sources = {};
for (const c of contracts) {
  sources[c + '.sol'] = { content: fs.readFileSync(path.join(srcDir, c + '.sol'), 'utf8') };
}
const input = {
  language: 'Solidity',
  sources,
  settings: {
    evmVersion: 'cancun',
    optimizer: { enabled: true, runs: 200 },
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter(e => e.severity === 'error');
for (const e of output.errors || []) {
  process.stderr.write(e.formattedMessage || e.message);
}
if (errors.length > 0) {
  process.exit(1);
}
for (const c of contracts) {
  const compiled = output.contracts[c + '.sol'][c];
  const artifact = {
    contract: c,
    compiler: 'solc-js ' + solc.version(),
    evmVersion: input.settings.evmVersion,
    optimizer: input.settings.optimizer,
    abi: compiled.abi,
    creationBytecode: '0x' + compiled.evm.bytecode.object,
    runtimeBytecode: '0x' + compiled.evm.deployedBytecode.object,
  };
  fs.writeFileSync(path.join(outDir, c + '.json'), JSON.stringify(artifact, null, 2) + '\n');
  process.stderr.write(`evm-bench: wrote ${path.join(outDir, c + '.json')} (runtime ${compiled.evm.deployedBytecode.object.length / 2} bytes)\n`);
}
JS

cd "$REPO_DIR"
. bin/java-home.sh && consort_find_jdk >/dev/null
if [ "${SKIP_BUILD:-0}" != "1" ]; then
  ./mvnw -q -B -o -pl bench -am package -DskipTests
fi
JAVA="$JAVA_HOME/bin/java"
if [ "$#" -eq 0 ]; then
  set -- -f 3 -wi 3 -i 5
fi
exec "$JAVA" -jar "$TARGET/consort-bench.jar" 'org.consort.bench.evm.*' -p artifactDir="$TARGET" "$@"
