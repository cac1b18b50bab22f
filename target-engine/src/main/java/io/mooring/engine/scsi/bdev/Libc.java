package io.mooring.engine.scsi.bdev;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * The libc calls the JDK has no API for, through the FFM API (Linux, 64-bit {@code off_t}): {@code open} of a second
 * descriptor for a file (a {@code FileChannel} does not hand out its own), {@code fallocate(PUNCH_HOLE)} and
 * {@code lseek(SEEK_DATA/SEEK_HOLE)}. Calls allocate nothing: errno lands in a per-thread segment.
 *
 * <p>Linking is a restricted operation: the JVM warns once unless started with
 * {@code --enable-native-access=ALL-UNNAMED} (or the jar's manifest says {@code Enable-Native-Access: ALL-UNNAMED}),
 * and where native access is denied (or on another OS) {@link #UNAVAILABLE} says why and callers fall back.
 */
final class Libc {

    static final int O_RDONLY = 0;
    static final int O_RDWR = 2;
    static final int O_CLOEXEC = 0x80000;
    static final int FALLOC_FL_KEEP_SIZE = 0x01;
    static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    static final int SEEK_DATA = 3;
    static final int SEEK_HOLE = 4;
    static final int ENXIO = 6;
    static final int ENOSPC = 28;
    static final int EOPNOTSUPP = 95;

    /** Why these calls cannot be made here, or {@code null} when they can. */
    static final String UNAVAILABLE;

    private static final StructLayout CALL_STATE;
    private static final VarHandle ERRNO;
    private static final ThreadLocal<MemorySegment> STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(Libc.CALL_STATE));
    private static final MethodHandle OPEN;
    private static final MethodHandle CLOSE;
    private static final MethodHandle FALLOCATE;
    private static final MethodHandle LSEEK;

    static {
        StructLayout callState = null;
        VarHandle errnoField = null;
        MethodHandle open = null;
        MethodHandle close = null;
        MethodHandle fallocate = null;
        MethodHandle lseek = null;
        String unavailable = null;
        try {
            if (!System.getProperty("os.name", "").startsWith("Linux") || ValueLayout.ADDRESS.byteSize() != 8) {
                throw new UnsupportedOperationException("not 64-bit Linux");
            }
            callState = Linker.Option.captureStateLayout();
            errnoField = callState.varHandle(MemoryLayout.PathElement.groupElement("errno"));
            Linker linker = Linker.nativeLinker();
            SymbolLookup libc = linker.defaultLookup();
            Linker.Option errno = Linker.Option.captureCallState("errno");
            ValueLayout.OfInt i = ValueLayout.JAVA_INT;
            ValueLayout.OfLong l = ValueLayout.JAVA_LONG;
            open = linker.downcallHandle(libc.findOrThrow("open"),
                    FunctionDescriptor.of(i, ValueLayout.ADDRESS, i, i), errno, Linker.Option.firstVariadicArg(2));
            close = linker.downcallHandle(libc.findOrThrow("close"), FunctionDescriptor.of(i, i));
            fallocate = linker.downcallHandle(libc.findOrThrow("fallocate"), FunctionDescriptor.of(i, i, i, l, l), errno);
            lseek = linker.downcallHandle(libc.findOrThrow("lseek"), FunctionDescriptor.of(l, i, l, i), errno);
        } catch (RuntimeException | Error e) {
            // native access denied, another OS, or no FFM support: a native image built without it throws its
            // UnsupportedFeatureError, an Error; any of them means no hole punching, never a LUN that cannot open
            unavailable = "native calls unavailable: " + e;
        }
        CALL_STATE = callState;
        ERRNO = errnoField;
        OPEN = open;
        CLOSE = close;
        FALLOCATE = fallocate;
        LSEEK = lseek;
        UNAVAILABLE = unavailable;
    }

    private Libc() {
    }

    /** A new descriptor for {@code file} ({@code O_CLOEXEC} added); the caller closes it with {@link #close}. */
    static int open(Path file, int flags) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = STATE.get();
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(file.toString()), flags | O_CLOEXEC, 0);
            if (fd < 0) {
                throw new IOException("open " + file + ": " + describe(errno(state)));
            }
            return fd;
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    static void close(int fd) {
        try {
            int unused = (int) CLOSE.invokeExact(fd);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Deallocates {@code [offset, offset + length)} keeping the file size; the kernel zeroes partial filesystem blocks
     * at the edges and frees the whole ones. Returns 0, or the errno.
     */
    static int punchHole(int fd, long offset, long length) {
        try {
            MemorySegment state = STATE.get();
            int result = (int) FALLOCATE.invokeExact(state, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset,
                    length);
            return result == 0 ? 0 : errno(state);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * {@code lseek(fd, offset, whence)} for {@link #SEEK_DATA} / {@link #SEEK_HOLE}: the next offset of that kind, or
     * {@code -errno} ({@code -ENXIO}: no data at or after {@code offset}).
     */
    static long seek(int fd, long offset, int whence) {
        try {
            MemorySegment state = STATE.get();
            long result = (long) LSEEK.invokeExact(state, fd, offset, whence);
            return result >= 0 ? result : -errno(state);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /** An errno in words for the few that decide something, so the dispatcher can tell a full disk from a broken one. */
    static String describe(int errno) {
        return switch (errno) {
            case ENOSPC -> "No space left on device";
            case EOPNOTSUPP -> "Operation not supported";
            default -> "errno " + errno;
        };
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }
}
