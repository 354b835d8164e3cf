// Consort's default constitution.
//
// A proposal is {"actions": [{"name": ..., "args": {...}}, ...]}. validate() checks every
// action's name and arguments; resolve() accepts when a strict majority of the Active members
// voted for the proposal and rejects when such a majority can no longer be reached; apply()
// runs the actions in order through the `gov` object, the only way to reach the store.

function fail(message) {
  throw new Error(message);
}

function onlyKeys(args, allowed) {
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    fail('args must be an object');
  }
  for (const k of Object.keys(args)) {
    if (!allowed.includes(k)) {
      fail(`unexpected argument '${k}' (allowed: ${allowed.join(', ') || 'none'})`);
    }
  }
}

function needString(args, key) {
  if (typeof args[key] !== 'string' || args[key].length === 0) {
    fail(`${key} must be a non-empty string`);
  }
}

function needHex(args, key) {
  needString(args, key);
  if (!/^([0-9a-fA-F]{2})+$/.test(args[key])) {
    fail(`${key} must be hex`);
  }
}

function needCert(args, key) {
  needString(args, key);
  gov.certificateId(args[key]);
}

function needMember(args) {
  needString(args, 'member_id');
  if (gov.getMember(args.member_id) === undefined) {
    fail(`no member ${args.member_id}`);
  }
}

function needUser(args) {
  needString(args, 'user_id');
  if (gov.getUser(args.user_id) === undefined) {
    fail(`no user ${args.user_id}`);
  }
}

// A user id: a registered user, issuer#subject of a JWT issuer, or a CA-bundle user's key id.
function needUserId(args) {
  needString(args, 'user_id');
  if (!gov.isUserId(args.user_id)) {
    fail(`no user ${args.user_id}`);
  }
}

function needPlatform(args) {
  needString(args, 'platform');
  if (!/^[a-z0-9][a-z0-9_.-]{0,63}$/.test(args.platform)) {
    fail('platform must be 1 to 64 lower-case letters, digits, ".", "_" or "-"');
  }
}

function needNode(args) {
  needString(args, 'node_id');
  if (gov.getNode(args.node_id) === undefined) {
    fail(`no node ${args.node_id}`);
  }
}

