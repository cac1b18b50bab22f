package io.mooring.engine.iscsi.login;

import io.mooring.engine.LoginThrottling;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Counts the failed logins that guessing produces (authentication failure, authorization failure, target not found)
 * per {@link Key} and puts a key that keeps failing into a back-off (see {@link LoginThrottling}): its logins are
 * then refused, even with the right secret, until the back-off ends. A success forgets the key.
 *
 * <p>The key holds the target's name as well as the initiator's: a host logs in to all its volumes under one
 * initiator name, and the retries of one revoked attachment must not lock it out of its other targets.
 *
 * <p>The table is bounded: at {@code capacity} keys, entries that have gone quiet are swept out, and failures of new
 * keys are counted per source address instead, so cycling names does not escape the count. Entries are immutable
 * and replaced by compare-and-set; a login's check only reads. Each back-off is logged once, when it begins, with
 * the names and the address (never a secret).
 */
public final class LoginThrottle {

    public static final int DEFAULT_CAPACITY = 4096;

    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(LoginThrottle.class);
    private static final long SWEEP_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** iSCSI names are at most 223 bytes (RFC 7143 4.2.7.1); anything longer is cut in the log. */
    private static final int MAX_LOGGED_NAME = 223;

    /** Who logs in from where to what; the target is "" for a discovery session. */
    public record Key(String address, String initiator, String target) {
    }

    /**
     * Failures counted since {@code windowStart}; {@code backoff} is 0 until the key is first throttled, then the
     * length of its latest back-off, which ends at {@code blockedUntil}.
     */
    private record Entry(int failures, long windowStart, long backoff, long blockedUntil) {
    }

    private final LoginThrottling settings;
    private final LongSupplier nanoClock;
    private final int capacity;
    private final long window;
    private final long delay;
    private final long initialBackoff;
    private final long maxBackoff;
    private final ConcurrentHashMap<Key, Entry> byLogin = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Entry> byAddress = new ConcurrentHashMap<>();
    private final AtomicLong nextSweep;
    private final AtomicBoolean overflowing = new AtomicBoolean();

    public LoginThrottle(LoginThrottling settings, LongSupplier nanoClock) {
        this(settings, nanoClock, DEFAULT_CAPACITY);
    }

