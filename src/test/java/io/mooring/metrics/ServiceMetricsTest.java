package io.mooring.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** No id in a request path becomes an HTTP metric label. */
class ServiceMetricsTest {

    @Test
    void idsInUnmatchedPathsAreReplaced() {
        assertThat(ServiceMetrics.withoutIds("/v3/0123456789abcdef0123456789abcdef/volumes/af2766c1-ad1e-4f74-b235-37058f4f16d8"))
                .isEqualTo("/v3/{id}/volumes/{id}");
        assertThat(ServiceMetrics.withoutIds("/v3/attachments/af2766c1-ad1e-4f74-b235-37058f4f16d8/action"))
                .isEqualTo("/v3/attachments/{id}/action");
        assertThat(ServiceMetrics.withoutIds("/v3/volumes/12345")).isEqualTo("/v3/volumes/{id}");
    }

    @Test
    void routeTemplatesAndWordsStayAsTheyAre() {
        assertThat(ServiceMetrics.withoutIds("/v3/volumes/{volume_id}")).isEqualTo("/v3/volumes/{volume_id}");
        assertThat(ServiceMetrics.withoutIds("/mooring/sessions")).isEqualTo("/mooring/sessions");
        assertThat(ServiceMetrics.withoutIds("/v3/types/default")).isEqualTo("/v3/types/default");
        assertThat(ServiceMetrics.withoutIds("UNKNOWN")).isEqualTo("UNKNOWN");
    }
}
