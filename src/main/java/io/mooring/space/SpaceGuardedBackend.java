package io.mooring.space;

import io.mooring.engine.scsi.bdev.BlockBackend;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.BitSet;

/**
 * A file-backed LUN whose writes stop in the low-space state, before the filesystem is truly full: they fail as ENOSPC
 * would, which the engine answers with 07/27/07 (SPACE ALLOCATION FAILED WRITE PROTECT), so the room left, and the
 * released PostgreSQL reserve, stay for the database. Deallocation still goes through: it is how an initiator gives
 * space back.
 */
public final class SpaceGuardedBackend implements BlockBackend {

    private final BlockBackend backend;
    private final SpaceMonitor monitor;

    private SpaceGuardedBackend(BlockBackend backend, SpaceMonitor monitor) {
        this.backend = backend;
        this.monitor = monitor;
    }

    public static BlockBackend guard(BlockBackend backend, SpaceMonitor monitor) {
        return new SpaceGuardedBackend(backend, monitor);
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        if (!monitor.admitsWrite(src.remaining())) {
            throw new IOException("No space left on device (the data filesystem is in its low-space state)");
        }
        backend.write(src, offset);
    }

    @Override
    public long size() {
        return backend.size();
    }

    @Override
    public long refreshSize() throws IOException {
        return backend.refreshSize();
    }

    @Override
    public int blockSize() {
        return backend.blockSize();
    }

    @Override
    public int physicalBlockSize() {
        return backend.physicalBlockSize();
    }

    @Override
    public boolean readOnly() {
        return backend.readOnly();
    }

    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        backend.read(dst, offset);
    }

    @Override
    public void flush() throws IOException {
        backend.flush();
    }

    @Override
    public boolean thinProvisioned() {
        return backend.thinProvisioned();
    }

    @Override
    public void deallocate(long offset, long length) throws IOException {
        backend.deallocate(offset, length);
    }

    @Override
    public void deallocatedBlocks(long offset, int blocks, BitSet deallocated) throws IOException {
        backend.deallocatedBlocks(offset, blocks, deallocated);
    }

    @Override
    public FileChannel zeroCopyChannel() {
        return backend.zeroCopyChannel();
    }

    @Override
    public void close() throws IOException {
        backend.close();
    }
}
