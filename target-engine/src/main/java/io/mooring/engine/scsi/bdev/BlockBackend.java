package io.mooring.engine.scsi.bdev;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.BitSet;

/**
 * Where a LUN's blocks live: a file ({@link FileBackend#open}) or a raw block device ({@link RawDeviceBackend#open}).
 * Offsets and lengths are in bytes; callers keep them inside {@link #size()} and aligned to {@link #blockSize()}.
 * Every method may be called from several threads at once (positional I/O only, no shared file position).
 */
public interface BlockBackend extends Closeable {

    /** Size in bytes, as last read from the medium (at open or by {@link #refreshSize()}). */
    long size();

    /** Re-reads the size from the medium after the service grew it; returns the new size. */
    long refreshSize() throws IOException;

    /** Logical block size in bytes. */
    int blockSize();

    /** The unit below which writes cost a read-modify-write (a page of the page cache, a device's physical sector). */
    int physicalBlockSize();

    /** Opened without write access: every write is refused with WRITE PROTECTED. */
    boolean readOnly();

    /** Reads {@code dst.remaining()} bytes starting at {@code offset}. */
    void read(ByteBuffer dst, long offset) throws IOException;

    /** Writes all of {@code src} at {@code offset}. */
    void write(ByteBuffer src, long offset) throws IOException;

    /** Makes every completed write durable (fdatasync). */
    void flush() throws IOException;

    /**
     * Whether {@link #deallocate} gives the space back (the LU is thin provisioned: LBPME=1, LBPRZ=1) rather than only
     * writing zeros (fully provisioned: LBPME=0, and the SCSI layer refuses UNMAP). Fixed when the backend opens.
     */
    boolean thinProvisioned();

    /**
     * Releases the blocks of a range; afterwards the range reads as zeros either way. Only a
     * {@linkplain #thinProvisioned() thin} backend returns the space to the filesystem.
     */
    void deallocate(long offset, long length) throws IOException;

    /**
     * Marks in {@code deallocated} (bit i for the i-th block from {@code offset}) which of {@code blocks} blocks hold
     * no space on the medium. Nothing, on a backend that is not thin provisioned.
     */
    void deallocatedBlocks(long offset, int blocks, BitSet deallocated) throws IOException;

    /** The channel the transport may send read data from with zero copy, or {@code null} when it should not. */
    FileChannel zeroCopyChannel();
}
