package io.mooring.engine.scsi.sbc;

/** Limits the device server enforces and reports in the Block Limits VPD page (B0h). */
public final class BlockLimits {

    /** Largest READ/WRITE/VERIFY: bounds the pooled buffer one command may take. */
    public static final int MAX_TRANSFER_BYTES = 8 << 20;
    public static final int OPTIMAL_TRANSFER_BYTES = 1 << 20;
    public static final int MAX_COMPARE_AND_WRITE_BLOCKS = 255;
    /**
     * UNMAP and WRITE SAME deallocate on the event loop (a hole punch, or zeros written where holes cannot be
     * punched), so one command stays bounded.
     */
    public static final int MAX_UNMAP_BYTES = 32 << 20;
    public static final int MAX_UNMAP_DESCRIPTORS = 64;
    public static final long MAX_WRITE_SAME_BYTES = 16L << 20;

    private BlockLimits() {
    }
}
