package dev.keyflow.core.kafka;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.zip.CRC32;

/**
 * Derives the transactional id prefix of an exactly-once Kafka sink from the job and the operator
 * name.
 *
 * <p>The prefix must be stable across restarts of the same job (so that the sink can abort the
 * transactions of the previous run) and different for every sink writing to the same cluster (or
 * the sinks fence each other). keyflow uses {@code keyflow-<job>-<operator>}, with every character
 * other than letters, digits, {@code .}, {@code _} and {@code -} replaced by {@code -}. Prefixes
 * longer than {@value #MAX_LENGTH} characters are cut and end with a hash of the full name, so that
 * two long names stay distinct. The sink appends subtask and checkpoint ids.
 */
public final class TransactionalIdPrefix {

    /** The longest prefix produced. */
    public static final int MAX_LENGTH = 64;

    private TransactionalIdPrefix() {}

    public static String of(String jobName, String operatorName) {
        Objects.requireNonNull(jobName, "jobName");
        Objects.requireNonNull(operatorName, "operatorName");
        if (jobName.isBlank()) {
            throw new IllegalArgumentException("jobName must not be blank");
        }
        if (operatorName.isBlank()) {
            throw new IllegalArgumentException("operatorName must not be blank");
        }
        String full = "keyflow-" + sanitize(jobName) + "-" + sanitize(operatorName);
        if (full.length() <= MAX_LENGTH) {
            return full;
        }
        CRC32 crc = new CRC32();
        crc.update((jobName + '\u0000' + operatorName).getBytes(StandardCharsets.UTF_8));
        String hash = String.format("%08x", crc.getValue());
        return full.substring(0, MAX_LENGTH - hash.length() - 1) + "-" + hash;
    }

    private static String sanitize(String name) {
        StringBuilder out = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean allowed =
                    (c >= 'a' && c <= 'z')
                            || (c >= 'A' && c <= 'Z')
                            || (c >= '0' && c <= '9')
                            || c == '.'
                            || c == '_'
                            || c == '-';
            out.append(allowed ? c : '-');
        }
        return out.toString();
    }
}
