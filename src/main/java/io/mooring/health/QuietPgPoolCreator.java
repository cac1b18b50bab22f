package io.mooring.health;

import io.quarkus.reactive.pg.client.PgPoolCreator;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.pgclient.PgPool;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PrepareOptions;
import io.vertx.sqlclient.PreparedQuery;
import io.vertx.sqlclient.Query;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import jakarta.inject.Singleton;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * The application's PostgreSQL pool, as Quarkus would create it, except that every connection it lends has an exception
 * handler. Without one, Vert.x prints each error that reaches a borrowed connection between statements to stderr: when
 * the server dies, one line per connection in use. Such an error needs no line of its own: the request using that
 * connection fails with it (a 503), and the supervisor or the readiness check logs the outage once.
 */
@Singleton
public class QuietPgPoolCreator implements PgPoolCreator {

    private static final Logger LOG = Logger.getLogger(QuietPgPoolCreator.class);

    @Override
    public Pool create(Input input) {
        return new QuietPool(PgPool.pool(input.vertx(), input.pgConnectOptionsList(), input.poolOptions()));
    }

    private static SqlConnection quiet(SqlConnection connection) {
        return connection.exceptionHandler(failure -> LOG.debugf("A pooled connection failed: %s", failure));
    }

    private record QuietPool(PgPool delegate) implements PgPool {

        @Override
        public Future<SqlConnection> getConnection() {
            return delegate.getConnection().map(QuietPgPoolCreator::quiet);
        }

        @Override
        public void getConnection(Handler<AsyncResult<SqlConnection>> handler) {
            getConnection().onComplete(handler);
        }

        @Override
        public Query<RowSet<Row>> query(String sql) {
            return delegate.query(sql);
        }

        @Override
        public PreparedQuery<RowSet<Row>> preparedQuery(String sql) {
            return delegate.preparedQuery(sql);
        }

        @Override
        public PreparedQuery<RowSet<Row>> preparedQuery(String sql, PrepareOptions options) {
            return delegate.preparedQuery(sql, options);
        }

        @Override
        public PgPool connectHandler(Handler<SqlConnection> handler) {
            delegate.connectHandler(handler);
            return this;
        }

        @Override
        public PgPool connectionProvider(Function<Context, Future<SqlConnection>> provider) {
            delegate.connectionProvider(provider);
            return this;
        }

        @Override
        public int size() {
            return delegate.size();
        }

        @Override
        public void close(Handler<AsyncResult<Void>> handler) {
            delegate.close(handler);
        }

        @Override
        public Future<Void> close() {
            return delegate.close();
        }
    }
}
