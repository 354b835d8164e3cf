package org.consort.governance;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.consort.kv.ReadTx;

/** Read helpers over the governance maps. Stateless; thread-safe. */
public final class GovReads {
    private GovReads() {
    }

    /** The member's state, or empty if it is not a member. */
    public static Optional<MemberStatus> memberStatus(ReadTx tx, String memberId) {
        return memberStatus(new GovStore(tx), memberId);
    }

    static Optional<MemberStatus> memberStatus(GovStore store, String memberId) {
        return store.get(GovMaps.MEMBER_INFO, memberId).map(j -> {
            ObjectNode info = Json.object(j, "member info of " + memberId);
            return MemberStatus.valueOf(info.path("status").asText());
        });
    }

    /** Ids of Active members, in id order. */
    public static List<String> activeMembers(ReadTx tx) {
        return activeMembers(new GovStore(tx));
    }

    static List<String> activeMembers(GovStore store) {
        List<String> ids = new ArrayList<>();
        store.forEach(GovMaps.MEMBER_INFO, (id, j) -> {
            if ("Active".equals(Json.object(j, "member info of " + id).path("status").asText())) {
                ids.add(id);
            }
        });
        return ids;
    }

    /** The recovery threshold, or 0 if none was set. */
    public static int recoveryThreshold(ReadTx tx) {
        return recoveryThreshold(new GovStore(tx));
    }

    static int recoveryThreshold(GovStore store) {
        return store.get(GovMaps.RECOVERY_THRESHOLD, GovMaps.RECOVERY_THRESHOLD_KEY).map(Integer::parseInt).orElse(0);
    }

    /** The service status, if the service info has been written. */
    public static Optional<ServiceStatus> serviceStatus(ReadTx tx) {
        return new GovStore(tx).get(GovMaps.SERVICE_INFO, GovMaps.SERVICE_KEY)
                .map(j -> ServiceStatus.valueOf(Json.object(j, "service info").path("status").asText()));
    }

    /** The current constitution text, if one was set. */
    public static Optional<String> constitution(ReadTx tx) {
        return tx.read(GovMaps.CONSTITUTION).get(GovMaps.CONSTITUTION_KEY);
    }
}
