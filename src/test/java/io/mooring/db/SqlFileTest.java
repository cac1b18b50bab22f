package io.mooring.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SqlFileTest {

    @Test
    void headerNamesTheParametersInPlaceholderOrderAndCommentsAreDropped() {
        SqlFile file = SqlFile.parse("t.sql", """
                -- what it does
                -- params: volume_id, admin
                SELECT 1 FROM volumes WHERE id = $1::uuid AND $2::boolean
                """);
        assertThat(file.params()).containsExactly("volume_id", "admin");
        assertThat(file.sql()).isEqualTo("SELECT 1 FROM volumes WHERE id = $1::uuid AND $2::boolean");
    }

    @Test
    void aPlaceholderTheHeaderDoesNotNameIsRefused() {
        assertThatThrownBy(() -> SqlFile.parse("t.sql", "-- params: volume_id\nSELECT $1, $2"))
                .hasMessageContaining("t.sql declares 1 parameters [volume_id] but uses placeholders [1, 2]");
    }

    @Test
    void aDeclaredParameterTheStatementNeverUsesIsRefused() {
        assertThatThrownBy(() -> SqlFile.parse("t.sql", "-- params: volume_id, admin\nSELECT $1"))
                .hasMessageContaining("uses placeholders [1]");
    }

    @Test
    void theCallerMustBindWhatTheFileDeclaresInItsOrder() {
        assertThatThrownBy(() -> SqlFile.load(io.mooring.attachment.AttachStatus.class, "delete.sql",
                List.of("attachment_id", "project_id", "admin", "revoked")))
                .hasMessageContaining("delete.sql declares parameters [attachment_id, admin, project_id, revoked] but AttachStatus binds [attachment_id, project_id, admin, revoked]");
    }
}
