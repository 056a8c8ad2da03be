package dev.keyflow.xml.internal;

import dev.keyflow.xml.XmlFields;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * Flink's serializer for {@link XmlFields}: the field count, then per field its name and a tagged
 * value (null, string, long, decimal, boolean, instant, or a list of those). Format version 1; a
 * change of format needs a new snapshot version and a test that reads version 1.
 */
public final class XmlFieldsSerializer extends TypeSerializerSingleton<XmlFields> {

    private static final long serialVersionUID = 1L;

    public static final XmlFieldsSerializer INSTANCE = new XmlFieldsSerializer();

    private static final byte NULL = 0;
    private static final byte STRING = 1;
    private static final byte LONG = 2;
    private static final byte DECIMAL = 3;
    private static final byte BOOLEAN = 4;
    private static final byte INSTANT = 5;
    private static final byte LIST = 6;

    @Override
    public boolean isImmutableType() {
        return true;
    }

    @Override
    public XmlFields createInstance() {
        return XmlFields.of(Map.of());
    }

    @Override
    public XmlFields copy(XmlFields from) {
        return from;
    }

    @Override
    public XmlFields copy(XmlFields from, XmlFields reuse) {
        return from;
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(XmlFields record, DataOutputView target) throws IOException {
        Map<String, Object> values = record.asMap();
        target.writeInt(values.size());
        for (Map.Entry<String, Object> e : values.entrySet()) {
            StringValue.writeString(e.getKey(), target);
            writeValue(e.getValue(), target, true);
        }
    }

    private static void writeValue(Object value, DataOutputView target, boolean listAllowed)
            throws IOException {
        if (value == null) {
            target.writeByte(NULL);
        } else if (value instanceof String s) {
            target.writeByte(STRING);
            StringValue.writeString(s, target);
        } else if (value instanceof Long l) {
            target.writeByte(LONG);
            target.writeLong(l);
        } else if (value instanceof BigDecimal d) {
            target.writeByte(DECIMAL);
            byte[] unscaled = d.unscaledValue().toByteArray();
            target.writeInt(d.scale());
            target.writeInt(unscaled.length);
            target.write(unscaled);
        } else if (value instanceof Boolean b) {
            target.writeByte(BOOLEAN);
            target.writeBoolean(b);
        } else if (value instanceof Instant i) {
            target.writeByte(INSTANT);
            target.writeLong(i.getEpochSecond());
            target.writeInt(i.getNano());
        } else if (value instanceof List<?> list && listAllowed) {
            target.writeByte(LIST);
            target.writeInt(list.size());
            for (Object element : list) {
                writeValue(element, target, false);
            }
        } else {
            throw new IOException("XmlFields cannot hold a " + value.getClass().getName());
        }
    }

    @Override
    public XmlFields deserialize(DataInputView source) throws IOException {
        int size = source.readInt();
        Map<String, Object> values = new LinkedHashMap<>();
        for (int i = 0; i < size; i++) {
            String name = StringValue.readString(source);
            values.put(name, readValue(source));
        }
        return XmlFields.of(values);
    }

    private static Object readValue(DataInputView source) throws IOException {
        byte tag = source.readByte();
        switch (tag) {
            case NULL:
                return null;
            case STRING:
                return StringValue.readString(source);
            case LONG:
                return source.readLong();
            case DECIMAL:
                int scale = source.readInt();
                byte[] unscaled = new byte[source.readInt()];
                source.readFully(unscaled);
                return new BigDecimal(new BigInteger(unscaled), scale);
            case BOOLEAN:
                return source.readBoolean();
            case INSTANT:
                return Instant.ofEpochSecond(source.readLong(), source.readInt());
            case LIST:
                int n = source.readInt();
                List<Object> list = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    list.add(readValue(source));
                }
                return list;
            default:
                throw new IOException("unknown XmlFields value tag " + tag);
        }
    }

    @Override
    public XmlFields deserialize(XmlFields reuse, DataInputView source) throws IOException {
        return deserialize(source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    @Override
    public TypeSerializerSnapshot<XmlFields> snapshotConfiguration() {
        return new Snapshot();
    }

    /** The snapshot of this stateless serializer. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<XmlFields> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
