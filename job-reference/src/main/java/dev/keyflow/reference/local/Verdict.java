package dev.keyflow.reference.local;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.reference.demo.ExpectedOutcome;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the job committed compared with the {@link ExpectedOutcome} model: the outbox commands as a
 * multiset of {@code ExpectedCommand} lines (a duplicate is a difference), and the DLQ record of
 * every rejected event with its reason (a missing, doubled, surplus or differently reasoned record
 * is a difference). No differences means every input ended exactly as the model expects.
 */
public final class Verdict {

    /** How many examples a difference lists. */
    static final int EXAMPLES = 3;

    private final List<String> differences;

    private Verdict(List<String> differences) {
        this.differences = Collections.unmodifiableList(differences);
    }

    /**
     * Compares {@code commandLines} (outbox commands as {@code ExpectedCommand.line()}) and {@code
     * reasonsByEvent} (DLQ records: event id to the reasons of its records) with {@code expected}.
     */
    public static Verdict of(
            ExpectedOutcome expected,
            List<String> commandLines,
            Map<String, List<String>> reasonsByEvent) {
        List<String> differences = new ArrayList<>();

        Map<String, Integer> surplus = new TreeMap<>();
        commandLines.forEach(line -> surplus.merge(line, 1, Integer::sum));
        List<String> missing = new ArrayList<>();
        for (String line : expected.commandLines()) {
            Integer left = surplus.merge(line, -1, Integer::sum);
            if (left < 0) {
                missing.add(line);
            }
        }
        List<String> unexpected = new ArrayList<>();
        surplus.forEach(
                (line, count) -> {
                    for (int i = 0; i < count; i++) {
                        unexpected.add(line);
                    }
                });
        add(differences, missing, "expected commands missing from the outbox");
        add(differences, unexpected, "outbox commands the model does not expect (or doubled)");

        List<String> missingErrors = new ArrayList<>();
        List<String> wrongReason = new ArrayList<>();
        List<String> doubled = new ArrayList<>();
        for (Map.Entry<String, ErrorReason> e : expected.errors().entrySet()) {
            List<String> actual = reasonsByEvent.get(e.getKey());
            if (actual == null) {
                missingErrors.add(e.getKey() + " (" + e.getValue() + ")");
                continue;
            }
            if (actual.size() > 1) {
                doubled.add(e.getKey() + " " + actual);
            }
            if (!actual.get(0).equals(e.getValue().name())) {
                wrongReason.add(
                        e.getKey() + ": " + actual.get(0) + ", expected " + e.getValue().name());
            }
        }
        List<String> surplusErrors = new ArrayList<>();
        reasonsByEvent.forEach(
                (eventId, reasons) -> {
                    if (!expected.errors().containsKey(eventId)) {
                        surplusErrors.add(eventId + " " + reasons);
                    }
                });
        add(differences, missingErrors, "rejected events without their DLQ record");
        add(differences, wrongReason, "DLQ records with another reason than expected");
        add(differences, doubled, "events with more than one DLQ record");
        add(differences, surplusErrors, "DLQ records of events the model accepts");
        return new Verdict(differences);
    }

    /**
     * One line per error reason, expected or found: the DLQ records found ({@code actualByReason})
     * against the model's count, marked where they differ. For a run's summary.
     */
    public static List<String> countsByReason(
            ExpectedOutcome expected, Map<String, Long> actualByReason) {
        Map<String, Long> expectedReasons = new TreeMap<>();
        expected.countsByReason().forEach((r, n) -> expectedReasons.put(r.name(), n));
        Map<String, Long> allReasons = new TreeMap<>(expectedReasons);
        actualByReason.forEach(allReasons::putIfAbsent);
        List<String> lines = new ArrayList<>();
        for (String reason : allReasons.keySet()) {
            long actual = actualByReason.getOrDefault(reason, 0L);
            long wanted = expectedReasons.getOrDefault(reason, 0L);
            lines.add(
                    String.format(
                            "%-19s %,8d  expected %,d%s",
                            reason, actual, wanted, actual == wanted ? "" : "  <-- differs"));
        }
        return lines;
    }

    /** Whether the outputs are exactly what the model expects. */
    public boolean matches() {
        return differences.isEmpty();
    }

    /** One line per kind of difference, with its count and a few examples. */
    public List<String> differences() {
        return differences;
    }

    private static void add(List<String> differences, List<String> found, String what) {
        if (found.isEmpty()) {
            return;
        }
        differences.add(
                found.size()
                        + " "
                        + what
                        + ", e.g. "
                        + String.join("; ", found.subList(0, Math.min(EXAMPLES, found.size()))));
    }
}
