package io.mooring.engine.scsi.lun;

import java.util.concurrent.locks.ReentrantLock;

/**
 * Striped locks over the LBA space of one logical unit. Writers take the stripes their range touches, so a
 * COMPARE AND WRITE is atomic against every overlapping write; reads take nothing. Stripes are always taken in
 * ascending index order, so two multi-stripe writers cannot deadlock.
 */
public final class RangeLocks {

    private static final int STRIPES = 64;
    /** 1 MiB of LBA space per stripe slot: neighbouring small writes land on different stripes. */
    private static final int STRIPE_SHIFT = 20;

    private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];

    public RangeLocks() {
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    /** Locks the byte range {@code [offset, offset + length)}; returns the stripe mask to pass to {@link #unlock}. */
    public long lock(long offset, long length) {
        long mask = mask(offset, length);
        for (int i = 0; i < STRIPES; i++) {
            if ((mask & (1L << i)) != 0) {
                stripes[i].lock();
            }
        }
        return mask;
    }

    public void unlock(long mask) {
        for (int i = STRIPES - 1; i >= 0; i--) {
            if ((mask & (1L << i)) != 0) {
                stripes[i].unlock();
            }
        }
    }

    private static long mask(long offset, long length) {
        long first = offset >>> STRIPE_SHIFT;
        long last = (offset + Math.max(length, 1) - 1) >>> STRIPE_SHIFT;
        if (last - first >= STRIPES - 1) {
            return -1L;
        }
        long mask = 0;
        for (long slot = first; slot <= last; slot++) {
            mask |= 1L << (slot % STRIPES);
        }
        return mask;
    }
}
