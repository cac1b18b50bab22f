package io.mooring.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import java.net.ConnectException;
import java.util.concurrent.CompletionException;
import org.hibernate.HibernateException;
import org.junit.jupiter.api.Test;

/** Which failures are an unreachable database (a 503) and which are not (a bug, or the client's fault). */
class DatabaseAvailabilityTest {

    @Test
    void lostOrRefusedConnectionsAndServersGoingAwayAreUnavailability() {
        assertThat(DatabaseAvailability.isUnavailable(new CompletionException(new ConnectException("Connection refused")))).isTrue();
        assertThat(DatabaseAvailability.isUnavailable(new HibernateException("x", ClosedConnectionException.INSTANCE))).isTrue();
        assertThat(DatabaseAvailability.isUnavailable(
                new PgException("the database system is starting up", "FATAL", "57P03", null))).isTrue();
        assertThat(DatabaseAvailability.isUnavailable(new CompletionException(
                new PgException("terminating connection due to unexpected postmaster exit", "FATAL", "57P01", null)))).isTrue();
        assertThat(DatabaseAvailability.isUnavailable(new PgException("connection failure", "FATAL", "08006", null))).isTrue();
        assertThat(DatabaseAvailability.isUnavailable(new PgException("could not extend file: No space left on device", "ERROR", "53100", null)))
                .as("a full disk is an outage (503) until the space monitor notices it").isTrue();
        Throwable inactive = new io.vertx.core.impl.NoStackTraceThrowable("Connection is not active now, current status: CLOSED");
        assertThat(DatabaseAvailability.isUnavailable(new io.smallrye.mutiny.CompositeException(inactive, inactive)))
                .as("a transaction whose backend was killed: the statement and the rollback failed").isTrue();
    }

    @Test
    void otherFailuresAreNot() {
        assertThat(DatabaseAvailability.isUnavailable(new PgException("duplicate key", "ERROR", "23505", null))).isFalse();
        assertThat(DatabaseAvailability.isUnavailable(new IllegalStateException("bug"))).isFalse();
        assertThat(DatabaseAvailability.isUnavailable(new CompletionException(new NullPointerException()))).isFalse();
        assertThat(DatabaseAvailability.isUnavailable(new io.smallrye.mutiny.CompositeException(new IllegalStateException("a"),
                new IllegalArgumentException("b")))).isFalse();
    }
}
