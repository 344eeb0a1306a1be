package org.bastion.protocol;

import java.nio.charset.StandardCharsets;

/** Constant text replies, encoded once. */
public final class Replies {
    /**
     * The largest value length a storage line may announce: memcached reads it as a 32-bit int and adds 2 for the
     * data's {@code \r\n}, so a length over {@code INT_MAX - 2} (or negative) is {@code CLIENT_ERROR bad command line
     * format}, not an oversized value.
     */
    public static final long MAX_ANNOUNCED_LENGTH = Integer.MAX_VALUE - 2;

    public static final byte[] CRLF = ascii("\r\n");
    public static final byte[] STORED = ascii("STORED\r\n");
    public static final byte[] NOT_STORED = ascii("NOT_STORED\r\n");
    public static final byte[] EXISTS = ascii("EXISTS\r\n");
    public static final byte[] NOT_FOUND = ascii("NOT_FOUND\r\n");
    public static final byte[] DELETED = ascii("DELETED\r\n");
    public static final byte[] TOUCHED = ascii("TOUCHED\r\n");
    public static final byte[] END = ascii("END\r\n");
    public static final byte[] OK = ascii("OK\r\n");
    public static final byte[] RESET = ascii("RESET\r\n");
    public static final byte[] ERROR = ascii("ERROR\r\n");
    public static final byte[] VALUE = ascii("VALUE ");
    public static final byte[] BAD_FORMAT = ascii("CLIENT_ERROR bad command line format\r\n");
    public static final byte[] BAD_DATA_CHUNK = ascii("CLIENT_ERROR bad data chunk\r\n");
    public static final byte[] BAD_DELTA = ascii("CLIENT_ERROR invalid numeric delta argument\r\n");
    public static final byte[] NON_NUMERIC = ascii("CLIENT_ERROR cannot increment or decrement non-numeric value\r\n");
    public static final byte[] BAD_EXPTIME = ascii("CLIENT_ERROR invalid exptime argument\r\n");
    public static final byte[] DELETE_USAGE = ascii("CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n");
    public static final byte[] TOO_LARGE = ascii("SERVER_ERROR object too large for cache\r\n");
    public static final byte[] OUT_OF_MEMORY = ascii("SERVER_ERROR out of memory storing object\r\n");
    public static final byte[] FLUSH_DISABLED = ascii("CLIENT_ERROR flush_all not allowed\r\n");
    public static final byte[] SHUTDOWN_DISABLED = ascii("ERROR: shutdown not enabled\r\n");
    public static final byte[] ACCESS_DENIED = ascii("CLIENT_ERROR access denied\r\n");
    /** memcached's {@code -Y} replies: before login, a failed login, a login data block without CR LF or one token. */
    public static final byte[] UNAUTHENTICATED = ascii("CLIENT_ERROR unauthenticated\r\n");
    public static final byte[] AUTH_FAILURE = ascii("CLIENT_ERROR authentication failure\r\n");
    /** A login whose password could not be checked yet (too many checks waiting): not a failure, try again. */
    public static final byte[] LOGIN_BUSY = ascii("SERVER_ERROR temporary failure: too many logins waiting\r\n");
    public static final byte[] BAD_LOGIN_TERMINATION = ascii("CLIENT_ERROR bad command line termination\r\n");
    public static final byte[] BAD_AUTH_TOKEN = ascii("CLIENT_ERROR bad authentication token format\r\n");
    /** memcached's reply to {@code stats cachedump} under {@code -X}. */
    public static final byte[] CACHEDUMP_DISABLED = ascii("CLIENT_ERROR stats cachedump not allowed\r\n");
    /** Bastion gates {@code stats detail dump} under {@code -X} too (memcached does not): it names key prefixes. */
    public static final byte[] DETAIL_DUMP_DISABLED = ascii("CLIENT_ERROR stats detail dump not allowed\r\n");

    private Replies() {
    }

    public static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
