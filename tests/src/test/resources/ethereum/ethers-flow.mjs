// The DApp flow of EthereumToolsIT with ethers v6 against a Consort node over HTTPS with the
// user's client certificate. Usage: node ethers-flow.mjs NETWORK_JSON ARTIFACTS_JSON
// Prints one JSON object with what the Java side checks further; exits 1 on the first failure.
import fs from 'node:fs';
import https from 'node:https';
import assert from 'node:assert/strict';
import { ethers } from 'ethers';
import { WebSocket } from 'ws';

const [networkFile, artifactsFile] = process.argv.slice(2);
const network = JSON.parse(fs.readFileSync(networkFile, 'utf8'));
const artifacts = JSON.parse(fs.readFileSync(artifactsFile, 'utf8'));
const url = network.nodes[0].url + '/app/ethereum';
const ca = fs.readFileSync(network.serviceCert);

// example: ethers-connect
/** A provider and a wallet for one sandbox user: HTTPS with its client certificate. */
function connect(user) {
  const agent = new https.Agent({
    ca, cert: fs.readFileSync(user.cert), key: fs.readFileSync(user.key), keepAlive: true,
  });
  const request = new ethers.FetchRequest(url);
  request.getUrlFunc = ethers.FetchRequest.createGetUrlFunc({ agent });
  // Blocks come within milliseconds: no 250 ms response cache (it would hand out stale nonces).
  const provider = new ethers.JsonRpcProvider(request, undefined, { pollingInterval: 100, cacheTimeout: -1 });
  return { provider, wallet: new ethers.Wallet(user.ethereumPrivateKey, provider) };
}
// end example

const wsUrl = url.replace(/^https:/, 'wss:');

/** A raw JSON-RPC WebSocket of one user (client certificate), keeping its notifications. */
async function socket(user) {
  const ws = new WebSocket(wsUrl, { ca, cert: fs.readFileSync(user.cert), key: fs.readFileSync(user.key) });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  const pending = new Map();
  const notifications = [];
  let id = 0;
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString());
    if (m.method === 'eth_subscription') {
      notifications.push(m.params);
    } else if (pending.has(m.id)) {
      pending.get(m.id)(m);
      pending.delete(m.id);
    }
  });
  const call = (method, params) => new Promise((resolve, reject) => {
    const n = ++id;
    pending.set(n, (m) => (m.error ? reject(new Error(m.error.message)) : resolve(m.result)));
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: n, method, params }));
  });
  return { ws, call, notifications };
}

async function rejects(promise, check) {
  try {
    await promise;
  } catch (e) {
    check(e);
    return e;
  }
  assert.fail('expected a failure');
}

