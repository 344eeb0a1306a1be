package org.bastion.protocol.binary;

import io.netty.handler.codec.memcache.binary.BinaryMemcacheResponseStatus;
import org.bastion.protocol.Replies;

/** Binary protocol status codes and the error bodies memcached sends with them (proto_bin.c, write_bin_error). */
public final class BinaryStatus {
    static final short SUCCESS = BinaryMemcacheResponseStatus.SUCCESS;
    static final short KEY_ENOENT = BinaryMemcacheResponseStatus.KEY_ENOENT;
    static final short KEY_EEXISTS = BinaryMemcacheResponseStatus.KEY_EEXISTS;
    static final short E2BIG = BinaryMemcacheResponseStatus.E2BIG;
    static final short EINVAL = BinaryMemcacheResponseStatus.EINVA;
    static final short NOT_STORED = BinaryMemcacheResponseStatus.NOT_STORED;
    static final short DELTA_BADVAL = BinaryMemcacheResponseStatus.DELTA_BADVAL;
    static final short AUTH_ERROR = BinaryMemcacheResponseStatus.AUTH_ERROR;
    static final short AUTH_CONTINUE = BinaryMemcacheResponseStatus.AUTH_CONTINUE;
    static final short UNKNOWN_COMMAND = BinaryMemcacheResponseStatus.UNKNOWN_COMMAND;
    static final short ENOMEM = BinaryMemcacheResponseStatus.ENOMEM;
    /** memcached's PROTOCOL_BINARY_RESPONSE_ETMPFAIL: try again later (a login whose check could not be queued). */
    static final short TEMPORARY_FAILURE = 0x0086;

    private static final byte[] NOT_FOUND_BODY = Replies.ascii("Not found");
    private static final byte[] EXISTS_BODY = Replies.ascii("Data exists for key.");
    private static final byte[] TOO_LARGE_BODY = Replies.ascii("Too large.");
    private static final byte[] INVALID_BODY = Replies.ascii("Invalid arguments");
    private static final byte[] NOT_STORED_BODY = Replies.ascii("Not stored.");
    private static final byte[] BAD_DELTA_BODY = Replies.ascii("Non-numeric server-side value for incr or decr");
    private static final byte[] AUTH_BODY = Replies.ascii("Auth failure.");
    private static final byte[] UNKNOWN_BODY = Replies.ascii("Unknown command");
    private static final byte[] NO_MEMORY_BODY = Replies.ascii("Out of memory");
    private static final byte[] TEMPORARY_FAILURE_BODY = Replies.ascii("Temporary failure");

    private BinaryStatus() {
    }

    /** The body memcached sends with an error status (shared: callers wrap it, never write into it). */
    static byte[] message(short status) {
        return switch (status) {
            case KEY_ENOENT -> NOT_FOUND_BODY;
            case KEY_EEXISTS -> EXISTS_BODY;
            case E2BIG -> TOO_LARGE_BODY;
            case EINVAL -> INVALID_BODY;
            case NOT_STORED -> NOT_STORED_BODY;
            case DELTA_BADVAL -> BAD_DELTA_BODY;
            case AUTH_ERROR -> AUTH_BODY;
            case UNKNOWN_COMMAND -> UNKNOWN_BODY;
            case ENOMEM -> NO_MEMORY_BODY;
            case TEMPORARY_FAILURE -> TEMPORARY_FAILURE_BODY;
            default -> throw new IllegalArgumentException("no error body for status " + status);
        };
    }
}
