package dev.keyflow.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.core.memory.DataInputViewStreamWrapper;
import org.apache.flink.core.memory.DataOutputViewStreamWrapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every record type that crosses an operator boundary is a Flink POJO, never a Kryo type. */
class KeyflowTypesTest {

    private static final List<Header> HEADERS =
            List.of(Header.ofString("type", "OrderPlaced"), new Header("empty", null));
    private static final Origin ORIGIN = new Origin("orders", 3, 42L, 1_700_000_000_000L);

    static Stream<Arguments> samples() {
        return Stream.of(
                Arguments.of(
                        KeyflowTypes.RAW_RECORD,
                        new RawRecord(
                                "k".getBytes(), "v".getBytes(), "orders", 3, 42L, 7L, HEADERS)),
                Arguments.of(
                        KeyflowTypes.RAW_RECORD,
                        new RawRecord(null, null, "orders", 0, 0L, 0L, List.of())),
                Arguments.of(
                        KeyflowTypes.ENVELOPE,
                        new Envelope("order-1", 99L, "<a/>".getBytes(), HEADERS, ORIGIN)),
                Arguments.of(
                        KeyflowTypes.ENVELOPE,
                        new Envelope("order-1", 99L, new byte[0], List.of(), null)),
                Arguments.of(
                        KeyflowTypes.ERROR_RECORD,
                        ErrorRecord.builder(ErrorStage.VALIDATION, ErrorReason.SCHEMA_VIOLATION)
                                .message("line 3: bad")
                                .key("order-1")
                                .payload("<a/>".getBytes())
                                .headers(HEADERS)
                                .origin(ORIGIN)
                                .attempt(2)
                                .ruleVersion("v7")
                                .time(5L)
                                .build()),
                Arguments.of(
                        KeyflowTypes.ERROR_RECORD,
                        ErrorRecord.builder(ErrorStage.KEY_EXTRACTION, ErrorReason.KEY_MISSING)
                                .time(5L)
                                .build()),
                Arguments.of(
                        KeyflowTypes.PAUSE_COMMAND,
                        PauseCommand.pause("order-1", 7L).withReason("why").withIssuedBy("ops")),
                Arguments.of(KeyflowTypes.PAUSE_COMMAND, PauseCommand.resume("order-1", 7L)),
                Arguments.of(
                        KeyflowTypes.PAUSE_STATUS_CHANGE,
                        new PauseStatusChange(
                                "order-1",
                                PauseStatusChange.Status.PAUSED,
                                9L,
                                PauseStatusChange.Cause.COMMAND,
                                null,
                                "ops",
                                2)),
                Arguments.of(
                        Resequenced.typeInfo(KeyflowTypes.ENVELOPE),
                        new Resequenced<>(
                                new Envelope("order-1", 99L, "<a/>".getBytes(), HEADERS, ORIGIN),
                                99L,
                                Resequenced.Release.EARLY)));
    }

    @ParameterizedTest
    @MethodSource("samples")
    <T> void isPojoAndRoundTripsWithGenericTypesDisabled(TypeInformation<T> type, T value)
            throws IOException {
        assertThat(type).isInstanceOf(PojoTypeInfo.class);
        assertThat(type).isNotInstanceOf(GenericTypeInfo.class);
        assertNoGenericField((PojoTypeInfo<?>) type);

        SerializerConfigImpl config = new SerializerConfigImpl();
        config.setGenericTypes(false);
        TypeSerializer<T> serializer = type.createSerializer(config);

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        serializer.serialize(value, new DataOutputViewStreamWrapper(bytes));
        T copy =
                serializer.deserialize(
                        new DataInputViewStreamWrapper(
                                new ByteArrayInputStream(bytes.toByteArray())));

        assertThat(copy).isEqualTo(value);
        assertThat(serializer.copy(value)).isEqualTo(value);
    }

    private static void assertNoGenericField(PojoTypeInfo<?> pojo) {
        for (int i = 0; i < pojo.getArity(); i++) {
            TypeInformation<?> field = pojo.getTypeAt(i);
            assertThat(field)
                    .as("field %s of %s", pojo.getPojoFieldAt(i).getField().getName(), pojo)
                    .isNotInstanceOf(GenericTypeInfo.class);
            if (field instanceof PojoTypeInfo<?> nested) {
                assertNoGenericField(nested);
            }
        }
    }
}
