package io.mooring.health;

import io.mooring.boot.MooringConfig;
import io.mooring.boot.PostgresSupervisor;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.CompositeException;
import io.vertx.sqlclient.ClosedConnectionException;
import io.vertx.sqlclient.DatabaseException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.ConnectException;
import java.net.SocketException;
import java.nio.channels.ClosedChannelException;
import java.util.Optional;

/**
 * Whether the database can be used: the embedded PostgreSQL's supervisor state, and which failures mean "the database
 * is unavailable" (answered 503, never logged per request) rather than a bug. Works the same for an external database,
 * minus the supervisor.
 */
@ApplicationScoped
public class DatabaseAvailability {

    /** vertx-sql-client's SocketConnectionBase: "Connection is not active now, current status: CLOSED". */
    private static final String INACTIVE_CONNECTION = "Connection is not active now";

    void handOverSettings(@Observes StartupEvent started, MooringConfig config) {
        supervisor().ifPresent(supervisor -> supervisor.giveUpAfter(config.database().giveUpAfter()));
    }

    /** The embedded PostgreSQL's supervisor; empty with an external database. */
    public static Optional<PostgresSupervisor> supervisor() {
        return PostgresSupervisor.embedded();
    }

    /**
     * True when {@code failure} comes from the database being unreachable: refused or lost connections, or a server
     * that is shutting down, recovering or starting (SQLSTATE classes 08 and 57P), or one out of resources (class 53:
     * disk full, out of memory, too many connections); and any failure at all while the embedded server is known to be
     * down.
     */
    public static boolean isUnavailable(Throwable failure) {
        if (supervisor().map(s -> s.state() != PostgresSupervisor.State.UP).orElse(false)) {
            return true;
        }
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof ConnectException || cause instanceof SocketException
                    || cause instanceof ClosedChannelException || cause instanceof ClosedConnectionException) {
                return true;
            }
            // a statement (then its rollback) sent on a connection whose backend died in the transaction: the SQL
            // client says so only in words, and Mutiny gathers both failures
            if (cause.getMessage() != null && cause.getMessage().startsWith(INACTIVE_CONNECTION)) {
                return true;
            }
            if (cause instanceof CompositeException composite && composite.getCauses().stream().anyMatch(DatabaseAvailability::isUnavailable)) {
                return true;
            }
            if (cause instanceof DatabaseException database && database.getSqlState() != null
                    && (database.getSqlState().startsWith("08") || database.getSqlState().startsWith("57P")
                        || database.getSqlState().startsWith("53"))) {
                return true;
            }
        }
        return false;
    }
}
