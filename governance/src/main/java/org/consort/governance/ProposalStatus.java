package org.consort.governance;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Optional;

/**
 * What is known of a proposal: who proposed it, its state, the votes its ballots gave at the
 * last resolve, how many ballots it has, and why it failed if it did. Immutable.
 */
public record ProposalStatus(String proposalId, String proposerId, ProposalState state, long createdAtSeconds,
                             int ballotCount, Map<String, Boolean> votes, Optional<String> failure) {
    public ProposalStatus {
        votes = Map.copyOf(votes);
    }

    /** JSON as the /gov endpoints answer: {"proposalId", "proposerId", "state", "ballotCount", "votes", "failure"}. */
    public String toJson() {
        ObjectNode o = Json.newObject().put("proposalId", proposalId).put("proposerId", proposerId)
                .put("state", state.name()).put("createdAt", createdAtSeconds).put("ballotCount", ballotCount);
        ObjectNode v = o.putObject("votes");
        votes.forEach(v::put);
        failure.ifPresent(f -> o.putObject("failure").put("reason", f));
        return Json.write(o);
    }
}
