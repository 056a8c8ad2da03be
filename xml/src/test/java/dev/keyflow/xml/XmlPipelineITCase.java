package dev.keyflow.xml;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.core.Envelope;
import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.ErrorRecord;
import dev.keyflow.core.ErrorStage;
import dev.keyflow.core.KeyExtraction;
import dev.keyflow.core.KeyflowOutputs;
import dev.keyflow.core.KeyflowTypes;
import dev.keyflow.core.RawRecord;
import dev.keyflow.core.testutils.FlinkTestEnvironments;
import dev.keyflow.core.testutils.TestRecords;
import dev.keyflow.xml.testutils.XmlAttacks;
import dev.keyflow.xml.testutils.XmlSamples;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The XML key extractor inside core's key extraction operator, and extracted fields crossing an
 * operator boundary, on a MiniCluster with generic types (Kryo) disabled.
 */
class XmlPipelineITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = FlinkTestEnvironments.miniCluster(1);

    private static final List<RawRecord> INPUT =
            List.of(
                    TestRecords.raw()
                            .offset(0)
                            .valueBytes(XmlSamples.payment("MSG-1", 2048))
                            .build(),
                    TestRecords.raw().offset(1).valueBytes(XmlAttacks.billionLaughs()).build(),
                    TestRecords.raw().offset(2).value("<other/>").build(),
                    TestRecords.raw()
                            .offset(3)
                            .valueBytes(XmlSamples.paymentBuilder("MSG-4").amount("-3").bytes())
                            .build());

    private static SingleOutputStreamOperator<Envelope> envelopes(StreamExecutionEnvironment env) {
        DataStream<RawRecord> raw = env.fromData(INPUT, KeyflowTypes.RAW_RECORD);
        return KeyExtraction.extractKeys(
                raw,
                XmlKeyExtractor.builder()
                        .namespace("p", XmlSamples.PAYMENT_NS)
                        .keyPath("/p:Payment/p:Header/p:MessageId")
                        .eventTimePath("/p:Payment/p:Header/p:Created")
                        .build());
    }

    @Test
    void badMessagesBecomeTypedErrorRecords() throws Exception {
        StreamExecutionEnvironment env = FlinkTestEnvironments.strictEnvironment(1);
        List<ErrorRecord> errors = new ArrayList<>();
        try (CloseableIterator<ErrorRecord> it =
                envelopes(env).getSideOutput(KeyflowOutputs.ERRORS).executeAndCollect()) {
            it.forEachRemaining(errors::add);
        }

        assertThat(errors)
                .extracting(ErrorRecord::stage, ErrorRecord::reason)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple(
                                ErrorStage.KEY_EXTRACTION, ErrorReason.DOCTYPE_FORBIDDEN),
                        org.assertj.core.groups.Tuple.tuple(
                                ErrorStage.KEY_EXTRACTION, ErrorReason.KEY_MISSING));
    }

    @Test
    void fieldsCrossOperatorBoundariesWithoutKryo() throws Exception {
        StreamExecutionEnvironment env = FlinkTestEnvironments.strictEnvironment(1);
        env.disableOperatorChaining();
        XmlProcessor processor =
                XmlProcessor.builder()
                        .schema(XmlValidationTest.BUNDLE)
                        .namespace("p", XmlSamples.PAYMENT_NS)
                        .field("id", "/p:Payment/p:Header/p:MessageId", FieldType.STRING)
                        .field("amount", "/p:Payment/p:Body/p:Amount", FieldType.DECIMAL)
                        .build();
        TypeInformation<XmlFields> fieldsType = TypeInformation.of(XmlFields.class);
        List<XmlFields> out = new ArrayList<>();
        try (CloseableIterator<XmlFields> it =
                envelopes(env)
                        .map(new Validate(processor))
                        .returns(fieldsType)
                        .map(fields -> fields)
                        .returns(fieldsType)
                        .executeAndCollect()) {
            it.forEachRemaining(out::add);
        }

        // MSG-4 has a negative amount: a schema violation, reported as empty fields here.
        assertThat(out).hasSize(2);
        assertThat(out.get(0).string("id")).isEqualTo("MSG-1");
        assertThat(out.get(0).decimal("amount")).isEqualByComparingTo(new BigDecimal("125.50"));
        assertThat(out.get(1).names()).isEmpty();
    }

    /** Validates and extracts; a failure maps to empty fields to keep this test small. */
    private static final class Validate extends RichMapFunction<Envelope, XmlFields> {
        private final XmlProcessor processor;

        Validate(XmlProcessor processor) {
            this.processor = processor;
        }

        @Override
        public void open(OpenContext context) {
            processor.open();
        }

        @Override
        public XmlFields map(Envelope envelope) {
            XmlResult result = processor.process(envelope.payload());
            return result.isSuccess() ? result.fields() : XmlFields.of(java.util.Map.of());
        }
    }
}
