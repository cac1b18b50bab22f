package io.mooring.api;

import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.Json;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import java.io.ByteArrayInputStream;
import java.util.Date;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * What Cinder's WSGI stack does before any application code sees a request, done on the Vert.x route that runs first:
 * a {@code Date} on every answer, a NUL in the URL refused with 400, and the request body counted as it arrives and
 * refused with 413 {@code overLimit} once it passes {@link JsonBody#MAX_BYTES} (oslo's sizelimit middleware): a
 * Content-Length over the limit is refused before a body byte is read (no {@code 100 Continue}), a chunked body at the
 * chunk that crosses the limit, and then the connection is closed. Nothing beyond the limit is ever buffered; the body,
 * once complete, is handed to RESTEasy as the request's entity.
 */
@ApplicationScoped
public class HttpHygiene {

    private static final String BODY = "mooring.body";

    @Inject
    HttpTimeouts timeouts;

    void install(@Observes Router router) {
        router.route().order(RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT - 1).handler(this::screen);
    }

    private void screen(RoutingContext routing) {
        HttpServerRequest request = routing.request();
        timeouts.track(request);
        HttpServerResponse response = routing.response();
        routing.addHeadersEndHandler(ignored -> {
            if (!response.headers().contains(HttpHeaderNames.DATE)) {
                response.headers().set(HttpHeaderNames.DATE, DateFormatter.format(new Date()));
            }
        });
        boolean chunked = request.headers().contains(HttpHeaderNames.TRANSFER_ENCODING);
        String length = request.getHeader(HttpHeaderNames.CONTENT_LENGTH);
        // the HTTP decoder has already refused a Content-Length that is not one non-negative number
        long declared = length == null ? 0 : Long.parseLong(length);
        boolean bodyToCome = chunked || declared != 0;
        CinderFault nul = nulIn(request.uri());
        if (nul != null) {
            refuse(routing, nul, bodyToCome); // an unread body would be taken for the next request's bytes
            return;
        }
        if (!bodyToCome) {
            routing.next();
        } else if (!chunked && declared > JsonBody.MAX_BYTES) {
            refuse(routing, JsonBody.tooLarge(), true);
        } else {
            readBody(routing);
        }
    }

    /**
     * A {@code %00} anywhere in the path or the query (PostgreSQL text cannot hold one, and no Cinder id or filter has
     * one), as Cinder's invalid-input fault; null when there is none. Raw control bytes never get this far: the HTTP
     * decoder answers them with a bare 400, as eventlet's request parser does.
     */
    static CinderFault nulIn(String rawUri) {
        int query = rawUri.indexOf('?');
        String path = query < 0 ? rawUri : rawUri.substring(0, query);
        if (path.contains("%00")) {
            return CinderFault.invalidInput("The URL path may not contain NUL characters.");
        }
        return query >= 0 && rawUri.indexOf("%00", query) >= 0 ? CinderFault.invalidInput("Query parameters may not contain NUL characters.") : null;
    }

    private void readBody(RoutingContext routing) {
        HttpServerRequest request = routing.request();
        Buffer body = Buffer.buffer();
        boolean[] refused = {false};
        request.handler(chunk -> {
            if (refused[0]) {
                return; // the answer is on its way and the connection closes after it
            }
            if (body.length() + chunk.length() > JsonBody.MAX_BYTES) {
                refused[0] = true;
                request.pause();
                refuse(routing, JsonBody.tooLarge(), true);
                return;
            }
            body.appendBuffer(chunk);
        });
        request.exceptionHandler(gone -> {
            // the client went away mid-body: Vert.x closes the connection, there is no one to answer
        });
        request.endHandler(ignored -> {
            if (!refused[0]) {
                routing.put(BODY, body);
                routing.next();
            }
        });
        if (HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(request.getHeader(HttpHeaderNames.EXPECT))) {
            request.headers().remove(HttpHeaderNames.EXPECT); // answered here: RESTEasy must not send a second one
            routing.response().writeContinue();
        }
    }

    /** Cinder's envelope, written straight to the connection; {@code close} ends the connection after it. */
    private static void refuse(RoutingContext routing, CinderFault fault, boolean close) {
        HttpServerResponse response = routing.response();
        String requestId = ApiFilters.newRequestId();
        response.setStatusCode(fault.status())
                .putHeader(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .putHeader("x-compute-request-id", requestId)
                .putHeader("x-openstack-request-id", requestId);
        if (close) {
            response.putHeader(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            response.endHandler(ignored -> routing.request().connection().close());
        }
        response.end(Json.encodeToBuffer(FaultMappers.body(fault.status(), fault.getMessage())));
    }

    /** The body read above becomes the entity RESTEasy's readers see (its own reading would find the request ended). */
    @ServerRequestFilter(preMatching = true, priority = 0)
    public void handOverBody(ContainerRequestContext request, RoutingContext routing) {
        Buffer body = routing.get(BODY);
        if (body != null) {
            request.setEntityStream(new ByteArrayInputStream(body.getBytes()));
        }
    }
}
