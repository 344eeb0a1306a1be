package org.bastion.server;

import java.nio.charset.StandardCharsets;

/** Constant text replies, encoded once. */
final class Replies {
    static final byte[] CRLF = ascii("\r\n");
    static final byte[] STORED = ascii("STORED\r\n");
    static final byte[] NOT_STORED = ascii("NOT_STORED\r\n");
    static final byte[] EXISTS = ascii("EXISTS\r\n");
    static final byte[] NOT_FOUND = ascii("NOT_FOUND\r\n");
    static final byte[] DELETED = ascii("DELETED\r\n");
    static final byte[] TOUCHED = ascii("TOUCHED\r\n");
    static final byte[] END = ascii("END\r\n");
    static final byte[] OK = ascii("OK\r\n");
    static final byte[] RESET = ascii("RESET\r\n");
    static final byte[] ERROR = ascii("ERROR\r\n");
    static final byte[] VALUE = ascii("VALUE ");
    static final byte[] BAD_FORMAT = ascii("CLIENT_ERROR bad command line format\r\n");
    static final byte[] BAD_DATA_CHUNK = ascii("CLIENT_ERROR bad data chunk\r\n");
    static final byte[] BAD_DELTA = ascii("CLIENT_ERROR invalid numeric delta argument\r\n");
    static final byte[] NON_NUMERIC = ascii("CLIENT_ERROR cannot increment or decrement non-numeric value\r\n");
    static final byte[] BAD_EXPTIME = ascii("CLIENT_ERROR invalid exptime argument\r\n");
    static final byte[] DELETE_USAGE = ascii("CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n");
    static final byte[] TOO_LARGE = ascii("SERVER_ERROR object too large for cache\r\n");
    static final byte[] OUT_OF_MEMORY = ascii("SERVER_ERROR out of memory storing object\r\n");
    static final byte[] FLUSH_DISABLED = ascii("CLIENT_ERROR flush_all not allowed\r\n");
    static final byte[] SHUTDOWN_DISABLED = ascii("ERROR: shutdown not enabled\r\n");
    static final byte[] ACCESS_DENIED = ascii("CLIENT_ERROR access denied\r\n");
    static final byte[] TOO_MANY_CONNECTIONS = ascii("ERROR Too many open connections\r\n");

    private Replies() {
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