async function within(ms, what, f) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > deadline) assert.fail('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const out = {};
const alice = connect(network.users[0]);
const bob = connect(network.users[1]);
const A = alice.wallet.address;
const B = bob.wallet.address;
assert.equal(A.toLowerCase(), network.users[0].ethereumAddress.toLowerCase());

const net = await alice.provider.getNetwork();
out.chainId = Number(net.chainId);

// Deploy an OpenZeppelin ERC-20 and the registry.
const supply = ethers.parseUnits('1000000', 18);
const Token = new ethers.ContractFactory(artifacts.ConsortToken.abi, artifacts.ConsortToken.bytecode, alice.wallet);
const token = await Token.deploy(supply);
await token.waitForDeployment();
const Registry = new ethers.ContractFactory(artifacts.Registry.abi, artifacts.Registry.bytecode, alice.wallet);
const registry = await Registry.deploy();
await registry.waitForDeployment();
out.token = await token.getAddress();
out.registry = await registry.getAddress();
assert.equal(await token.balanceOf(A), supply);

// Transfer, wait, read the event from the receipt.
const stranger = ethers.Wallet.createRandom().address;
const gas = await token.transfer.estimateGas(stranger, 100n);
assert.ok(gas > 21000n && gas < 100000n, 'estimateGas ' + gas);
const transfer = await token.transfer(stranger, 100n);
const transferReceipt = await transfer.wait();
assert.equal(transferReceipt.status, 1);
const parsed = transferReceipt.logs.map((l) => token.interface.parseLog(l)).filter((x) => x);
assert.equal(parsed[0].name, 'Transfer');
assert.equal(parsed[0].args.to, stranger);
out.transferTx = transfer.hash;
out.transferBlock = transferReceipt.blockNumber;

// Events with filters: indexed arguments, a value topic, OR lists across contracts.
const note = await registry.note(7n, 'hello');
await note.wait();
assert.equal((await token.queryFilter(token.filters.Transfer(A), 0)).length, 1);
assert.equal((await token.queryFilter(token.filters.Transfer(null, stranger), 0)).length, 1);
assert.equal((await token.queryFilter(token.filters.Transfer(ethers.ZeroAddress), 0)).length, 1); // the mint
assert.equal((await registry.queryFilter(registry.filters.Noted(null, 7n), 0)).length, 1);
assert.equal((await registry.queryFilter(registry.filters.Noted(null, 8n), 0)).length, 0);
const both = await alice.provider.getLogs({
  fromBlock: 0, address: [out.token, out.registry],
  topics: [[token.interface.getEvent('Transfer').topicHash, registry.interface.getEvent('Noted').topicHash]],
});
assert.equal(both.length, 3);

// A live subscription (ethers polls a filter with eth_newFilter and eth_getFilterChanges).
let seen = null;
await registry.on('Noted', (by, value, text) => { seen = { by, value, text }; });
await new Promise((r) => setTimeout(r, 300));
await (await registry.note(9n, 'live')).wait();
await within(10000, 'the Noted event', async () => seen);
assert.equal(seen.value, 9n);
await registry.removeAllListeners();

// eth_call with and without rights.
assert.equal(await registry.secret(), 42n);
const denied = await rejects(registry.connect(bob.wallet).secret(), (e) => assert.equal(e.code, 'CALL_EXCEPTION'));
assert.equal(denied.revert.name, 'NotReader');
assert.equal(denied.revert.args[0], B);
await rejects(bob.provider.call({ to: out.registry, data: registry.interface.encodeFunctionData('secret'), from: A }),
  (e) => assert.match(JSON.stringify(e.error ?? e.info ?? e.message), /unauthorized/));

// CREATE2: the child lands where predicted.
const salt = ethers.id('consort');
const predicted = await registry.predict(salt, A);
const created = await (await registry.create(salt)).wait();
const createdEvent = created.logs.map((l) => registry.interface.parseLog(l)).find((x) => x && x.name === 'Created');
assert.equal(createdEvent.args.child, predicted);
assert.notEqual(await alice.provider.getCode(predicted), '0x');
const child = new ethers.Contract(predicted, artifacts.Child.abi, alice.provider);
assert.equal(await child.creator(), A);

// A reverting transaction is mined with status 0 (gas given, so no estimate refuses it first).
const failing = await registry.connect(bob.wallet).grant(B, { gasLimit: 100000 });
const failure = await rejects(failing.wait(), (e) => assert.equal(e.code, 'CALL_EXCEPTION'));
assert.equal(failure.receipt.status, 0);
out.revertedTx = failing.hash;

// Confidentiality: Bob sees none of Alice's token or registry business...
assert.equal(await bob.provider.getTransactionReceipt(transfer.hash), null);
assert.equal(await bob.provider.getTransaction(transfer.hash), null);
assert.equal((await token.connect(bob.provider).queryFilter('Transfer', 0)).length, 0);
assert.equal((await registry.connect(bob.provider).queryFilter('Noted', 0)).length, 0);
const block = await bob.provider.getBlock(transferReceipt.blockNumber);
assert.ok(!block.transactions.includes(transfer.hash));
await rejects(bob.provider.getBalance(A), (e) => assert.match(JSON.stringify(e.error ?? e.info ?? e.message), /unauthorized/));
// ...but his own reverted transaction, yes.
assert.equal((await bob.provider.getTransactionReceipt(failing.hash)).status, 0);

// Subscriptions over WebSocket (wss:// on the same path): each user is told only what it may see.
const aliceSocket = await socket(network.users[0]);
const bobSocket = await socket(network.users[1]);
const aliceLogs = await aliceSocket.call('eth_subscribe', ['logs', { address: out.registry }]);
const aliceHeads = await aliceSocket.call('eth_subscribe', ['newHeads']);
const bobLogs = await bobSocket.call('eth_subscribe', ['logs', { address: out.registry }]);
await (await registry.note(21n, 'for readers')).wait();
await (await registry.connect(bob.wallet).note(22n, 'by bob')).wait();
await within(10000, 'notifications', async () => aliceSocket.notifications.filter((n) => n.subscription === aliceLogs).length >= 2
  && bobSocket.notifications.length >= 1
  && aliceSocket.notifications.filter((n) => n.subscription === aliceHeads).length >= 2);
const bobSaw = bobSocket.notifications.map((n) => BigInt(n.result.topics[2]));
assert.deepEqual(bobSaw, [22n]);
assert.deepEqual(aliceSocket.notifications.filter((n) => n.subscription === aliceLogs).map((n) => BigInt(n.result.topics[2])),
  [21n, 22n]);
assert.equal(await aliceSocket.call('eth_unsubscribe', [aliceHeads]), true);
assert.equal(await bobSocket.call('eth_chainId', []), '0x539');
aliceSocket.ws.close();
bobSocket.ws.close();
// ethers' own WebSocketProvider, with the client certificate.
const wsProvider = new ethers.WebSocketProvider(() => new WebSocket(wsUrl, {
  ca, cert: fs.readFileSync(network.users[0].cert), key: fs.readFileSync(network.users[0].key),
}));
assert.equal(await wsProvider.getBlockNumber(), await alice.provider.getBlockNumber());
await wsProvider.destroy();
// Without a client certificate the upgrade is refused.
const anonymous = new WebSocket(wsUrl, { ca });
const refusal = await new Promise((resolve) => {
  anonymous.once('unexpected-response', (req, res) => resolve(res.statusCode));
  anonymous.once('open', () => resolve('opened'));
  anonymous.once('error', (e) => resolve('error ' + e.message));
});
assert.equal(refusal, 401);

// Once he holds tokens and is granted, the contracts let him read.
await (await token.transfer(B, 5n)).wait();
await (await registry.grant(B)).wait();
assert.notEqual(await bob.provider.getTransactionReceipt(transfer.hash), null);
assert.equal((await token.connect(bob.provider).queryFilter('Transfer', 0)).length, 3);
assert.equal((await registry.connect(bob.provider).queryFilter('Noted', 0)).length, 4);
assert.equal(await registry.connect(bob.wallet).secret(), 42n);
assert.equal(await token.balanceOf(B), 5n);

// Fees: zero-fee consortium mode.
const fees = await alice.provider.getFeeData();
assert.equal(fees.gasPrice, 0n);
const history = await alice.provider.send('eth_feeHistory', ['0x4', 'latest', [50]]);
assert.equal(history.baseFeePerGas.length, 5);

console.log(JSON.stringify(out));
alice.provider.destroy();
bob.provider.destroy();
