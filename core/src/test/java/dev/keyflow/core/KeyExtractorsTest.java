package dev.keyflow.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyflow.core.testutils.TestRecords;
import org.junit.jupiter.api.Test;

class KeyExtractorsTest {

    @Test
    void kafkaKeyIsDecodedAsUtf8() {
        KeyResult result =
                KeyExtractors.kafkaKey().extract(TestRecords.raw().key("ördér-1").build());

        assertThat(result.isSuccess()).isTrue();
        assertThat(result.key()).isEqualTo("ördér-1");
        assertThat(result.eventTime()).isEmpty();
    }

    @Test
    void kafkaKeyFailuresHaveTheirReasons() {
        KeyExtractor extractor = KeyExtractors.kafkaKey();

        assertThat(extractor.extract(TestRecords.raw().build()).reason())
                .isEqualTo(ErrorReason.KEY_MISSING);
        assertThat(extractor.extract(TestRecords.raw().key("").build()).reason())
                .isEqualTo(ErrorReason.KEY_EMPTY);
        assertThat(extractor.extract(TestRecords.raw().key(" \t").build()).reason())
                .isEqualTo(ErrorReason.KEY_EMPTY);
        assertThat(
                        extractor
                                .extract(
                                        TestRecords.raw()
                                                .keyBytes(new byte[] {(byte) 0xFF})
                                                .build())
                                .reason())
                .isEqualTo(ErrorReason.MALFORMED_INPUT);
    }

    @Test
    void headerKeyTakesTheLastHeaderOfThatName() {
        KeyExtractor extractor = KeyExtractors.header("order-id");

        assertThat(
                        extractor
                                .extract(
                                        TestRecords.raw()
                                                .header("order-id", "old")
                                                .header("other", "x")
                                                .header("order-id", "new")
                                                .build())
                                .key())
                .isEqualTo("new");
        assertThat(extractor.extract(TestRecords.raw().header("other", "x").build()).reason())
                .isEqualTo(ErrorReason.KEY_MISSING);
        assertThat(extractor.extract(TestRecords.raw().header("order-id", null).build()).reason())
                .isEqualTo(ErrorReason.KEY_MISSING);
        assertThat(extractor.extract(TestRecords.raw().header("order-id", "").build()).reason())
                .isEqualTo(ErrorReason.KEY_EMPTY);
    }

    @Test
    void headerNameIsChecked() {
        assertThatThrownBy(() -> KeyExtractors.header(""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("headerName");
    }

    @Test
    void keyResultRejectsBlankKeysAndMisuse() {
        assertThat(KeyResult.of(" ").reason()).isEqualTo(ErrorReason.KEY_EMPTY);
        assertThat(KeyResult.of("k", 5L).eventTime()).hasValue(5L);
        assertThatThrownBy(() -> KeyResult.failure(ErrorReason.KEY_MISSING, "none").key())
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> KeyResult.of("k").reason())
                .isInstanceOf(IllegalStateException.class);
    }
}
