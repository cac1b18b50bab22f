package io.mooring.engine.iscsi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mooring.engine.iscsi.login.ParameterNegotiator;
import io.mooring.engine.iscsi.login.TextFormatException;
import io.mooring.engine.iscsi.login.TextParameters;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 7143 section 13, key by key: what we answer to what an initiator offers. */
class NegotiationTest {

    @ParameterizedTest(name = "{0}={1} -> {2}")
    @CsvSource(delimiter = '|', value = {
        // list: first value we support, in the initiator's order
        "HeaderDigest|CRC32C,None|CRC32C",
        "HeaderDigest|None,CRC32C|None",
        "HeaderDigest|MD5,CRC32C|CRC32C",
        "HeaderDigest|MD5|Reject",
        "DataDigest|CRC32C|CRC32C",
        "DataDigest|None|None",
        // numerical minimum against ours (MaxBurst 1 MiB, FirstBurst 256 KiB, MaxOutstandingR2T 8)
        "MaxBurstLength|262144|262144",
        "MaxBurstLength|16777215|1048576",
        "MaxBurstLength|511|Reject",
        "MaxBurstLength|16777216|Reject",
        "MaxBurstLength|abc|Reject",
        "FirstBurstLength|65536|65536",
        "FirstBurstLength|1048576|262144",
        "MaxOutstandingR2T|1|1",
        "MaxOutstandingR2T|64|8",
        "MaxOutstandingR2T|0|Reject",
        "MaxConnections|8|1",
        "ErrorRecoveryLevel|2|0",
        "ErrorRecoveryLevel|3|Reject",
        "DefaultTime2Retain|20|0",
        // numerical maximum
        "DefaultTime2Wait|0|2",
        "DefaultTime2Wait|10|10",
        "DefaultTime2Wait|3601|Reject",
        // boolean AND (ImmediateData: ours Yes) and OR (InitialR2T: ours No; in-order keys: ours Yes)
        "ImmediateData|Yes|Yes",
        "ImmediateData|No|No",
        "InitialR2T|Yes|Yes",
        "InitialR2T|No|No",
        "DataPDUInOrder|No|Yes",
        "DataSequenceInOrder|No|Yes",
        "ImmediateData|Maybe|Reject",
        "IFMarker|Yes|No",
        "OFMarker|No|No",
        "OFMarkInt|2048~8192|Irrelevant",
        // target-only declarations and unknown keys
        "TargetPortalGroupTag|1|Reject",
        "X-com.example.Key|1|NotUnderstood",
        "NoSuchKey|1|NotUnderstood",
    })
    void answersEachKey(String key, String offered, String expected) {
        assertThat(new ParameterNegotiator().negotiate(key, offered)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"MaxRecvDataSegmentLength", "InitiatorAlias"})
    void declarationsNeedNoAnswer(String key) {
        ParameterNegotiator n = new ParameterNegotiator();
        assertThat(n.negotiate(key, "4096")).isNull();
    }

    @org.junit.jupiter.api.Test
    void maxRecvDataSegmentLengthIsDeclarativeEachWay() {
        ParameterNegotiator n = new ParameterNegotiator();
        n.negotiate("MaxRecvDataSegmentLength", "4096");
        java.util.Map<String, String> answer = new java.util.LinkedHashMap<>();
        n.addDeclarations(answer);
        n.addDeclarations(answer);
        assertThat(answer).containsExactly(java.util.Map.entry("MaxRecvDataSegmentLength", "262144"));
        assertThat(n.parameters().initiatorMaxRecvDataSegmentLength()).isEqualTo(4096);
        assertThat(n.parameters().targetMaxRecvDataSegmentLength()).isEqualTo(262144);
        assertThat(n.negotiate("MaxRecvDataSegmentLength", "100")).isEqualTo("Reject");
    }

    @org.junit.jupiter.api.Test
    void firstBurstNeverExceedsMaxBurst() {
        ParameterNegotiator n = new ParameterNegotiator();
        n.negotiate("MaxBurstLength", "8192");
        n.negotiate("FirstBurstLength", "65536");
        assertThat(n.finish().firstBurstLength()).isEqualTo(8192);
    }

    @org.junit.jupiter.api.Test
    void defaultsAreRfc7143s() {
        var p = new ParameterNegotiator().finish();
        assertThat(p.initialR2T()).isTrue();
        assertThat(p.immediateData()).isTrue();
        assertThat(p.maxBurstLength()).isEqualTo(262144);
        assertThat(p.firstBurstLength()).isEqualTo(65536);
        assertThat(p.maxOutstandingR2T()).isEqualTo(1);
        assertThat(p.initiatorMaxRecvDataSegmentLength()).isEqualTo(8192);
        assertThat(p.headerDigest()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"NoTerminator=1", "=value\0", "KeyOnly\0", "A=1\0A=2\0", "Bad Key=1\0",
        "ThisKeyIsLongerThanSixtyThreeCharactersWhichTheRfcDoesNotAllowAtAllX=1\0"})
    void malformedTextIsRefused(String text) {
        assertThatThrownBy(() -> TextParameters.parse(Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8))))
                .isInstanceOf(TextFormatException.class);
    }

    @org.junit.jupiter.api.Test
    void valuesOver255AreRefusedExceptChapBinaries() throws Exception {
        String longValue = "x".repeat(256);
        assertThatThrownBy(() -> TextParameters.parse(Unpooled.wrappedBuffer(("TargetAlias=" + longValue + "\0")
                .getBytes(StandardCharsets.UTF_8)))).isInstanceOf(TextFormatException.class);
        String hex = "0x" + "ab".repeat(1024);
        assertThat(TextParameters.parse(Unpooled.wrappedBuffer(("CHAP_C=" + hex + "\0")
                .getBytes(StandardCharsets.UTF_8)))).containsEntry("CHAP_C", hex);
    }
}
