package org.consort.governance;

import java.util.List;
import java.util.Objects;

/**
 * What governance holds when a service starts: its certificate, the first members and users,
 * the constitution and the recovery threshold. Immutable.
 *
 * @param serviceCertPem the service certificate; service info is written with status Opening
 * @param members the first members; their status is usually Active in a sandbox and Accepted otherwise
 * @param userCertPems the first users' certificates
 * @param constitution the constitution text, e.g. {@link DefaultConstitution#text()}
 * @param recoveryThreshold shares needed to recover (1 to the number of members with encryption keys), or 0 for none
 */
public record Genesis(String serviceCertPem, List<Member> members, List<String> userCertPems, String constitution,
                      int recoveryThreshold) {

    /** A first member: certificate, optional RSA encryption key PEM, optional member data JSON, status. */
    public record Member(String certPem, String encryptionKeyPem, String memberDataJson, MemberStatus status) {
        public Member {
            Objects.requireNonNull(certPem, "certPem");
            Objects.requireNonNull(status, "status");
        }
    }

    public Genesis {
        Objects.requireNonNull(serviceCertPem, "serviceCertPem");
        members = List.copyOf(members);
        userCertPems = List.copyOf(userCertPems);
        Objects.requireNonNull(constitution, "constitution");
        if (members.isEmpty()) {
            throw new IllegalArgumentException("a service needs at least one member");
        }
    }
}
