package io.mooring.engine.scsi;

import io.mooring.engine.scsi.bdev.BlockBackend;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.BitSet;
import java.util.concurrent.atomic.AtomicInteger;

/** Delegates to a real backend, counts flushes, and can make every flush fail as a dying disk would. */
final class RecordingBackend implements BlockBackend {

    private final BlockBackend delegate;
    final AtomicInteger flushes = new AtomicInteger();
    volatile boolean failFlush;

    RecordingBackend(BlockBackend delegate) {
        this.delegate = delegate;
    }

    @Override
    public void flush() throws IOException {
        flushes.incrementAndGet();
        if (failFlush) {
            throw new IOException("EIO from fdatasync");
        }
        delegate.flush();
    }

    @Override
    public long size() {
        return delegate.size();
    }

    @Override
    public long refreshSize() throws IOException {
        return delegate.refreshSize();
    }

    @Override
    public int blockSize() {
        return delegate.blockSize();
    }

    @Override
    public int physicalBlockSize() {
        return delegate.physicalBlockSize();
    }

    @Override
    public boolean readOnly() {
        return delegate.readOnly();
    }

    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        delegate.read(dst, offset);
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        delegate.write(src, offset);
    }

    @Override
    public boolean thinProvisioned() {
        return delegate.thinProvisioned();
    }

    @Override
    public void deallocate(long offset, long length) throws IOException {
        delegate.deallocate(offset, length);
    }

    @Override
    public void deallocatedBlocks(long offset, int blocks, BitSet deallocated) throws IOException {
        delegate.deallocatedBlocks(offset, blocks, deallocated);
    }

    @Override
    public FileChannel zeroCopyChannel() {
        return delegate.zeroCopyChannel();
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }
}
