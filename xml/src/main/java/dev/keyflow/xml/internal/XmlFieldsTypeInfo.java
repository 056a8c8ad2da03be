package dev.keyflow.xml.internal;

import dev.keyflow.xml.XmlFields;
import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/** Flink type information for {@link XmlFields}, so that it never falls back to Kryo. */
public final class XmlFieldsTypeInfo extends TypeInformation<XmlFields> {

    private static final long serialVersionUID = 1L;

    @Override
    public boolean isBasicType() {
        return false;
    }

    @Override
    public boolean isTupleType() {
        return false;
    }

    @Override
    public int getArity() {
        return 1;
    }

    @Override
    public int getTotalFields() {
        return 1;
    }

    @Override
    public Class<XmlFields> getTypeClass() {
        return XmlFields.class;
    }

    @Override
    public boolean isKeyType() {
        return false;
    }

    @Override
    public TypeSerializer<XmlFields> createSerializer(SerializerConfig config) {
        return XmlFieldsSerializer.INSTANCE;
    }

    @Override
    public String toString() {
        return "XmlFields";
    }

    @Override
    public boolean equals(Object obj) {
        return obj instanceof XmlFieldsTypeInfo;
    }

    @Override
    public int hashCode() {
        return XmlFieldsTypeInfo.class.hashCode();
    }

    @Override
    public boolean canEqual(Object obj) {
        return obj instanceof XmlFieldsTypeInfo;
    }

    /** Registered on {@link XmlFields} with {@code @TypeInfo}. */
    public static final class Factory extends TypeInfoFactory<XmlFields> {
        @Override
        public TypeInformation<XmlFields> createTypeInfo(
                Type type, Map<String, TypeInformation<?>> genericParameters) {
            return new XmlFieldsTypeInfo();
        }
    }
}
