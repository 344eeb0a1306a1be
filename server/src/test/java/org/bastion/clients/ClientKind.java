package org.bastion.clients;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/** One client library speaking one protocol: what {@link ClientScenariosTest} is parameterised over. */
public record ClientKind(Library library, Wire wire) {
    /** The memcached protocol a client speaks. */
    public enum Wire {
        TEXT, BINARY
    }

    /** The Java client libraries the tests drive; each speaks both protocols. */
    public enum Library {
        SPYMEMCACHED, XMEMCACHED, FOLSOM
    }


    /** Every library in every protocol it supports. */
    public static List<ClientKind> all() {
        List<ClientKind> out = new ArrayList<>();
        for (Library library : Library.values()) {
            for (Wire wire : Wire.values()) {
                out.add(new ClientKind(library, wire));
            }
        }
        return out;
    }

    public CacheClient connect(InetSocketAddress address) throws Exception {
        boolean binary = wire == Wire.BINARY;
        return switch (library) {
            case SPYMEMCACHED -> new SpyClient(address, binary);
            case XMEMCACHED -> new XmemcachedClient(address, binary);
            case FOLSOM -> new FolsomClient(address, binary);
        };
    }

    @Override
    public String toString() {
        return library.name().toLowerCase() + " " + wire.name().toLowerCase();
    }
}
