package dev.keyflow.core;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import javax.annotation.Nullable;

/**
 * Key extractors that need no parsing of the payload: the key is the Kafka record key, or a header.
 * Payload-based extractors live in their format's module (for XML: {@code keyflow-xml}).
 */
public final class KeyExtractors {

    private KeyExtractors() {}

    /**
     * The Kafka record key, decoded as strict UTF-8. A missing key is {@code KEY_MISSING}, an empty
     * one {@code KEY_EMPTY}, bytes that are not UTF-8 {@code MALFORMED_INPUT}.
     */
    public static KeyExtractor kafkaKey() {
        return new KafkaKeyExtractor();
    }

    /**
     * The value of the last header called {@code headerName}, decoded as strict UTF-8, with the
     * same failures as {@link #kafkaKey()}.
     */
    public static KeyExtractor header(String headerName) {
        Objects.requireNonNull(headerName, "headerName");
        if (headerName.isEmpty()) {
            throw new IllegalArgumentException("headerName must not be empty");
        }
        return new HeaderKeyExtractor(headerName);
    }

    static KeyResult decode(@Nullable byte[] bytes, String what) {
        if (bytes == null) {
            return KeyResult.failure(ErrorReason.KEY_MISSING, "the record has no " + what);
        }
        try {
            String key =
                    StandardCharsets.UTF_8
                            .newDecoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT)
                            .decode(ByteBuffer.wrap(bytes))
                            .toString();
            return key.isBlank()
                    ? KeyResult.failure(ErrorReason.KEY_EMPTY, "the " + what + " is empty")
                    : KeyResult.of(key);
        } catch (CharacterCodingException e) {
            return KeyResult.failure(
                    ErrorReason.MALFORMED_INPUT, "the " + what + " is not valid UTF-8: " + e);
        }
    }

    private static final class KafkaKeyExtractor implements KeyExtractor {
        private static final long serialVersionUID = 1L;

        @Override
        public KeyResult extract(RawRecord record) {
            return decode(record.key(), "Kafka record key");
        }
    }

    private static final class HeaderKeyExtractor implements KeyExtractor {
        private static final long serialVersionUID = 1L;
        private final String headerName;

        HeaderKeyExtractor(String headerName) {
            this.headerName = headerName;
        }

        @Override
        public KeyResult extract(RawRecord record) {
            return decode(record.lastHeader(headerName).orElse(null), "header " + headerName);
        }
    }
}
