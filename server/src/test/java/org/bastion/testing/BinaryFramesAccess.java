package org.bastion.testing;

/** {@link BinaryFrames} for tests outside this package. */
public final class BinaryFramesAccess {
    private BinaryFramesAccess() {
    }

    /** A request with opcode, key and extras, no value, CAS 0. */
    public static byte[] request(int opcode, String key, byte[] extras) {
        return BinaryFrames.request(opcode, BinaryFrames.ascii(key), extras, new byte[0], 0, BinaryFrames.OPAQUE);
    }
}
