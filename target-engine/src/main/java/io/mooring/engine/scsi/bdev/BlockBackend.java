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
     * Releases the blocks of a range. Afterwards the range reads as zeros (LBPRZ=1); whether the space really goes back
     * to the filesystem depends on the backend (see the implementations).
     */
    void deallocate(long offset, long length) throws IOException;

    /**
     * Marks in {@code deallocated} (bit i for the i-th block from {@code offset}) which of {@code blocks} blocks are
     * deallocated, i.e. read as zeros without holding data.
     */
    void deallocatedBlocks(long offset, int blocks, BitSet deallocated) throws IOException;

    /** The channel the transport may send read data from with zero copy, or {@code null} when it should not. */
    FileChannel zeroCopyChannel();
}
