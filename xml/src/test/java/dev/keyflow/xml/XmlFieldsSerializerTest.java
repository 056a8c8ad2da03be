package dev.keyflow.xml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyflow.xml.testutils.XmlSamples;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/** XmlFields crosses operator boundaries with its own serializer, never Kryo. */
class XmlFieldsSerializerTest {

    private static TypeSerializer<XmlFields> serializerWithoutGenericTypes() {
        SerializerConfigImpl config = new SerializerConfigImpl();
        config.setGenericTypes(false);
        return TypeInformation.of(XmlFields.class).createSerializer(config);
    }

    private static XmlFields roundTrip(TypeSerializer<XmlFields> serializer, XmlFields fields)
            throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(64);
        serializer.serialize(fields, out);
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        XmlFields copy = serializer.deserialize(in);
        assertThat(in.available()).isZero();
        return copy;
    }

    @Test
    void hasItsOwnTypeInformation() {
        assertThat(TypeInformation.of(XmlFields.class).toString()).isEqualTo("XmlFields");
        assertThat(serializerWithoutGenericTypes().getClass().getSimpleName())
                .isEqualTo("XmlFieldsSerializer");
    }

    @Test
    void roundTripsEveryValueKindWithGenericTypesDisabled() throws Exception {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("s", "text with ünïcödé and a long tail " + "x".repeat(70_000));
        values.put("l", Long.MIN_VALUE);
        values.put("d", new BigDecimal("-12345678901234567890.123456789"));
        values.put("b", Boolean.TRUE);
        values.put("t", Instant.parse("2026-11-23T10:15:30.123456789Z"));
        values.put("absent", null);
        values.put("list", List.of("a", "b"));
        values.put("empty", List.of());
        XmlFields fields = XmlFields.of(values);

        XmlFields copy = roundTrip(serializerWithoutGenericTypes(), fields);

        assertThat(copy).isEqualTo(fields);
        assertThat(copy.names()).containsExactlyElementsOf(values.keySet());
        assertThat(copy.decimal("d").scale()).isEqualTo(9);
    }

    @Test
    void roundTripsExtractedFields() throws Exception {
        XmlProcessor processor =
                XmlProcessor.builder()
                        .namespace("p", XmlSamples.PAYMENT_NS)
                        .field("amount", "/p:Payment/p:Body/p:Amount", FieldType.DECIMAL)
                        .field("created", "/p:Payment/p:Header/p:Created", FieldType.TIMESTAMP)
                        .repeatedField("refs", "/p:Payment/p:Body/p:Reference", FieldType.STRING)
                        .build();
        processor.open();
        XmlFields fields = processor.process(XmlSamples.payment("M", 0)).fields();

        assertThat(roundTrip(serializerWithoutGenericTypes(), fields)).isEqualTo(fields);
    }

    @Test
    void itsSnapshotRestoresACompatibleSerializer() throws Exception {
        TypeSerializer<XmlFields> serializer = serializerWithoutGenericTypes();
        DataOutputSerializer out = new DataOutputSerializer(64);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, serializer.snapshotConfiguration());

        TypeSerializerSnapshot<XmlFields> restored =
                TypeSerializerSnapshot.readVersionedSnapshot(
                        new DataInputDeserializer(out.getCopyOfBuffer()),
                        getClass().getClassLoader());

        assertThat(
                        serializer
                                .snapshotConfiguration()
                                .resolveSchemaCompatibility(restored)
                                .isCompatibleAsIs())
                .isTrue();
        assertThat(restored.restoreSerializer()).isEqualTo(serializer);
    }

    @Test
    void refusesValuesItCannotSerialize() {
        assertThatThrownBy(() -> XmlFields.of(Map.of("x", 1)))
                .hasMessageContaining("field x")
                .hasMessageContaining("Integer");
        assertThatThrownBy(() -> XmlFields.of(Map.of("x", List.of(List.of("nested")))))
                .hasMessageContaining("field x");
    }
}
