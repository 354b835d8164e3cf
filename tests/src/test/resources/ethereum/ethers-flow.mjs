// The DApp flow of EthereumToolsIT with ethers v6 against a Consort node over HTTPS with the
// user's client certificate. Usage: node ethers-flow.mjs NETWORK_JSON ARTIFACTS_JSON
// Prints one JSON object with what the Java side checks further; exits 1 on the first failure.
import fs from 'node:fs';
import https from 'node:https';
import assert from 'node:assert/strict';
import { ethers } from 'ethers';

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

// Once he holds tokens and is granted, the contracts let him read.
await (await token.transfer(B, 5n)).wait();
await (await registry.grant(B)).wait();
assert.notEqual(await bob.provider.getTransactionReceipt(transfer.hash), null);
assert.equal((await token.connect(bob.provider).queryFilter('Transfer', 0)).length, 3);
assert.equal((await registry.connect(bob.provider).queryFilter('Noted', 0)).length, 2);
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