    /** {@code nanoClock} reads like {@link System#nanoTime()}; tests move one by hand. */
    public LoginThrottle(LoginThrottling settings, LongSupplier nanoClock, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity " + capacity);
        }
        this.settings = settings;
        this.nanoClock = nanoClock;
        this.capacity = capacity;
        this.window = settings.window().toNanos();
        this.delay = settings.delay().toNanos();
        this.initialBackoff = settings.initialBackoff().toNanos();
        this.maxBackoff = settings.maxBackoff().toNanos();
        this.nextSweep = new AtomicLong(nanoClock.getAsLong());
    }

    /** The key of a login from {@code remote} naming {@code initiator} and {@code target} (null: discovery). */
    public static Key key(SocketAddress remote, String initiator, String target) {
        String address = remote instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress() : String.valueOf(remote);
        return new Key(address, initiator, target == null ? "" : target);
    }

    /** How long a refused login waits for its answer, in nanoseconds. */
    public long delayNanos() {
        return delay;
    }

    /** Whether a login of {@code key} is refused now: the key, or its address, is in a back-off. */
    public boolean refuses(Key key) {
        if (!settings.enabled()) {
            return false;
        }
        long now = nanoClock.getAsLong();
        return blocking(byLogin.get(key), now)
                || !byAddress.isEmpty() && blocking(byAddress.get(key.address()), now);
    }

    /** Counts a login of {@code key} (null: it never named itself) that failed with {@code status}, if it counts. */
    public void failed(Key key, int status) {
        if (!settings.enabled() || key == null || !counts(status)) {
            return;
        }
        long now = nanoClock.getAsLong();
        if (byLogin.containsKey(key) || hasRoom(byLogin, now)) {
            count(byLogin, key, key, now);
        } else if (byAddress.containsKey(key.address()) || hasRoom(byAddress, now)) {
            count(byAddress, key.address(), key, now);
        } else if (overflowing.compareAndSet(false, true)) {
            LOG.warn("iSCSI login throttle full ({} initiator/target keys, {} addresses): failed logins from further "
                    + "addresses are not counted until older entries expire", byLogin.size(), byAddress.size());
        }
    }

    /** A successful login forgets its key. */
    public void succeeded(Key key) {
        if (key != null && !byLogin.isEmpty()) {
            byLogin.remove(key);
        }
    }

    /** Keys and addresses tracked now: each table stops growing at its capacity (give or take concurrent inserts). */
    public int tracked() {
        return byLogin.size() + byAddress.size();
    }

    private static boolean counts(int status) {
        return status == LoginStatus.AUTHENTICATION_FAILED || status == LoginStatus.AUTHORIZATION_FAILED
                || status == LoginStatus.NOT_FOUND;
    }

    private static boolean blocking(Entry entry, long now) {
        return entry != null && entry.backoff() != 0 && now - entry.blockedUntil() < 0;
    }

    /** Quiet for a window: after its last back-off, or since its first counted failure. */
    private boolean stale(Entry entry, long now) {
        return entry.backoff() == 0 ? now - entry.windowStart() >= window : now - entry.blockedUntil() >= window;
    }

    private <K> void count(ConcurrentHashMap<K, Entry> table, K tableKey, Key key, long now) {
        while (true) {
            Entry old = table.get(tableKey);
            Entry next = afterFailure(old, now);
            if (next == old) {
                return;
            }
            if (old == null ? table.putIfAbsent(tableKey, next) == null : table.replace(tableKey, old, next)) {
                if (next.backoff() != 0) {
                    logBackoff(tableKey == key, key, old, next);
                }
                return;
            }
        }
    }

    private Entry afterFailure(Entry entry, long now) {
        if (entry == null || stale(entry, now)) {
            return counting(1, now, now);
        }
        if (entry.backoff() == 0) {
            return counting(entry.failures() + 1, entry.windowStart(), now);
        }
        if (now - entry.blockedUntil() < 0) {
            return entry; // a login that got past the check just before the back-off began
        }
        // failed again soon after its back-off: the next one is twice as long
        long backoff = entry.backoff() >= maxBackoff / 2 ? maxBackoff : entry.backoff() * 2;
        return new Entry(entry.failures() + 1, entry.windowStart(), backoff, now + backoff);
    }

    private Entry counting(int failures, long windowStart, long now) {
        return failures >= settings.threshold()
                ? new Entry(failures, windowStart, initialBackoff, now + initialBackoff)
                : new Entry(failures, windowStart, 0, 0);
    }

    private void logBackoff(boolean perLogin, Key key, Entry old, Entry next) {
        String why = old != null && old.backoff() != 0 ? "failed again after its back-off"
                : next.failures() + " failed logins within " + duration(window);
        if (perLogin) {
            LOG.warn("iSCSI logins of {} to {} from {} refused for {}: {}", printable(key.initiator()),
                    key.target().isEmpty() ? "discovery" : printable(key.target()), key.address(),
                    duration(next.backoff()), why);
        } else {
            LOG.warn("iSCSI logins from {} refused for {}: {} (counted per address: the throttle has no room for "
                    + "more names)", key.address(), duration(next.backoff()), why);
        }
    }

    /** At capacity, sweeps out entries that have gone quiet (at most once a second) and looks again. */
    private boolean hasRoom(ConcurrentHashMap<?, Entry> table, long now) {
        if (table.size() < capacity) {
            return true;
        }
        long due = nextSweep.get();
        if (now - due >= 0 && nextSweep.compareAndSet(due, now + SWEEP_INTERVAL_NANOS)) {
            // removeIf removes an entry only if it is still the one tested
            byLogin.entrySet().removeIf(e -> stale(e.getValue(), now));
            byAddress.entrySet().removeIf(e -> stale(e.getValue(), now));
            if (byAddress.size() < capacity && overflowing.compareAndSet(true, false)) {
                LOG.info("iSCSI login throttle has room again: failed logins of every address are counted");
            }
        }
        return table.size() < capacity;
    }

    private static String duration(long nanos) {
        long millis = TimeUnit.NANOSECONDS.toMillis(nanos);
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    }

    /** Names come from the initiator: no control characters into the log, and no more than a name's length. */
    private static String printable(String name) {
        StringBuilder out = new StringBuilder(Math.min(name.length(), MAX_LOGGED_NAME));
        for (int i = 0; i < name.length() && i < MAX_LOGGED_NAME; i++) {
            char c = name.charAt(i);
            out.append(Character.isISOControl(c) ? '?' : c);
        }
        return out.toString();
    }
}
