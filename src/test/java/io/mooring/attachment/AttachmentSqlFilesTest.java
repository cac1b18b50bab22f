package io.mooring.attachment;

import static org.assertj.core.api.Assertions.assertThat;

import io.mooring.db.SqlFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The fast path's SQL files are what benchmarks/rest-ceiling.sh feeds pgbench: their parameters must be the ones the
 * service binds (in order) and the ones the script knows how to bind, or the ceiling would measure other statements.
 */
class AttachmentSqlFilesTest {

    /** The files of a reserve+delete cycle, the ceiling's statements. */
    private static final List<SqlFile> FILES = List.of(AttachmentFastPath.RESERVE, AttachmentFastPath.DELETE);

    @Test
    void eachFileDeclaresExactlyTheParametersItsCallerBinds() {
        assertThat(AttachmentFastPath.RESERVE.params()).containsExactly("volume_id", "admin", "project_id", "instance_uuid", "attach_mode");
        assertThat(AttachmentFastPath.DELETE.params()).containsExactly("attachment_id", "admin", "project_id", "revoked");
        assertThat(AttachmentFastPath.CONNECT.params()).containsExactly("attachment_id", "volume_id", "admin", "project_id",
                "instance_uuid", "attach_mode", "attached_host", "mountpoint", "multipath", "chap_user", "chap_secret",
                "target_iqn", "target_portal", "spec_keys", "spec_values");
    }

    @Test
    void theCeilingScriptBindsEveryParameterTheFilesDeclare() throws IOException {
        String script = Files.readString(Path.of("..", "benchmarks", "rest-ceiling.sh"));
        Matcher binding = Pattern.compile("^\\s*\\[(\\w+)]=", Pattern.MULTILINE).matcher(script);
        List<String> bound = binding.results().map(m -> m.group(1)).toList();
        List<String> declared = FILES.stream().flatMap(f -> f.params().stream()).distinct().toList();
        assertThat(bound).containsAll(declared);
        Stream.of("reserve.sql", "delete.sql")
                .forEach(name -> assertThat(script).contains("statement " + name));
    }
}
