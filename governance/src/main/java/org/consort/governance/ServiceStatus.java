package org.consort.governance;

/**
 * The service's life cycle: Opening → Open, and after a disaster Recovering →
 * WaitingForRecoveryShares → Open. Immutable.
 */
public enum ServiceStatus {
    Opening, Open, Recovering, WaitingForRecoveryShares
}
