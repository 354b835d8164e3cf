/**
 * Consortium governance on the KV store: members and users, COSE-signed requests, proposals and
 * ballots decided by a sandboxed JavaScript constitution, and k-of-n recovery shares.
 */
package org.consort.governance;
