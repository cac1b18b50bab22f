package io.mooring.boot;

import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.mooring.engine.ChapAlgorithm;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithConverter;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Mooring's own settings ({@code mooring.*}, or {@code MOORING_*} environment variables). Everything has a default. */
@ConfigMapping(prefix = "mooring")
public interface MooringConfig {

    /** Where volumes, the embedded PostgreSQL and the generated admin token live. */
    @WithDefault("mooring-data")
    Path dataDir();

    /** The one availability zone volumes live in (Cinder's storage_availability_zone). */
    @WithDefault("nova")
    String availabilityZone();

    Iscsi iscsi();

    Backend backend();

    Auth auth();

    Database database();

    Reconcile reconcile();

    Fault fault();

    Space space();

    Api api();

    Http http();

    interface Iscsi {
        /** Address the iSCSI portal listens on. */
        @WithDefault("0.0.0.0")
        String host();

        @WithDefault("3260")
        int port();

        /** Address put in connection info and SendTargets; default: the first non-loopback address, else 127.0.0.1. */
        Optional<String> advertisedAddress();

        /** Target names are {@code <prefix>:volume-<volume id>}. */
        @WithDefault("iqn.2026-11.io.mooring")
        String iqnPrefix();

        /**
         * The weakest CHAP hash an attachment's initiator may log in with ({@code md5}, {@code sha-256},
         * {@code sha3-256}); MD5 by default because Debian's libiscsi and older open-iscsi offer nothing else.
         */
        @WithDefault("md5")
        ChapAlgorithm chapMinimum();

        LoginThrottle loginThrottle();
    }

    /**
     * Logins that keep failing (authentication, authorization, unknown target) per source address, initiator name and
     * target name: after {@code threshold} failures within {@code window}, that key's logins are answered after
     * {@code delay} with Service Unavailable for a back-off of {@code initial-backoff}, doubling with each failure right
     * after one up to {@code max-backoff}. A successful login forgets the key.
     */
    interface LoginThrottle {
        @WithDefault("true")
        boolean enabled();

        @WithDefault("5")
        int threshold();

        @WithDefault("60s")
        Duration window();

        @WithDefault("1s")
        Duration delay();

        @WithDefault("10s")
        Duration initialBackoff();

        @WithDefault("5m")
        Duration maxBackoff();
    }

    interface Backend {
        /** Raw block devices handed to volumes of a raw-device volume type; empty means file-backed volumes only. */
        Optional<List<Path>> rawDevices();
    }

    interface Auth {
        /**
         * Development only: also accept Cinder's noauth tokens {@code <user>:<project>} (project = user without a
         * colon) as admins of that project, so cinderclient's {@code --os-auth-type noauth} works. Never in production.
         */
        @WithDefault("false")
        boolean noauth();
    }

    interface Database {
        /**
         * How long recovery of the embedded PostgreSQL may keep failing before liveness turns DOWN, so that whatever
         * supervises Mooring restarts it. Mooring keeps retrying meanwhile; the iSCSI data path is unaffected until then.
         */
        @WithDefault("120s")
        Duration giveUpAfter();
    }

    interface Reconcile {
        /** How often unfinished operations (a failed request's later steps) and the target's grants are repaired. */
        @WithDefault("30s")
        Duration interval();
    }

    interface Fault {
        /**
         * Test only: the named step ({@code volume.create.row-committed}, ...) at which every thread that reaches it
         * logs {@code fault point <name> reached} and waits until {@code <dataDir>/fault-point.continue} appears.
         * Unset (the default), no step ever waits.
         */
        Optional<String> pauseAt();
    }

    /** How the Cinder API presents itself. */
    interface Api {
        /**
         * The URL clients reach the API at (e.g. {@code https://edge1.example.net:8776}, a path prefix allowed): every
         * {@code links} href starts with it. Unset: the address the request arrived at. Never the Host header.
         */
        Optional<String> publicEndpoint();

        /** The most items a list answers with, and its page size when no limit is asked (Cinder's osapi_max_limit). */
        @WithDefault("1000")
        int maxLimit();
    }

    /** How the data directory's filesystem is shared between volumes and the embedded PostgreSQL (see io.mooring.space). */
    interface Space {
        /**
         * Volume creates are refused once the file-backed volumes' provisioned sizes would exceed this many times the
         * filesystem's capacity (Cinder's {@code max_over_subscription_ratio}, same default).
         */
        @WithDefault("20")
        double maxOvercommit();

        /** Volume creates are refused while free space is at or under this (Cinder's {@code reserved_percentage}, as a size). */
        @WithDefault("1G")
        @WithConverter(MemorySizeConverter.class)
        MemorySize minFree();

        /**
         * A fully written file under the data directory that holds space for PostgreSQL's WAL and Mooring's own files;
         * released when the filesystem runs full, written again once space comes back. 0 disables it.
         */
        @WithDefault("256M")
        @WithConverter(MemorySizeConverter.class)
        MemorySize postgresReserve();

        /**
         * Under this much free space the appliance is in its low-space state: writes to volumes answer 07/27/07,
         * mutating API calls 503, and the reserve is released.
         */
        @WithDefault("64M")
        @WithConverter(MemorySizeConverter.class)
        MemorySize emergencyFree();

        /** How often the filesystem's free space is read. */
        @WithDefault("1s")
        Duration checkInterval();
    }

    /** Connection timeouts of the REST API's HTTP/1.1 server (Cinder's WSGI server has both). */
    interface Http {
        /** A connection that has not sent complete request headers this long after its first byte (or after connecting) is closed. */
        @WithDefault("10s")
        Duration headerTimeout();

        /** A kept-alive connection with no request under way is closed after this long. */
        @WithDefault("60s")
        Duration idleTimeout();
    }
}