const actions = new Map([
  ['set_member', {
    validate: (a) => {
      onlyKeys(a, ['cert', 'encryption_pub_key', 'member_data']);
      needCert(a, 'cert');
      if (a.encryption_pub_key !== undefined && a.encryption_pub_key !== null
          && !gov.isValidEncryptionKey(a.encryption_pub_key)) {
        fail('encryption_pub_key must be an RSA public key PEM of at least 2048 bits');
      }
    },
    apply: (a) => gov.setMember(a.cert, a.encryption_pub_key ?? null, a.member_data ?? null),
  }],
  ['remove_member', {
    validate: (a) => { onlyKeys(a, ['member_id']); needString(a, 'member_id'); },
    apply: (a) => gov.removeMember(a.member_id),
  }],
  ['set_member_data', {
    validate: (a) => { onlyKeys(a, ['member_id', 'member_data']); needMember(a); },
    apply: (a) => gov.setMemberData(a.member_id, a.member_data ?? null),
  }],
  ['set_user', {
    validate: (a) => { onlyKeys(a, ['cert', 'user_data']); needCert(a, 'cert'); },
    apply: (a) => gov.setUser(a.cert, a.user_data ?? null),
  }],
  ['remove_user', {
    validate: (a) => { onlyKeys(a, ['user_id']); needString(a, 'user_id'); },
    apply: (a) => gov.removeUser(a.user_id),
  }],
  ['set_user_data', {
    validate: (a) => { onlyKeys(a, ['user_id', 'user_data']); needUser(a); },
    apply: (a) => gov.setUserData(a.user_id, a.user_data ?? null),
  }],
  ['set_constitution', {
    validate: (a) => { onlyKeys(a, ['constitution']); needString(a, 'constitution'); },
    apply: (a) => gov.setConstitution(a.constitution),
  }],
  ['transition_service_to_open', {
    validate: (a) => onlyKeys(a, ['next_service_identity', 'previous_service_identity']),
    apply: () => gov.transitionServiceToOpen(),
  }],
  ['set_recovery_threshold', {
    validate: (a) => {
      onlyKeys(a, ['recovery_threshold']);
      if (!Number.isInteger(a.recovery_threshold) || a.recovery_threshold < 1 || a.recovery_threshold > 255) {
        fail('recovery_threshold must be an integer from 1 to 255');
      }
    },
    apply: (a) => gov.setRecoveryThreshold(a.recovery_threshold),
  }],
  ['transition_node_to_trusted', {
    validate: (a) => { onlyKeys(a, ['node_id', 'valid_from']); needNode(a); },
    apply: (a) => gov.transitionNodeToTrusted(a.node_id),
  }],
  ['remove_node', {
    validate: (a) => { onlyKeys(a, ['node_id']); needNode(a); },
    apply: (a) => gov.removeNode(a.node_id),
  }],
  ['add_node_measurement', {
    validate: (a) => { onlyKeys(a, ['platform', 'measurement']); needString(a, 'platform'); needHex(a, 'measurement'); },
    apply: (a) => gov.addNodeMeasurement(a.platform, a.measurement),
  }],
  ['remove_node_measurement', {
    validate: (a) => { onlyKeys(a, ['platform', 'measurement']); needString(a, 'platform'); needHex(a, 'measurement'); },
    apply: (a) => gov.removeNodeMeasurement(a.platform, a.measurement),
  }],
  ['set_ca_cert_bundle', {
    validate: (a) => {
      onlyKeys(a, ['name', 'cert_bundle']);
      needString(a, 'name');
      needString(a, 'cert_bundle');
      gov.checkCaCertBundle(a.name, a.cert_bundle);
    },
    apply: (a) => gov.setCaCertBundle(a.name, a.cert_bundle),
  }],
  ['remove_ca_cert_bundle', {
    validate: (a) => { onlyKeys(a, ['name']); needString(a, 'name'); },
    apply: (a) => gov.removeCaCertBundle(a.name),
  }],
  ['set_jwt_issuer', {
    validate: (a) => {
      // The issuer's public keys come in the proposal (a JWKS): the service never fetches keys.
      onlyKeys(a, ['issuer', 'jwks', 'audience']);
      needString(a, 'issuer');
      gov.checkJwtIssuer(a.issuer, a);
    },
    apply: (a) => gov.setJwtIssuer(a.issuer, a),
  }],
  ['remove_jwt_issuer', {
    validate: (a) => { onlyKeys(a, ['issuer']); needString(a, 'issuer'); },
    apply: (a) => gov.removeJwtIssuer(a.issuer),
  }],
  ['add_platform', {
    validate: (a) => { onlyKeys(a, ['platform']); needPlatform(a); },
    apply: (a) => gov.addPlatform(a.platform),
  }],
  ['remove_platform', {
    validate: (a) => {
      onlyKeys(a, ['platform']);
      needPlatform(a);
      if (!gov.getPlatforms().includes(a.platform)) {
        fail(`platform ${a.platform} is not allowed now`);
      }
    },
    apply: (a) => gov.removePlatform(a.platform),
  }],
  ['trigger_ledger_rekey', {
    validate: (a) => onlyKeys(a, []),
    apply: () => gov.requestLedgerRekey(),
  }],
  ['trigger_snapshot', {
    validate: (a) => onlyKeys(a, []),
    apply: () => gov.requestSnapshot(),
  }],
  ['set_user_ethereum_addresses', {
    validate: (a) => {
      onlyKeys(a, ['user_id', 'addresses']);
      needUserId(a);
      if (!Array.isArray(a.addresses) || !a.addresses.every((x) => typeof x === 'string' && /^0x[0-9a-fA-F]{40}$/.test(x))) {
        fail('addresses must be an array of 0x-prefixed 20-byte hex addresses');
      }
    },
    apply: (a) => gov.setUserEthereumAddresses(a.user_id, a.addresses),
  }],
  ['set_ethereum_network', {
    validate: (a) => onlyKeys(a, ['chainId', 'blockGasLimit', 'gasPriceWei', 'fork', 'coinbase']),
    apply: (a) => gov.setEthereumNetwork(a),
  }],
]);

export function validate(input) {
  let proposal;
  try {
    proposal = JSON.parse(input);
  } catch (e) {
    return { valid: false, description: 'the proposal is not JSON' };
  }
  if (typeof proposal !== 'object' || proposal === null || !Array.isArray(proposal.actions)
      || proposal.actions.length === 0) {
    return { valid: false, description: 'a proposal is {"actions": [...]} with at least one action' };
  }
  const errors = [];
  proposal.actions.forEach((action, i) => {
    const name = action === null || typeof action !== 'object' ? undefined : action.name;
    const definition = actions.get(name);
    if (definition === undefined) {
      errors.push(`action ${i}: unknown action '${name}'`);
      return;
    }
    try {
      definition.validate(action.args ?? {});
    } catch (e) {
      errors.push(`action ${i} (${name}): ${e.message}`);
    }
  });
  return errors.length === 0
    ? { valid: true, description: 'OK' }
    : { valid: false, description: errors.join('; ') };
}

// Votes needed out of n Active members.
function votesNeeded(n) {
  return Math.floor(n / 2) + 1;
}

export function resolve(proposal, proposerId, votes) {
  const active = gov.activeMemberIds();
  const needed = votesNeeded(active.length);
  let yes = 0;
  let no = 0;
  for (const v of votes) {
    if (active.includes(v.member_id)) {
      if (v.vote === true) {
        yes++;
      } else {
        no++;
      }
    }
  }
  if (yes >= needed) {
    return 'Accepted';
  }
  if (active.length - no < needed) {
    return 'Rejected';
  }
  return 'Open';
}

export function apply(proposal, proposalId) {
  for (const action of JSON.parse(proposal).actions) {
    actions.get(action.name).apply(action.args ?? {}, proposalId);
  }
}
