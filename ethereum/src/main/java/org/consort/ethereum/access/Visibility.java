package org.consort.ethereum.access;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.consort.ethereum.NetworkSettings;
import org.consort.ethereum.chain.IndexedLog;
import org.consort.ethereum.chain.StoredBlock;
import org.consort.ethereum.chain.StoredTransaction;
import org.consort.ethereum.exec.CallExecutor;
import org.consort.ethereum.state.KvWorldState;
import org.consort.evm.Address;

/**
 * What one caller may see (architecture decision 11). A transaction, its receipt and its
 * events are visible to the transaction's sender; beyond that:
 * <ul>
 *   <li>a transaction and its receipt are visible to whoever its contract (the recipient, or the
 *       contract it created) allows through {@code canRead(address) returns (bool)}; a contract
 *       without that function is visible to every user; a transfer to an account without code is
 *       visible to its recipient; a creation that made no contract only to its sender;</li>
 *   <li>an event is visible to whoever its emitting contract allows, by the same rule.</li>
 * </ul>
 * {@code canRead} is asked for each of the caller's addresses on the latest state (so rights
 * granted or revoked later apply to old records too), from the zero address, with at most
 * {@code canReadGasMax} gas. Answers are remembered for the life of this object: one request.
 * Not thread-safe.
 */
public final class Visibility {
    private final Set<Address> caller;
    private final KvWorldState latest;
    private final StoredBlock head;
    private final NetworkSettings settings;
    private final long gas;
    private final Map<Address, Boolean> contracts = new HashMap<>();

    public Visibility(Set<Address> callerAddresses, KvWorldState latest, StoredBlock head, NetworkSettings settings,
            long canReadGasMax) {
        this.caller = Set.copyOf(callerAddresses);
        this.latest = latest;
        this.head = head;
        this.settings = settings;
        this.gas = canReadGasMax;
    }

    public Set<Address> callerAddresses() {
        return caller;
    }

    public boolean isCaller(Address a) {
        return caller.contains(a);
    }

    public boolean canSee(StoredTransaction t) {
        if (caller.contains(t.sender())) {
            return true;
        }
        Optional<Address> target = t.target();
        if (target.isEmpty()) {
            return false;
        }
        if (latest.code(target.get()).length == 0) {
            return caller.contains(target.get());
        }
        return contractAllows(target.get());
    }

    public boolean canSee(IndexedLog l) {
        return caller.contains(l.transaction().sender()) || contractAllows(l.log().address());
    }

    /** Whether contract {@code c} lets this caller see its transactions and events. */
    public boolean contractAllows(Address c) {
        return contracts.computeIfAbsent(c, this::ask);
    }

    private boolean ask(Address c) {
        Address probe = caller.isEmpty() ? Address.wrap(new byte[20]) : caller.iterator().next();
        CallExecutor.CanRead first = CallExecutor.canRead(latest, head, settings, c, probe, gas);
        if (first != CallExecutor.CanRead.DENIED) {
            // ALLOWED for the first address, or ABSENT: visible to every user.
            return !caller.isEmpty() || first == CallExecutor.CanRead.ABSENT;
        }
        for (Address a : caller) {
            if (a.equals(probe)) {
                continue;
            }
            if (CallExecutor.canRead(latest, head, settings, c, a, gas) == CallExecutor.CanRead.ALLOWED) {
                return true;
            }
        }
        return false;
    }
}
