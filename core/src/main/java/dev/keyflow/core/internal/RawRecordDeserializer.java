package dev.keyflow.core.internal;

import dev.keyflow.core.Header;
import dev.keyflow.core.KeyflowTypes;
import dev.keyflow.core.RawRecord;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Copies a Kafka consumer record into a {@link RawRecord}; it cannot fail on any content. */
public final class RawRecordDeserializer implements KafkaRecordDeserializationSchema<RawRecord> {

    private static final long serialVersionUID = 1L;

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RawRecord> out) {
        List<Header> headers = new ArrayList<>();
        for (org.apache.kafka.common.header.Header header : record.headers()) {
            headers.add(new Header(header.key(), header.value()));
        }
        out.collect(
                new RawRecord(
                        record.key(),
                        record.value(),
                        record.topic(),
                        record.partition(),
                        record.offset(),
                        record.timestamp(),
                        headers));
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
        return KeyflowTypes.RAW_RECORD;
    }
}
