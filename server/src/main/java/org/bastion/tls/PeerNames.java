package org.bastion.tls;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/** The names a client certificate gives its holder: subject CN first, then SAN DNS names and emails. */
final class PeerNames {
    /** SAN types (RFC 5280): rfc822Name (email) and dNSName. */
    private static final int SAN_EMAIL = 1;
    private static final int SAN_DNS = 2;

    private PeerNames() {
    }

    static List<String> of(X509Certificate cert) {
        List<String> names = new ArrayList<>();
        try {
            for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    names.add(0, String.valueOf(rdn.getValue()));
                }
            }
        } catch (InvalidNameException e) {
            // No usable subject: the SAN may still name the holder.
        }
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    Object type = san.get(0);
                    if (type instanceof Integer t && (t == SAN_DNS || t == SAN_EMAIL) && san.get(1) instanceof String v
                            && !names.contains(v)) {
                        names.add(v);
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // A malformed SAN extension adds nothing.
        }
        return names;
    }
}
