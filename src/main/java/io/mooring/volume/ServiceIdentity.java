package io.mooring.volume;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.VertxContextSupport;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.UUID;

/** The uuid of this appliance's volume service (the volume view's {@code service_uuid}), read once at start-up. */
@ApplicationScoped
public class ServiceIdentity {

    private volatile UUID serviceUuid;

    void onStart(@Observes StartupEvent event) throws Throwable {
        serviceUuid = VertxContextSupport.subscribeAndAwait(() -> Panache.withSession(
                () -> ApplianceService.<ApplianceService>findById(true)).map(found -> found.serviceUuid));
    }

    public UUID serviceUuid() {
        return serviceUuid;
    }
}
