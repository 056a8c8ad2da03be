package dev.keyflow.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyflow.core.internal.KeyExtractionFunction;
import dev.keyflow.core.testutils.TestRecords;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class KeyExtractionTest {

    @Test
    void recordWithKeyBecomesEnvelopeWithItsTimestampAndOrigin() throws Exception {
        try (var harness = harness(KeyExtractors.kafkaKey())) {
            RawRecord raw =
                    TestRecords.raw()
                            .key("order-1")
                            .value("<Order/>")
                            .topic("orders")
                            .partition(2)
                            .offset(41)
                            .timestamp(500)
                            .header("type", "OrderPlaced")
                            .build();

            harness.processElement(raw, 1234L);

            assertThat(harness.extractOutputValues())
                    .containsExactly(
                            new Envelope(
                                    "order-1",
                                    1234L,
                                    "<Order/>".getBytes(StandardCharsets.UTF_8),
                                    raw.headers(),
                                    new Origin("orders", 2, 41, 500)));
            assertThat(harness.getSideOutput(KeyflowOutputs.ERRORS)).isNull();
        }
    }

    @Test
    void eventTimeFoundByTheExtractorWins() throws Exception {
        KeyExtractor withTime = record -> KeyResult.of("k", 99L);
        try (var harness = harness(withTime)) {
            harness.processElement(TestRecords.raw().value("x").build(), 1234L);

            assertThat(harness.extractOutputValues())
                    .extracting(Envelope::eventTime)
                    .containsExactly(99L);
        }
    }

    @Test
    void withoutAssignedTimestampTheKafkaTimestampIsTheEventTime() throws Exception {
        try (var harness = harness(KeyExtractors.kafkaKey())) {
            harness.processElement(
                    new StreamRecord<>(
                            TestRecords.raw().key("k").value("x").timestamp(777).build()));

            assertThat(harness.extractOutputValues())
                    .extracting(Envelope::eventTime)
                    .containsExactly(777L);
        }
    }

    @Test
    void everyFailureBecomesExactlyOneErrorRecord() throws Exception {
        try (var harness = harness(KeyExtractors.kafkaKey())) {
            RawRecord noKey = TestRecords.raw().value("a").offset(1).header("h", "v").build();
            RawRecord emptyKey = TestRecords.raw().key(" ").value("b").offset(2).build();
            RawRecord badUtf8 =
                    TestRecords.raw()
                            .keyBytes(new byte[] {(byte) 0xC3})
                            .value("c")
                            .offset(3)
                            .build();
            RawRecord noValue = TestRecords.raw().key("k").offset(4).build();

            for (RawRecord raw : List.of(noKey, emptyKey, badUtf8, noValue)) {
                harness.processElement(raw, 10L);
            }

            assertThat(harness.extractOutputValues()).isEmpty();
            List<ErrorRecord> errors = errors(harness);
            assertThat(errors)
                    .extracting(ErrorRecord::reason)
                    .containsExactly(
                            ErrorReason.KEY_MISSING,
                            ErrorReason.KEY_EMPTY,
                            ErrorReason.MALFORMED_INPUT,
                            ErrorReason.MALFORMED_INPUT);
            assertThat(errors).allMatch(e -> e.stage() == ErrorStage.KEY_EXTRACTION);
            assertThat(errors).allMatch(e -> e.key() == null && e.attempt() == 1);
            assertThat(errors).extracting(e -> e.origin().offset()).containsExactly(1L, 2L, 3L, 4L);
            assertThat(errors.get(0).payload()).isEqualTo("a".getBytes(StandardCharsets.UTF_8));
            assertThat(errors.get(0).headers()).isEqualTo(noKey.headers());
            assertThat(harness.getSideOutput(KeyflowOutputs.ERRORS))
                    .extracting(StreamRecord::getTimestamp)
                    .containsOnly(10L);
        }
    }

    @Test
    void extractorThatThrowsYieldsProcessingFailedAndTheJobGoesOn() throws Exception {
        KeyExtractor broken =
                record -> {
                    if (record.offset() == 0) {
                        throw new IllegalStateException("boom");
                    }
                    return KeyResult.of("k");
                };
        try (var harness = harness(broken)) {
            harness.processElement(TestRecords.raw().value("x").offset(0).build(), 1L);
            harness.processElement(TestRecords.raw().value("y").offset(1).build(), 2L);

            assertThat(errors(harness))
                    .singleElement()
                    .satisfies(
                            e -> {
                                assertThat(e.reason()).isEqualTo(ErrorReason.PROCESSING_FAILED);
                                assertThat(e.message()).contains("IllegalStateException", "boom");
                            });
            assertThat(harness.extractOutputValues()).hasSize(1);
        }
    }

    @Test
    void extractorIsOpenedAndClosedOnce() throws Exception {
        CountingExtractor.OPENED.set(0);
        CountingExtractor.CLOSED.set(0);
        var harness = harness(new CountingExtractor());
        harness.processElement(TestRecords.raw().value("x").build(), 1L);
        harness.close();

        assertThat(CountingExtractor.OPENED).hasValue(1);
        assertThat(CountingExtractor.CLOSED).hasValue(1);
    }

    private static OneInputStreamOperatorTestHarness<RawRecord, Envelope> harness(
            KeyExtractor extractor) throws Exception {
        return ProcessFunctionTestHarnesses.forProcessFunction(
                new KeyExtractionFunction(extractor));
    }

    private static List<ErrorRecord> errors(
            OneInputStreamOperatorTestHarness<RawRecord, Envelope> harness) {
        return harness.getSideOutput(KeyflowOutputs.ERRORS).stream()
                .map(StreamRecord::getValue)
                .toList();
    }

    private static final class CountingExtractor implements KeyExtractor {
        static final AtomicInteger OPENED = new AtomicInteger();
        static final AtomicInteger CLOSED = new AtomicInteger();

        @Override
        public void open() {
            OPENED.incrementAndGet();
        }

        @Override
        public KeyResult extract(RawRecord record) {
            return KeyResult.of("k");
        }

        @Override
        public void close() {
            CLOSED.incrementAndGet();
        }
    }
}
