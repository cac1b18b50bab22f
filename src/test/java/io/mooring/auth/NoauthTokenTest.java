package io.mooring.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The development-only noauth form (mooring.auth.noauth=true), parsed as Cinder's noauth middleware does. */
class NoauthTokenTest {

    @Test
    void userColonProjectIsAnAdminOfThatProjectAndThatUser() {
        assertThat(TokenService.noauth("u1:0123456789abcdef0123456789abcdef"))
                .isEqualTo(new Principal("0123456789abcdef0123456789abcdef", true, "u1"));
    }

    @Test
    void withoutAColonTheProjectIsTheUser() {
        assertThat(TokenService.noauth("abc123")).isEqualTo(new Principal("abc123", true, "abc123"));
    }

    @Test
    void aProjectCinderWouldNotRecogniseInAUrlIsRefused() {
        assertThat(TokenService.noauth("u1:Not A Project")).isNull();
        assertThat(TokenService.noauth("u1:")).isNull();
    }
}
